"""Domain objects shared by ports, loaders and resolvers (plain dataclasses, no I/O)."""
