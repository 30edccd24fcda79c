"""AX Lab kg package."""
