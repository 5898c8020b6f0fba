"""A KB's own term caches (``cache/<prefix>/terms.csv``) as a source of the index.

They hold ids and labels only. They are the only source for ontologies no package ships (NCIT,
MAXO, …) and fill the gaps of packaged releases, never overriding them.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from dmkb.fs import read_regular
from dmkb.load.term_caches import parse_terms_csv
from dmkb.load.text import decode
from dmkb.settings import max_file_bytes
from dmkb.terms.cache import TermCache
from dmkb.terms.records import Term, TermSource


def sources(root: Path) -> list[TermSource]:
    cache = TermCache(root / "cache")
    files = [path for path in cache.files if path.name == "terms.csv"]
    if not files:
        return []
    fingerprint = "|".join(":".join(map(str, file)) for file in cache.signature())
    prefixes = tuple(path.parent.name for path in files)
    return [TermSource("kb", f"term caches of {root.resolve()}", "as cached", prefixes, fingerprint,
                       partial(read, files), authoritative=False)]


def read(files: list[Path]) -> Iterator[Term]:
    for path in files:
        try:
            text, _ = decode(read_regular(path, max_file_bytes()))
        except OSError:
            continue  # `dmkb validate` reports unreadable cache files
        rows, _ = parse_terms_csv(text)
        for row in rows:
            yield Term(row.curie, row.label)
