"""Orders in the schema: checkout, an order and its history, a customer's orders, cancelling, status events."""
