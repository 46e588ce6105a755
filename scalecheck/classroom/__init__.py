"""classroom layer."""
