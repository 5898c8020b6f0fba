"""``metadata.json`` beside ``kb.sqlite``, so that ``datasette kb.sqlite -m metadata.json`` shows
every table and column described, searches disorders through the ``search`` full-text table,
and labels foreign keys with disorder names."""

from __future__ import annotations

import json
from pathlib import Path

from dmkb.fs import write_atomic

_PER_DISORDER = {"disorder_id": "the disorder (disorders.id)", "path": "where the item sits in the entry"}
_TABLES = {
    "meta": ("How the file was made: schema version, code signature, KB root.", {}),
    "disorders": ("One row per disorder entry (kb/disorders/STEM.yaml).", {
        "stem": "the file name without .yaml", "file": "the file, relative to the KB root",
        "digest": "SHA-256 of the file's bytes", "depends": "JSON: the cached reference texts the entry cites",
        "mondo_id": "the MONDO id of the disorder", "categories": "JSON list", "synonyms": "JSON list",
        "parents": "JSON list", "data": "the whole entry as JSON",
        "identity": "JSON: what names its disorder, to compare entries (with findings recorded)"}),
    "steps": ("Mechanism steps (pathophysiology, also of stages).", _PER_DISORDER),
    "phenotypes": ("Phenotypes with their HPO terms.", {**_PER_DISORDER, "frequency": "the entry's frequency value"}),
    "genes": ("Genes and their association with the disorder.", {**_PER_DISORDER, "gene_id": "HGNC id"}),
    "treatments": ("Treatments with their terms (MAXO, NCIT, CHEBI).", _PER_DISORDER),
    "treatment_targets": ("The mechanism steps treatments act on.", {
        **_PER_DISORDER, "step_path": "the step the target names (empty when it names none)"}),
    "graph_nodes": ("Nodes of the mechanism graph: steps, phenotypes, treatments.", _PER_DISORDER),
    "graph_edges": ("Edges of the mechanism graph.", {
        **_PER_DISORDER, "kind": "downstream, sequela or treatment", "label": "causal link type or effect"}),
    "evidence": ("Evidence items with their verification status.", {
        **_PER_DISORDER, "owner": "path of the statement it backs",
        "status": "verified, not_found (quote not in the source), not_cached or no_snippet"}),
    "findings": ("What dmkb validate finds in each entry (recorded by dmkb build).", {
        **_PER_DISORDER, "path": "where in the entry (empty: the file as a whole)", "line": "its line in the file",
        "check_name": "yaml, schema, graph, reference, snippet or term", "severity": "error, warning or info",
        "across": "1 when found by comparing entries (two files naming one disorder)"}),
    "sources": ("Cited references (PMID, DOI, clinicaltrials).", {"cached": "1 when the KB caches its text",
                                                                   "authors": "the first three, then et al."}),
    "disorder_sources": ("Which disorder cites which reference.", {"source_id": "the reference (sources.id)"}),
    "mechanism_terms": ("GO, CL and HGNC terms each entry mentions, first mention first.", _PER_DISORDER),
    "research": ("Stored deep-research reports (ROOT/research/*.md).", {
        "stem": "the disorder it is about (disorders.stem); empty when it names none of the KB",
        "body": "the report (markdown), its reference list taken out", "metadata": "its front matter, as JSON",
        "problems": "JSON: what could not be read"}),
    "research_references": ("The reference list of each stored report.", {
        "report_id": "the report (research.id)", "labels": "JSON: the labels it is cited under",
        "source_id": "the KB's cached copy of the source, when there is one"}),
    "search": ("Full-text index of disorders; its rowid is disorders.id.", {}),
}


def metadata() -> dict:
    tables = {name: {"description": text, "columns": columns} for name, (text, columns) in _TABLES.items()}
    tables["disorders"].update(fts_table="search", fts_pk="id", label_column="name")
    tables["sources"]["label_column"] = "title"
    return {"title": "dmkb knowledge base",
            "description": "A compiled Disorder Mechanisms Knowledge Base (dmkb build / dmkb export).",
            "databases": {"kb": {"tables": tables}}}


def write_datasette_metadata(db_path: Path) -> None:
    """Write ``metadata.json`` beside ``db_path`` unless it already holds these bytes."""
    path = db_path.with_name("metadata.json")
    data = json.dumps(metadata(), indent=2) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != data:
        write_atomic(path, data, mode=0o644)
