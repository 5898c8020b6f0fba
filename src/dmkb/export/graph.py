"""The KB as a Biolink graph: nodes with a category, edges with a predicate and their evidence.
Both KGX and RDF are written from it.

Ontology terms keep their ids; the KB's own things (mechanism steps, disorders without a MONDO
id, phenotypes and treatments without a term) get ``dmkb:`` ids made from the entry's file stem
and the item's path, so they stay the same from one export to the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import quote

from dmkb.export.source import CompiledKB, Disorder, Evidence, term_id, terms_of
from dmkb.prefixes import KB_PREFIX, standard_curie

KNOWLEDGE_SOURCE = "infores:dmkb"
# the enum of an entry's phenotype frequency, as HPO's frequency terms
FREQUENCY_TERMS = {
    "OBLIGATE": "HP:0040280", "ALWAYS": "HP:0040280", "VERY_FREQUENT": "HP:0040281", "FREQUENT": "HP:0040282",
    "COMMON": "HP:0040282", "OCCASIONAL": "HP:0040283", "RARE": "HP:0040284", "VERY_RARE": "HP:0040284",
    "EXCLUDED": "HP:0040285",
}
_BY_PREFIX = {
    "HP": "biolink:PhenotypicFeature", "MONDO": "biolink:Disease", "HGNC": "biolink:Gene",
    "CHEBI": "biolink:ChemicalEntity", "CL": "biolink:Cell", "UBERON": "biolink:AnatomicalEntity",
    "NCBITAXON": "biolink:OrganismTaxon", "GO": "biolink:BiologicalProcess",
}
# what a mechanism step lists: (key, predicate from the step, category when the prefix says none)
_STEP_TERMS = (
    ("biological_processes", "biolink:subclass_of", "biolink:BiologicalProcess"),
    ("pathways", "biolink:subclass_of", "biolink:BiologicalProcess"),
    ("cell_types", "biolink:has_participant", "biolink:Cell"),
    ("locations", "biolink:occurs_in", "biolink:AnatomicalEntity"),
    ("cellular_components", "biolink:occurs_in", "biolink:CellularComponent"),
    ("genes", "biolink:has_participant", "biolink:Gene"),
    ("gene", "biolink:has_participant", "biolink:Gene"),
    ("gene_products", "biolink:has_participant", "biolink:GeneProduct"),
    ("chemical_entities", "biolink:has_participant", "biolink:ChemicalEntity"),
)
_CAUSAL = {"downstream": "biolink:causes", "sequela": "biolink:causes", "treatment": "biolink:affects"}


@dataclass
class Node:
    id: str
    category: str
    name: str
    description: str | None = None
    synonyms: list[str] = field(default_factory=list)


@dataclass
class Edge:
    subject: str
    predicate: str
    object: str
    evidence: list[Evidence] = field(default_factory=list)
    frequency: str | None = None  # an HPO frequency term

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.subject} {self.predicate} {self.object}".encode()).hexdigest()
        return f"{KB_PREFIX}:edge-{digest[:20]}"

    @property
    def publications(self) -> list[str]:
        return list(dict.fromkeys(e.reference for e in self.evidence if e.reference))

    @property
    def supports(self) -> list[str]:
        """The support value (SUPPORT, PARTIAL, REFUTE…) of each of :attr:`publications`, as its
        first evidence item gives it."""
        first: dict[str, str] = {}
        for e in self.evidence:
            if e.reference:
                first.setdefault(e.reference, e.supports or "")
        return list(first.values())


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], Edge] = field(default_factory=dict)

    def node(self, node: Node) -> str:
        """Add ``node`` unless a node of that id is there already; its id (prefix spelt canonically)."""
        node.id = standard_curie(node.id)
        self.nodes.setdefault(node.id, node)
        return node.id

    def edge(self, edge: Edge) -> None:
        """Add ``edge``; the evidence of an edge stated twice is joined."""
        key = (edge.subject, edge.predicate, edge.object)
        known = self.edges.get(key)
        if known is None:
            self.edges[key] = edge
        else:
            known.evidence.extend(e for e in edge.evidence if e not in known.evidence)
            known.frequency = known.frequency or edge.frequency


def local_id(stem: str, path: str | None = None) -> str:
    """``dmkb:Stem`` or ``dmkb:Stem.pathophysiology-2`` (a CURIE: no slash, colon or space)."""
    local = stem if path is None else f"{stem}.{path.replace('[', '-').replace(']', '')}"
    return f"{KB_PREFIX}:{quote(local, safe='')}"


def category(curie: str, fallback: str) -> str:
    return _BY_PREFIX.get(curie.partition(":")[0].upper(), fallback)


def build_graph(kb: CompiledKB) -> Graph:
    graph = Graph()
    for disorder in kb.disorders:
        _add_disorder(graph, disorder)
    return graph


def _add_disorder(graph: Graph, d: Disorder) -> None:
    disorder = graph.node(Node(d.mondo_id or local_id(d.stem), "biolink:Disease", d.name, d.description,
                               d.synonyms))
    ends: dict[str, str] = {}  # path of a step, phenotype or treatment -> its node
    for row in d.phenotypes:
        pid = row["hpo_id"] or local_id(d.stem, row["path"])
        pid = ends[row["path"]] = graph.node(Node(pid, category(pid, "biolink:PhenotypicFeature"),
                                                  row["hpo_label"] or row["name"]))
        predicate = "biolink:associated_with" if category(pid, "") == "biolink:Disease" else "biolink:has_phenotype"
        graph.edge(Edge(disorder, predicate, pid, d.evidence_of(row["path"]),
                        FREQUENCY_TERMS.get((row["frequency"] or "").upper())))
    for row in d.genes:
        if row["gene_id"]:
            gene = graph.node(Node(row["gene_id"], "biolink:Gene", row["gene_label"] or row["name"]))
            graph.edge(Edge(gene, "biolink:gene_associated_with_condition", disorder, d.evidence_of(row["path"])))
    for row in d.treatments:
        tid = row["term_id"] or local_id(d.stem, row["path"])
        tid = ends[row["path"]] = graph.node(Node(tid, category(tid, "biolink:Treatment"),
                                                  row["term_label"] or row["name"]))
        graph.edge(Edge(disorder, "biolink:treated_by", tid, d.evidence_of(row["path"])))
    for row in d.steps:
        ends[row["path"]] = _add_step(graph, d, row, disorder)
    for row in d.edges:
        if row["source"] in ends and row["target"] in ends:
            graph.edge(Edge(ends[row["source"]], _CAUSAL.get(row["kind"], "biolink:related_to"), ends[row["target"]],
                            d.evidence_of(row["path"], row["source"])))
    for i, agent in enumerate(d.data.get("infectious_agent") or []):
        taxon, label = term_id(agent.get("infectious_agent_term") if isinstance(agent, dict) else None)
        if taxon:
            taxon = graph.node(Node(taxon, category(taxon, "biolink:OrganismTaxon"),
                                    label or str(agent.get("name") or taxon)))
            graph.edge(Edge(taxon, "biolink:causes", disorder, d.evidence_of(f"infectious_agent[{i}]")))


def _add_step(graph: Graph, d: Disorder, row, disorder: str) -> str:
    step = graph.node(Node(local_id(d.stem, row["path"]), "biolink:BiologicalProcessOrActivity", row["name"],
                           row["description"]))
    evidence = d.evidence_of(row["path"])
    graph.edge(Edge(step, "biolink:contributes_to", disorder, evidence))
    raw = d.at(row["path"])
    for key, predicate, fallback in _STEP_TERMS:
        for curie, label in terms_of(raw, key):
            curie = graph.node(Node(curie, category(curie, fallback), label or curie))
            graph.edge(Edge(step, predicate, curie, evidence))
    return step
