"""AX Lab ontology package."""
