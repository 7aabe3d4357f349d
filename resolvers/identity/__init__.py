"""Identity in the schema: the signed-in customer (``me``) and the permission classes fields use."""
