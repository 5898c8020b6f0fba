"""Turn one loaded entry into the rows of ``kb.sqlite``. Pure: no files, no database.

Entries vary and may break the schema; nothing here trusts the shape of the data. A value
that is not where or what it should be is left out (``dmkb validate`` reports it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dmkb.entry_path import Path, format_path
from dmkb.entry_walk import evidence_items, items, lenient_get, term_references

MECHANISM_PREFIXES = ("GO", "CL", "HGNC")  # processes, cell types, genes


@dataclass(frozen=True)
class Step:
    path: str
    name: str
    description: str | None


@dataclass(frozen=True)
class Phenotype:
    path: str
    name: str
    hpo_id: str | None
    hpo_label: str | None
    frequency: str | None
    severity: str | None
    category: str | None


@dataclass(frozen=True)
class Gene:
    path: str
    name: str
    gene_id: str | None
    gene_label: str | None
    relationship: str | None
    variant_origin: str | None
    association: str | None


@dataclass(frozen=True)
class Treatment:
    path: str
    name: str
    term_id: str | None
    term_label: str | None
    action_category: str | None


@dataclass(frozen=True)
class Target:
    treatment_path: str
    target: str
    step_path: str | None
    effect: str | None


@dataclass(frozen=True)
class Node:
    node: str  # the path of the step, phenotype or treatment
    kind: str  # step | phenotype | treatment
    name: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # downstream | sequela | treatment
    label: str | None
    path: str


@dataclass(frozen=True)
class Evidence:
    path: str
    owner: str
    item: dict[str, Any]


@dataclass
class Extracted:
    """Everything ``kb.sqlite`` holds about one entry, before verification."""

    name: str
    mondo_id: str | None = None
    mondo_label: str | None = None
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    phenotypes: list[Phenotype] = field(default_factory=list)
    genes: list[Gene] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    cited: dict[str, str | None] = field(default_factory=dict)  # reference id -> title as cited
    mechanisms: dict[str, str] = field(default_factory=dict)  # GO, CL and HGNC terms mentioned: id -> label

    def keywords(self) -> str:
        """The words search looks at besides the name, the synonyms and the description."""
        words = [self.mondo_id, self.mondo_label, *self.categories, *self.parents]
        words += [s.name for s in self.steps]
        words += [w for p in self.phenotypes for w in (p.name, p.hpo_id, p.hpo_label)]
        words += [w for g in self.genes for w in (g.name, g.gene_label)]
        words += [t.name for t in self.treatments]
        return " ".join(dict.fromkeys(w for w in words if w))


def text(value: Any) -> str | None:
    """A value as display text: stripped strings and numbers; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def texts(value: Any) -> list[str]:
    """The text items of a list (or a single text), without repeats."""
    values = value if isinstance(value, list) else [value]
    seen: dict[str, None] = {}
    for item in values:
        if (t := text(item)) is not None:
            seen.setdefault(t)
    return list(seen)


def term_of(descriptor: Any) -> tuple[str | None, str | None]:
    """``(id, label)`` of a descriptor's ``term``."""
    if not isinstance(descriptor, dict):
        return None, None
    term = descriptor.get("term")
    if not isinstance(term, dict):
        return None, None
    return text(term.get("id")), text(term.get("label"))


def extract(data: Any, fallback_name: str) -> Extracted:
    """The rows of one entry. ``data`` is the loaded YAML; ``fallback_name`` names entries without a name."""
    if not isinstance(data, dict):
        return Extracted(name=fallback_name)
    disease_term = data.get("disease_term")
    mondo_id, mondo_label = term_of(disease_term)
    out = Extracted(
        name=text(data.get("name")) or fallback_name,
        mondo_id=mondo_id,
        mondo_label=mondo_label,
        description=text(data.get("description")),
        categories=texts([*texts(data.get("categories")), *texts(data.get("category"))]),
        synonyms=texts(data.get("synonyms")),
        parents=_parents(data.get("parents")),
    )
    raw_steps = list(_steps(data, ()))
    raw_phenotypes = items(lenient_get(data, "phenotypes"))
    raw_treatments = items(lenient_get(data, "treatments"))
    out.steps = [step for step, _ in raw_steps]
    out.phenotypes = [_phenotype(i, p) for i, p in raw_phenotypes]
    out.genes = [_gene(i, g) for i, g in items(lenient_get(data, "genetic"))]
    out.treatments = [_treatment(i, t) for i, t in raw_treatments]
    _graph(out, [raw for _, raw in raw_steps], [raw for _, raw in raw_phenotypes], [raw for _, raw in raw_treatments])
    out.evidence = [Evidence(format_path(path), format_path(path[:-2]), item) for path, item in evidence_items(data)]
    out.cited = _cited(data, out.evidence)
    out.mechanisms = _mechanisms(data)
    return out


def _mechanisms(data: dict[str, Any]) -> dict[str, str]:
    """The GO, CL and HGNC terms referenced anywhere in the entry, first mention first: id (its prefix
    upper-cased) -> label (the id when it has none)."""
    out: dict[str, str] = {}
    for _, term in term_references(data):
        term_id = term.get("id")
        prefix, _, local = term_id.partition(":") if isinstance(term_id, str) and term_id.strip() else ("", "", "")
        if prefix.upper() in MECHANISM_PREFIXES:
            curie = f"{prefix.upper()}:{local}"
            label = term.get("label")
            out.setdefault(curie, label if isinstance(label, str) and label.strip() else curie)
    return out


def _parents(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names = [text(v) or (text(v.get("name")) if isinstance(v, dict) else None) for v in values]
    return texts(names)


def _steps(data: dict[str, Any], path: Path) -> Iterator[tuple[Step, dict[str, Any]]]:
    """Mechanism steps, with their raw items: ``pathophysiology`` items, also those of (sub)stages."""
    for i, step in items(lenient_get(data, "pathophysiology")):
        step_path = (*path, "pathophysiology", i)
        name = text(step.get("name")) or f"Step {format_path(step_path)}"
        yield Step(format_path(step_path), name, text(step.get("description"))), step
    for key in ("stages", "substages"):
        for i, stage in items(data.get(key)):
            yield from _steps(stage, (*path, key, i))


def _phenotype(index: int, item: dict[str, Any]) -> Phenotype:
    term = item.get("phenotype_term")
    hpo_id, hpo_label = term_of(term)
    name = text(item.get("name")) or (text(term.get("preferred_term")) if isinstance(term, dict) else None)
    return Phenotype(
        format_path(("phenotypes", index)), name or hpo_label or f"Phenotype {index + 1}", hpo_id, hpo_label,
        text(item.get("frequency")), text(item.get("severity")), text(item.get("category")),
    )


def _gene(index: int, item: dict[str, Any]) -> Gene:
    gene_id, gene_label = term_of(item.get("gene_term"))
    return Gene(
        format_path(("genetic", index)), text(item.get("name")) or gene_label or f"Gene {index + 1}",
        gene_id, gene_label, text(item.get("relationship_type")), text(item.get("variant_origin")),
        text(item.get("association")),
    )


def _treatment(index: int, item: dict[str, Any]) -> Treatment:
    term_id, term_label = term_of(item.get("treatment_term"))
    return Treatment(
        format_path(("treatments", index)), text(item.get("name")) or term_label or f"Treatment {index + 1}",
        term_id, term_label, text(item.get("action_category")),
    )


def _graph(
    out: Extracted, raw_steps: list[dict[str, Any]], raw_phenotypes: list[dict[str, Any]],
    raw_treatments: list[dict[str, Any]],
) -> None:
    """Causal edges (``downstream``, ``sequelae``) and treatment targets, resolved to nodes by name.

    A target that names no node of the entry is left out of the graph (validate reports it).
    """
    steps = _by_name((s.path, s.name) for s in out.steps)
    phenotypes = _by_name((p.path, p.name) for p in out.phenotypes)
    nodes = {s.path: Node(s.path, "step", s.name) for s in out.steps}
    edges: list[Edge] = []
    names = {p.path: p.name for p in out.phenotypes}
    for owners, raws, key, kind in ((out.steps, raw_steps, "downstream", "downstream"),
                                    (out.phenotypes, raw_phenotypes, "sequelae", "sequela")):
        for owner, raw in zip(owners, raws, strict=True):
            for j, edge in items(lenient_get(raw, key)):
                target = _resolve(lenient_get(edge, "target"), steps, phenotypes)
                if target:
                    edges.append(Edge(owner.path, target, kind, text(edge.get("causal_link_type")),
                                      f"{owner.path}.{key}[{j}]"))
    for treatment, raw in zip(out.treatments, raw_treatments, strict=True):
        for j, edge in items(lenient_get(raw, "target_mechanisms")):
            name = text(lenient_get(edge, "target"))
            step = _resolve(name, steps, {})
            effect = text(edge.get("treatment_effect"))
            if name:
                out.targets.append(Target(treatment.path, name, step, effect))
            if step:
                edges.append(Edge(treatment.path, step, "treatment", effect,
                                  f"{treatment.path}.target_mechanisms[{j}]"))
                nodes.setdefault(treatment.path, Node(treatment.path, "treatment", treatment.name))
    for edge in edges:
        for end in (edge.source, edge.target):
            if end in names:
                nodes.setdefault(end, Node(end, "phenotype", names[end]))
    out.nodes = list(nodes.values())
    out.edges = edges


def _by_name(named: Iterator[tuple[str, str]]) -> dict[str, str]:
    """Name -> path, the first of repeated names winning (validate reports repeats)."""
    found: dict[str, str] = {}
    for path, name in named:
        found.setdefault(name, path)
        found.setdefault(_fold(name), path)
    return found


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def _resolve(name: Any, steps: dict[str, str], phenotypes: dict[str, str]) -> str | None:
    if not isinstance(name, str):
        return None
    for table in (steps, phenotypes):
        found = table.get(name.strip()) or table.get(_fold(name))
        if found:
            return found
    return None


def _cited(data: dict[str, Any], evidence: list[Evidence]) -> dict[str, str | None]:
    """Reference ids cited by evidence or listed under ``references``, with the title they are cited under."""
    cited: dict[str, str | None] = {}
    for ev in evidence:
        ref = text(ev.item.get("reference"))
        if ref:
            title = text(ev.item.get("reference_title"))
            if cited.get(ref) is None:
                cited[ref] = title
    for _, item in items(data.get("references")):
        ref = text(item.get("reference"))
        if ref:
            title = text(item.get("title"))
            if cited.get(ref) is None:
                cited[ref] = title
    return cited
