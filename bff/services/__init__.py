"""Application services: each use case's rules from ``bff.domain`` applied through the ports."""
