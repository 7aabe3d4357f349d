"""The GraphQL-over-HTTP layer: request parsing, the document cache, execution and error shaping."""
