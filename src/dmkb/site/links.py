"""The site's links to ontology terms and references: those of the one link layer, :mod:`dmkb.links`."""

from dmkb.links import reference_url, term_url

__all__ = ["reference_url", "term_url"]
