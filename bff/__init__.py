"""Storefront BFF: one GraphQL endpoint over the storefront's catalog, search, carts and orders."""

__version__ = "0.1.0"
