"""The benchmark harness: storefront scenarios against the BFF, a hand-written floor and a naive peer.

``python -m bench`` (``make bench``); see ``bench/README.md``. Results are ratios measured in one run.
"""
