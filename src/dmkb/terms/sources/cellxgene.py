"""MONDO, CL, UBERON, CHEBI and NCBITaxon from ``cellxgene-ontology-guide``.

Each ontology is a zstd-compressed JSON object ``{id: {"ancestors": {id: distance}, "label", ...}}``.
The NCBITaxon file alone is 0.8 GB of JSON once decompressed, most of it ancestor lists; it is read
as a stream, entry by entry, keeping only the direct parents (distance 1). The package does not
say whether an ancestor is reached by is_a or part_of, so those parents keep an unspecified relation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson
import zstandard

from dmkb.packaged import file_fingerprint, package_dir
from dmkb.terms.records import UNSPECIFIED, Term, TermSource

ONTOLOGIES = {
    "MONDO": "Mondo Disease Ontology",
    "CL": "Cell Ontology",
    "UBERON": "Uberon anatomy ontology",
    "CHEBI": "Chemical Entities of Biological Interest",
    "NCBITaxon": "NCBI organismal classification (animals only)",
}
PARTIAL = {"NCBITaxon"}  # the package keeps the animals (Metazoa) only: no microbes, plants or fungi
_CHUNK = 1 << 24
_ENTRY = re.compile(rb'[{,]"([^"\\]+)":\{"ancestors":\{([^}]*)\}')


def sources() -> list[TermSource]:
    package = package_dir("cellxgene_ontology_guide")
    if package is None:
        return []
    data = package / "data"
    try:
        latest = orjson.loads((data / "latest_ontology_info.json").read_bytes())["ontologies"]
    except (OSError, KeyError, orjson.JSONDecodeError):
        return []
    out = []
    for prefix, name in ONTOLOGIES.items():
        release = (latest.get(prefix) or {}).get("version")
        path = data / f"{prefix}-ontology-{release}.json.zst"
        if release and path.is_file():
            out.append(TermSource(prefix.lower(), name, release.removeprefix("v"), (prefix,),
                                  file_fingerprint(path), partial(read, path),
                                  size=path.stat().st_size * 50,  # zstd packs this JSON ~50 to 1
                                  partial=prefix in PARTIAL))
    return out


def read(path: Path) -> Iterator[Term]:
    for term_id, ancestors, fields in _entries(path):
        parents = tuple((UNSPECIFIED, parent) for parent in _direct_parents(ancestors))
        replaced_by = fields.get("replaced_by")
        yield Term(
            term_id,
            fields.get("label") or "",
            tuple(fields.get("synonyms") or ()),
            fields.get("description") or None,
            bool(fields.get("deprecated")),
            replaced_by if isinstance(replaced_by, str) else None,
            parents,
        )


def _direct_parents(ancestors: bytes) -> list[str]:
    """The ids at distance 1 in ``"ID":distance,…`` (found with ``bytes.find``: a regex over the
    0.8 GB of NCBITaxon ancestors takes several times longer)."""
    out = []
    start = 0
    while (end := ancestors.find(b'":1,', start)) >= 0:
        out.append(ancestors[ancestors.rfind(b'"', 0, end) + 1:end].decode())
        start = end + 4
    if ancestors.endswith(b'":1'):
        end = len(ancestors) - 3
        out.append(ancestors[ancestors.rfind(b'"', 0, end) + 1:end].decode())
    return out


def _entries(path: Path) -> Iterator[tuple[str, bytes, dict]]:
    """``(id, ancestors as raw JSON, other fields)`` of every entry, read a chunk at a time."""
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
        tail = b""
        while True:
            chunk = stream.read(_CHUNK)
            buffer = tail + chunk
            matches = list(_ENTRY.finditer(buffer))
            if chunk and matches:
                # the last entry may be cut by the chunk's end: keep it for the next round
                tail = buffer[matches[-1].start():]
                ends = [m.start() for m in matches[1:]]
                matches = matches[:-1]
            elif chunk:
                tail = buffer
                continue
            else:
                ends = [m.start() for m in matches[1:]] + [len(buffer.rstrip()) - 1]  # drop the closing brace
            for match, end in zip(matches, ends):
                rest = buffer[match.end():end]
                fields = orjson.loads(b"{" + rest[1:]) if rest.startswith(b",") else {}
                yield match.group(1).decode(), match.group(2), fields
            if not chunk:
                return
