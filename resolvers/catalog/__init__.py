"""Catalog: products, variants and the category tree."""
