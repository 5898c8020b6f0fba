"""The site's links to ontology terms and references: those of the one link layer, :mod:`dmkb.links`."""

from dmkb.links import term_url
from dmkb.references.ids import reference_url

__all__ = ["reference_url", "term_url"]
