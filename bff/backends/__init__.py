"""Ports (one ``Protocol`` per capability) and the adapters behind them.

``build_backends`` in :mod:`bff.backends.registry` is the only place that picks a concrete adapter.
"""
