"""KGX: the graph as ``nodes.tsv``/``edges.tsv`` and as ``nodes.jsonl``/``edges.jsonl``, with
``kgx_metadata.json`` naming the KB revision, the dmkb version and the ``dmkb`` prefix.

Every edge carries the references of its evidence (``publications``), their support values
(``supports``, in the same order), ``knowledge_level``, ``agent_type`` and its source; the
phenotypes of a disorder carry their frequency as an HPO frequency term. Every edge end is a
node of the files. Rows are sorted, so the bytes change only when the KB does.
"""

from __future__ import annotations

import json

from dmkb.export.graph import KNOWLEDGE_SOURCE, Edge, Node, build_graph
from dmkb.export.source import CompiledKB
from dmkb.prefixes import KB_PREFIX, KB_URI_PREFIX

NODE_COLUMNS = ("id", "category", "name", "description", "synonym")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "knowledge_level", "agent_type", "primary_knowledge_source",
                "publications", "supports", "frequency_qualifier")


def export(kb: CompiledKB) -> dict[str, bytes]:
    """The files of the KGX export, by name."""
    graph = build_graph(kb)
    nodes = [_node(n) for n in sorted(graph.nodes.values(), key=lambda n: n.id)]
    edges = [_edge(e) for e in sorted(graph.edges.values(), key=lambda e: (e.subject, e.predicate, e.object))]
    metadata = {"kb_revision": kb.revision, "dmkb_version": kb.version, "nodes": len(nodes), "edges": len(edges),
                "curie_map": {KB_PREFIX: KB_URI_PREFIX}, "knowledge_source": KNOWLEDGE_SOURCE}
    return {
        "nodes.tsv": _tsv(NODE_COLUMNS, nodes),
        "edges.tsv": _tsv(EDGE_COLUMNS, edges),
        "nodes.jsonl": _jsonl(nodes),
        "edges.jsonl": _jsonl(edges),
        "kgx_metadata.json": (json.dumps(metadata, indent=2) + "\n").encode(),
    }


def _node(node: Node) -> dict:
    return {"id": node.id, "category": [node.category], "name": node.name, "description": node.description,
            "synonym": node.synonyms}


def _edge(edge: Edge) -> dict:
    return {"id": edge.id, "subject": edge.subject, "predicate": edge.predicate, "object": edge.object,
            "knowledge_level": "knowledge_assertion", "agent_type": "manual_agent",
            "primary_knowledge_source": KNOWLEDGE_SOURCE, "publications": edge.publications,
            "supports": edge.supports, "frequency_qualifier": edge.frequency}


def _tsv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    lines = ["\t".join(columns)]
    lines += ["\t".join(_cell(row[c]) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _cell(value) -> str:
    """A TSV cell: lists joined with ``|`` (KGX's list separator), tabs and line breaks as spaces."""
    if value is None:
        return ""
    text = "|".join(v.replace("|", " ") for v in value) if isinstance(value, list) else str(value)
    return " ".join(text.split())


def _jsonl(rows: list[dict]) -> bytes:
    lines = [json.dumps({k: v for k, v in row.items() if v not in (None, [])}, ensure_ascii=False, sort_keys=True)
             for row in rows]
    return ("\n".join(lines) + "\n").encode()
