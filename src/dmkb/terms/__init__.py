"""Ontology terms: the KB's own term caches (and, later, the full term index)."""
