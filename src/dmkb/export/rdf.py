"""RDF: the graph as Turtle (``kb.ttl``) and N-Triples (``kb.nt``, for big KBs and line tools),
written with pyoxigraph.

Each node is typed with its Biolink category and labelled; each edge is a direct triple
(``MONDO:… biolink:has_phenotype HP:…``) and, when it has evidence, also a
``biolink:Association`` (named by the edge's ``dmkb:`` id) with its subject, predicate, object,
publications and support values. URIs come from the one CURIE converter. Triples are sorted, so
the bytes change only when the KB does.
"""

from __future__ import annotations

import pyoxigraph as ox

from dmkb.export.graph import KNOWLEDGE_SOURCE, Edge, Graph, build_graph
from dmkb.export.source import CompiledKB
from dmkb.prefixes import KB_URI_PREFIX, expand

BIOLINK = "https://w3id.org/biolink/vocab/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
VERSION = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
DATASET = ox.NamedNode(f"{KB_URI_PREFIX}kb")
PREFIXES = {
    "biolink": BIOLINK, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "dcterms": "http://purl.org/dc/terms/",
    "owl": "http://www.w3.org/2002/07/owl#", "dmkb": KB_URI_PREFIX, "HP": "http://purl.obolibrary.org/obo/HP_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_", "GO": "http://purl.obolibrary.org/obo/GO_",
    "CL": "http://purl.obolibrary.org/obo/CL_", "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_", "NCBITaxon": "http://purl.obolibrary.org/obo/NCBITaxon_",
    "HGNC": "http://identifiers.org/hgnc/", "PMID": "http://www.ncbi.nlm.nih.gov/pubmed/",
}


def export(kb: CompiledKB) -> dict[str, bytes]:
    """The files of the RDF export, by name."""
    triples = sorted(set(_triples(build_graph(kb), kb)), key=str)
    header = f"# dmkb {kb.version}, KB revision {kb.revision}\n".encode()
    return {
        "kb.ttl": header + ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES),
        "kb.nt": ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
    }


def _triples(graph: Graph, kb: CompiledKB):
    yield ox.Triple(DATASET, VERSION, ox.Literal(f"KB revision {kb.revision}; dmkb {kb.version}"))
    uris = {node_id: _uri(node_id) for node_id in graph.nodes}
    for node in graph.nodes.values():
        uri = uris[node.id]
        if uri is None:
            continue
        yield ox.Triple(uri, RDF_TYPE, _biolink(node.category))
        if node.name:
            yield ox.Triple(uri, LABEL, ox.Literal(node.name))
        if node.description:
            yield ox.Triple(uri, DESCRIPTION, ox.Literal(node.description))
    for edge in graph.edges.values():
        subject, obj = uris.get(edge.subject), uris.get(edge.object)
        if subject is None or obj is None:
            continue
        yield ox.Triple(subject, _biolink(edge.predicate), obj)
        if edge.evidence or edge.frequency:
            yield from _association(edge, subject, obj)


def _association(edge: Edge, subject: ox.NamedNode, obj: ox.NamedNode):
    node = _uri(edge.id)
    yield ox.Triple(node, RDF_TYPE, _biolink("biolink:Association"))
    yield ox.Triple(node, _biolink("biolink:subject"), subject)
    yield ox.Triple(node, _biolink("biolink:predicate"), _biolink(edge.predicate))
    yield ox.Triple(node, _biolink("biolink:object"), obj)
    yield ox.Triple(node, _biolink("biolink:knowledge_level"), ox.Literal("knowledge_assertion"))
    yield ox.Triple(node, _biolink("biolink:agent_type"), ox.Literal("manual_agent"))
    yield ox.Triple(node, _biolink("biolink:primary_knowledge_source"), ox.Literal(KNOWLEDGE_SOURCE))
    for reference in edge.publications:
        uri = _uri(reference)
        yield ox.Triple(node, _biolink("biolink:publications"), uri or ox.Literal(reference))
    for value in sorted(set(edge.supports) - {""}):
        yield ox.Triple(node, _biolink("biolink:has_evidence"), ox.Literal(value))
    if edge.frequency:
        yield ox.Triple(node, _biolink("biolink:frequency_qualifier"), _uri(edge.frequency))


def _biolink(curie: str) -> ox.NamedNode:
    return ox.NamedNode(BIOLINK + curie.partition(":")[2])


def _uri(curie: str) -> ox.NamedNode | None:
    uri = expand(curie)
    try:
        return ox.NamedNode(uri) if uri else None
    except ValueError:  # a local part that no IRI may hold
        return None
