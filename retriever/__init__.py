"""AX Lab retriever package."""
