"""AX Lab lora package."""
