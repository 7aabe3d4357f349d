"""Recommendations: `recommendations`, `Product.recommendations` and `trackInteractions`."""
