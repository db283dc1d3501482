"""graphml."""
