"""The store locator: ``stores(near: ...)`` and ``store(id)``."""
