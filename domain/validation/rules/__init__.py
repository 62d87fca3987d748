"""Rule families, one module per family; each exposes Schematron-like patterns."""
