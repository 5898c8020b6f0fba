"""Ontology terms: the KB's own term caches and the offline term index built from packaged ontologies."""
