"""Carts in the schema: Shopify's Storefront API cart (``cart``, ``cartCreate``, ``cartLinesAdd``, ...)."""
