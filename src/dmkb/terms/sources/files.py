"""Ontology files given with ``--source PREFIX=PATH``: OBO (``.obo``, parsed with ``fastobo``) or
OBO-graph JSON (``.json``).

Only terms of PREFIX are kept; their parents may come from any ontology.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import fastobo
import orjson

from dmkb.errors import UsageError
from dmkb.packaged import file_fingerprint
from dmkb.terms.records import IS_A, PART_OF, Term, TermSource

_OBO_PURL = "http://purl.obolibrary.org/obo/"
_PART_OF = {"part_of", "BFO:0000050"}
_REPLACED_BY = {"IAO:0100001", "replaced_by"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def source(prefix: str, path: Path) -> TermSource:
    if not path.is_file():
        raise UsageError(f"ontology file {path} does not exist", "give PREFIX=PATH with the path of an .obo or .json file")
    reader = _read_graph if path.suffix.lower() == ".json" else _read_obo
    release = _release(path)
    return TermSource(f"file-{prefix.lower()}", f"{prefix} from {path.name}", release, (prefix,),
                      f"{prefix}|{file_fingerprint(path.resolve())}", partial(reader, path, prefix))


def curie(identifier: str) -> str:
    """``HP:0000118`` for ``http://purl.obolibrary.org/obo/HP_0000118``; other ids as given."""
    if identifier.startswith(_OBO_PURL):
        local = identifier[len(_OBO_PURL):]
        prefix, sep, rest = local.partition("_")
        return f"{prefix}:{rest}" if sep else local
    return identifier


def _wanted(term_id: str, prefix: str) -> bool:
    return term_id.partition(":")[0].lower() == prefix.lower()


def _release(path: Path) -> str:
    head = path.open("rb").read(65536).decode("utf-8", "replace")
    for pattern in (r"data-version:\s*(\S+)", r'"version"\s*:\s*"([^"]+)"', r'versionInfo"\s*,\s*"val"\s*:\s*"([^"]+)"'):
        found = re.search(pattern, head)
        if found:
            date = _DATE.search(found.group(1))
            return date.group(0) if date else found.group(1)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return f"file of {mtime:%Y-%m-%d}"


def _read_obo(path: Path, prefix: str) -> Iterator[Term]:
    try:
        document = fastobo.load(str(path))
    except (SyntaxError, ValueError, OSError) as exc:
        # fastobo's syntax errors carry the line, and '<stdin>' for the file's name
        where, problem = (f"{path}:{exc.lineno}", exc.msg) if isinstance(exc, SyntaxError) else (str(path), exc)
        raise UsageError(f"{where}: not a valid OBO file: {problem}",
                         "fix the file, or give the ontology as OBO-graph JSON (.json)") from None
    for frame in document:
        if isinstance(frame, fastobo.term.TermFrame) and _wanted(str(frame.id), prefix):
            yield from obo_terms(frame)


def obo_terms(frame) -> Iterator[Term]:
    """The term of a ``fastobo`` term frame, then its alternative ids as obsolete terms replaced by it."""
    term_id, label, definition, replaced_by = str(frame.id), "", None, None
    synonyms, parents, alt_ids, obsolete = [], [], [], False
    for clause in frame:
        match type(clause).__name__:
            case "NameClause":
                label = str(clause.name)
            case "DefClause":
                definition = str(clause.definition)
            case "SynonymClause":
                synonyms.append(str(clause.synonym.desc))
            case "IsAClause":
                parents.append((IS_A, str(clause.term)))
            case "RelationshipClause" if str(clause.typedef) in _PART_OF:
                parents.append((PART_OF, str(clause.term)))
            case "IsObsoleteClause":
                obsolete = bool(clause.obsolete)
            case "ReplacedByClause":
                replaced_by = replaced_by or str(clause.term)
            case "AltIdClause":
                alt_ids.append(str(clause.alt_id))
    yield Term(term_id, label, tuple(synonyms), definition, obsolete, replaced_by, tuple(parents))
    for alt in alt_ids:
        yield Term(alt, label, obsolete=True, replaced_by=term_id)


def _read_graph(path: Path, prefix: str) -> Iterator[Term]:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc})", "give an OBO-graph JSON file") from None
    graphs = document.get("graphs") if isinstance(document, dict) else None
    if not isinstance(graphs, list):
        raise UsageError(f"{path} is not an OBO-graph JSON file (no 'graphs' list)", "give an OBO-graph JSON file")
    for graph in graphs:
        parents = _graph_parents(graph.get("edges") or [])
        for node in graph.get("nodes") or []:
            term = _graph_term(node, parents)
            if term and _wanted(term.id, prefix):
                yield term


def _graph_parents(edges: list[dict]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for edge in edges:
        predicate = curie(str(edge.get("pred", "")))
        relation = IS_A if predicate in ("is_a", "rdfs:subClassOf") else PART_OF if predicate in _PART_OF else None
        if relation:
            out.setdefault(curie(str(edge.get("sub"))), []).append((relation, curie(str(edge.get("obj")))))
    return out


def _graph_term(node: dict, parents: dict[str, list[tuple[str, str]]]) -> Term | None:
    if node.get("type", "CLASS") != "CLASS" or not node.get("id"):
        return None
    term_id = curie(str(node["id"]))
    meta = node.get("meta") or {}
    replaced_by = next((curie(str(p.get("val"))) for p in meta.get("basicPropertyValues") or []
                        if curie(str(p.get("pred", ""))) in _REPLACED_BY), None)
    return Term(
        term_id,
        str(node.get("lbl") or ""),
        tuple(str(s.get("val")) for s in meta.get("synonyms") or [] if s.get("val")),
        (meta.get("definition") or {}).get("val"),
        bool(meta.get("deprecated")),
        replaced_by,
        tuple(parents.get(term_id, ())),
    )
