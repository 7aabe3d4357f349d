"""Embedded adapters: everything the store needs on a laptop, with no cloud account."""
