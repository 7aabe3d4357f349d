"""The GraphQL schema: types, queries and mutations, one package per storefront domain."""
