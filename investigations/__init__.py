"""investigations."""
