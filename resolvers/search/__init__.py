"""Search and discovery: ``search``, ``predictiveSearch`` and the facets of search and category pages."""
