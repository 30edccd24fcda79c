"""AX Lab pipeline package."""
