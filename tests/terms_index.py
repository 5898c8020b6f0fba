"""A term index built once per test session from the packaged ontologies (all but CHEBI, the
largest to convert; the NCBI taxonomy is read in place) and the test ontology files."""

from __future__ import annotations

from pathlib import Path

from dmkb.terms.build import build
from dmkb.terms.sources import file_source, packaged_sources

FIXTURES = Path(__file__).parent / "fixtures" / "terms"
PACKAGED = {"hp", "mondo", "cl", "uberon", "go", "hgnc", "ncbitaxon"}


def build_test_index(home: Path) -> Path:
    sources = [s for s in packaged_sources() if s.name in PACKAGED]
    missing = PACKAGED - {s.name for s in sources}
    assert not missing, f"packaged ontologies not installed: {missing} (run make setup)"
    sources += [file_source(f"TST={FIXTURES / 'mini.obo'}"), file_source(f"TSG={FIXTURES / 'mini.json'}")]
    build(home / "terms", sources)
    return home
