"""exercise layer."""
