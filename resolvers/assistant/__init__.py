"""The chat assistant: ``assistantMessage``."""
