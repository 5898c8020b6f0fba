"""Build a disorder page's context from its compiled record. Pure: no files, no database.

The page has one section per part of the entry with data, each with a fixed element id. The
standard sections (those readers look for on every page) are always present: a section the
entry has no data for is listed, compactly, as not recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dmkb.links import term_url
from dmkb.references.ids import reference_url
from dmkb.similarity.stored import SCORE_MEANING
from dmkb.site.anchors import anchor_for, slug
from dmkb.site.cards import CardSpec, PageContext, build_card, fold, term_of
from dmkb.site.data import CurationChecks, DisorderRecord
from dmkb.site.evidence import tidy_evidence
from dmkb.site.graph import Graph, build_graph
from dmkb.site.research import Anchors, render_report
from dmkb.site.views import (
    Card,
    ChecksView,
    CurationEvent,
    DisorderPage,
    EntryView,
    FindingView,
    Link,
    Overview,
    Problem,
    ReferenceView,
    ResearchView,
    Section,
    SimilarItem,
    SimilarView,
    Table,
    Term,
    humanize,
    pretty,
)
from dmkb.site.yaml_view import yaml_blocks


@dataclass(frozen=True)
class SectionDef:
    id: str
    label: str  # short, for the table of contents
    keys: tuple[str, ...]  # the entry's fields listed in it
    spec: CardSpec = field(default_factory=CardSpec)
    standard: bool = True  # shown (as not recorded) even without data
    intro: str | None = None
    title: str | None = None  # when longer than the label; "{name}" is the disorder's name


STEP = CardSpec(relations={"downstream": "Leads to"}, skip=frozenset({"subtypes"}))
SECTIONS = (
    SectionDef("subtypes", "Subtypes", ("has_subtypes",), CardSpec(badges=("classification", "subtype_frequency"))),
    SectionDef("infectious-agents", "Infectious agents", ("infectious_agent", "infectious_agents")),
    SectionDef("transmission", "Transmission", ("transmission",), standard=False),
    SectionDef("pathophysiology", "Pathophysiology", ("pathophysiology", "stages"), STEP,
               intro="The mechanism steps, each with what it leads to and the evidence for it."),
    SectionDef("mechanistic-hypotheses", "Mechanistic hypotheses", ("mechanistic_hypotheses",),
               CardSpec(title_keys=("hypothesis_label", "hypothesis_group_id"), badges=("status",),
                        skip=frozenset({"hypothesis_group_id"})), standard=False),
    SectionDef("histopathology", "Histopathology", ("histopathology",), CardSpec(badges=("frequency", "diagnostic"))),
    SectionDef("phenotypes", "Phenotypes", ("phenotypes",),
               CardSpec(kicker="category", badges=("frequency", "severity", "diagnostic"),
                        relations={"sequelae": "Leads to"})),
    SectionDef("biochemical", "Biochemical findings", ("biochemical",), CardSpec(badges=("presence",)),
               standard=False),
    SectionDef("genetics", "Genetics", ("genetic", "variants"),
               CardSpec(badges=("relationship_type", "variant_origin", "frequency"))),
    SectionDef("inheritance", "Inheritance", ("inheritance",), standard=False),
    SectionDef("environmental", "Environmental factors", ("environmental",), standard=False),
    SectionDef("progression", "Progression", ("progression",), CardSpec(title_keys=("phase", "name"))),
    SectionDef("epidemiology", "Epidemiology", ("prevalence", "epidemiology"),
               CardSpec(title_keys=("population", "name", "subtype")), standard=False,
               title="Prevalence and epidemiology"),
    SectionDef("diagnosis", "Diagnosis", ("diagnosis",)),
    SectionDef("treatments", "Treatments", ("treatments",),
               CardSpec(badges=("action_category", "therapeutic_modality"), relations={"target_mechanisms": "Acts on"}),
               intro="With the mechanism steps each treatment acts on."),
    SectionDef("clinical-trials", "Clinical trials", ("clinical_trials",), CardSpec(badges=("phase", "status"))),
    SectionDef("differential-diagnoses", "Differential diagnoses", ("differential_diagnoses",),
               title="Conditions with similar clinical presentations that must be differentiated from {name}"),
    SectionDef("animal-models", "Models", ("animal_models", "experimental_models", "computational_models"),
               standard=False),
    SectionDef("discussions", "Open questions", ("discussions",),
               CardSpec(title_keys=("prompt", "discussion_id"), badges=("kind", "status"),
                        skip=frozenset({"discussion_id"})), standard=False),
)
MECHANISM_GRAPH = "mechanism-graph"
SIMILAR = "similar-conditions"
CHECKS = "curation-checks"
ENTRY = "entry"
STANDARD_IDS = ("overview", MECHANISM_GRAPH, "subtypes", "infectious-agents", "pathophysiology", "histopathology",
                "phenotypes", "genetics", "progression", "diagnosis", "treatments", "clinical-trials",
                "differential-diagnoses", SIMILAR, "research", "references", CHECKS, ENTRY)
SEVERITIES = {"error": ("Error", "errors", "bad"), "warning": ("Warning", "warnings", "warn"),
              "info": ("Note", "notes", "info")}  # label, plural, badge tone
ATTACHES_TO = humanize("attaches_to")


def build_disorder_page(record: DisorderRecord, kb_index: dict[str, str] | None = None,
                        research_server: str = "") -> DisorderPage:
    """The page of one disorder.

    :param kb_index: folded names and MONDO ids of the KB's disorders -> their stems, to link
        differential diagnoses that have a page of their own.
    :param research_server: where the question box sends questions ("": the page's own server).
    """
    graph = build_graph(record.nodes, record.edges)
    ctx = _context(record, graph)
    graph_section = Section(MECHANISM_GRAPH, "Mechanism graph", "Mechanism graph", template="graph")
    sections: list[Section] = [graph_section] if graph else []  # the big picture first, then the parts
    empty: list[Section] = [] if graph else [graph_section]
    for definition in SECTIONS:
        section = _section(definition, record, ctx, kb_index or {})
        if section.cards:
            sections.append(section)
        elif definition.standard:
            empty.append(section)
        if definition.id == "differential-diagnoses":  # the computed ones beside the curated ones
            similar = similar_section(record, kb_index or {})
            (sections if similar.count else empty).append(similar)
    references = _references(record)
    sections.append(research_section(record, references, research_server))
    reference_section = Section("references", "References", "References", template="references")
    (sections if references else empty).append(reference_section)
    sections.append(Section(CHECKS, "Curation checks", "Curation checks", template="checks",
                            checks=checks_view(record.file, record.checks)))
    sections.append(Section(ENTRY, "The entry, as curated", "The entry (YAML)", template="entry"))
    sections.insert(0, Section("overview", "Overview", "Overview", template="overview"))
    _link_attachments(sections)
    tidy_evidence(sections)
    problem = Problem(**{k: record.problem[k] for k in ("file", "line", "message", "hint")}) \
        if record.problem else None
    return DisorderPage(record.stem, record.name, _overview(record, sections), sections, empty, graph, references,
                        _entry(record), problem)


def research_section(record: DisorderRecord, references: list[ReferenceView], server: str) -> Section:
    """The question box and the stored deep-research reports about the disorder."""
    anchors = Anchors(r.anchor for r in references)
    on_page = {r.id: r.anchor for r in references}
    reports = [render_report(report, anchors, on_page, anchor=f"report-{n}")
               for n, report in enumerate(record.reports, start=1)]
    view = ResearchView(record.stem, record.name, record.mondo_id, record.digest[:16], server, reports)
    return Section("research", "Research questions", "Research questions", template="research", research=view)


def checks_view(file: str, checks: CurationChecks | None) -> ChecksView:
    """What ``dmkb validate`` finds in the entry: errors and warnings, then the notes (info), each in line order."""
    if checks is None:
        return ChecksView(file, None, None, "", "", [])
    views = [FindingView(f["severity"], SEVERITIES[f["severity"]][0], SEVERITIES[f["severity"]][2], f["check"],
                         f["line"], f["path"], f["message"], _from_root(f["hint"], checks.root))
             for f in checks.findings if f["severity"] in SEVERITIES]
    counts = checks.counts()

    def counted(*severities: str) -> str:
        return " · ".join(f"{counts[s]} {SEVERITIES[s][1] if counts[s] != 1 else SEVERITIES[s][0].lower()}"
                          for s in severities if counts[s])

    problems = sorted((v for v in views if v.severity != "info"), key=lambda v: v.severity != "error")
    return ChecksView(file, problems, [v for v in views if v.severity == "info"], counted("error", "warning"),
                      counted("info"), checks.notes)


def _from_root(hint: str | None, root: str) -> str | None:
    """A hint naming the KB's folders from its root (``--cache references_cache``): a published page
    does not tell where the KB sat on the machine that built it."""
    folder = root.rstrip("/")
    return hint.replace(folder + "/", "") if hint and folder else hint


def _entry(record: DisorderRecord) -> EntryView:
    data = record.data
    notes = [(label, data[key].strip()) for key, label in (("notes", "Notes"), ("review_notes", "Review notes"))
             if isinstance(data.get(key), str) and data[key].strip()]
    history = [CurationEvent(str(e.get("curation_timestamp", ""))[:16].replace("T", " "),
                             pretty(e["curation_action"]) if isinstance(e.get("curation_action"), str) else None,
                             _text(e.get("curation_model")), _text(e.get("curation_description")))
               for _, e in _dicts(data.get("curation_history"))]
    linked = {f["line"] for f in record.checks.findings} if record.checks else set()
    return EntryView(record.file, f"{quote(record.stem)}.yaml", notes, history, yaml_blocks(record.source, linked),
                     len(record.source.splitlines()))


def _link_attachments(sections: list[Section]) -> None:
    """``attaches_to: [progression#Prodromal Course]`` names an item of another section: link to its card."""
    anchors: dict[tuple[str, str], str] = {}
    for section in sections:
        for key in next((d.keys for d in SECTIONS if d.id == section.id), ()):
            for card in section.cards:
                if card.anchor:
                    anchors.setdefault((key, fold(card.title)), card.anchor)
    section_of = {key: d.id for d in SECTIONS for key in d.keys}
    for section in sections:
        for card in section.cards:
            for label, values in list(card.bullets):
                if label != ATTACHES_TO:
                    continue
                links = []
                for value in values:
                    key, _, name = value.partition("#")
                    anchor = anchors.get((key, fold(name))) or section_of.get(key)
                    links.append(Link(name or value, f"#{anchor}" if anchor else None))
                card.bullets.remove((label, values))
                card.links.append((label, links))


def _context(record: DisorderRecord, graph: Graph | None) -> PageContext:
    ctx = PageContext(evidence=record.evidence, sources=record.sources)
    names: dict[str, str] = {}  # node path -> name
    anchors: dict[str, str] = {}  # node path -> anchor
    for table in ("steps", "phenotypes", "treatments"):
        for row in record.rows.get(table, []):
            names[row["path"]] = row["name"]
            anchors[row["path"]] = anchor_for(row["path"], row["name"])
            if table != "treatments":
                ctx.node_anchor.setdefault(fold(row["name"]), anchors[row["path"]])
    ctx.anchor_by_path = anchors
    ctx.in_graph = {n.anchor for n in graph.nodes} if graph else set()
    for edge in record.edges:
        source, target = edge["source"], edge["target"]
        if source not in anchors or target not in anchors:
            continue
        link = Link(names[source], f"#{anchors[source]}")
        bucket = ctx.acted_on_by if edge["kind"] == "treatment" else ctx.upstream
        if link not in bucket.setdefault(anchors[target], []):
            bucket[anchors[target]].append(link)
    return ctx


def _section(definition: SectionDef, record: DisorderRecord, ctx: PageContext, kb_index: dict[str, str]) -> Section:
    title = (definition.title or definition.label).format(name=record.name)
    section = Section(definition.id, title, definition.label, intro=definition.intro)
    data = record.data
    for key in definition.keys:
        for i, item in _dicts(data.get(key)):
            if key == "stages":
                section.cards.append(_stage_card((key, i), item, ctx))
            else:
                section.cards.append(build_card((key, i), item, definition.spec, ctx))
    if definition.id == "phenotypes" and section.cards:
        section.table = _phenotype_table(record, ctx)
    if definition.id == "differential-diagnoses":
        for card, (_, item) in zip(section.cards, _dicts(data.get("differential_diagnoses"))):
            card.href = _kb_link(item, kb_index, record.stem)
    return section


def similar_section(record: DisorderRecord, kb_index: dict[str, str]) -> Section:
    """The computed similar conditions (see :mod:`dmkb.similarity.stored`); empty when there are none."""
    section = Section(SIMILAR, f"Similar conditions computed for {record.name}", "Similar conditions",
                      template="similar")
    data = record.similar
    if not data:
        return section
    section.similar = SimilarView(
        kb=[_similar_item(item, kb_index, record.stem) for item in data.get("kb", [])],
        hpo=[_similar_item(item, {}, record.stem) for item in data.get("hpo", [])],
        same_as=[Term(curie, curie, term_url(curie)) for curie in data.get("same_as", [])],
        score_meaning=SCORE_MEANING.format(name=record.name),
    )
    return section


def _similar_item(item: dict[str, Any], kb_index: dict[str, str], own: str) -> SimilarItem:
    def terms(key: str) -> list[Term]:
        return [Term(t.get("label") or t["id"], t["id"], term_url(t["id"])) for t in item.get(key, [])]

    stems = (kb_index.get(fold(key)) for key in (item.get("name") or "", item["id"]))
    stem = next((s for s in stems if s and s != own), None)  # two entries may share a MONDO id
    href = f"{quote(stem)}.html" if stem else term_url(item["id"])
    return SimilarItem(item.get("name") or item["id"], href, item["id"], terms("shared_phenotypes"),
                       terms("only_here"), terms("only_there"), terms("shared_mechanisms"),
                       terms("mechanisms_only_here"), terms("mechanisms_only_there"), item.get("score"))


def _phenotype_table(record: DisorderRecord, ctx: PageContext) -> Table:
    rows = []
    for row in record.rows.get("phenotypes", []):
        anchor = ctx.anchor_by_path.get(row["path"])
        rows.append([
            Link(row["name"], f"#{anchor}" if anchor else None),
            Link(row["hpo_id"] or "", term_url(row["hpo_id"])),
            Link(pretty(row["category"] or "")),
            Link(pretty(row["frequency"] or "")),
            Link(pretty(row["severity"] or "")),
        ])
    columns = ["Phenotype", "HPO", "Category", "Frequency", "Severity"]
    kept = [i for i in range(len(columns)) if i == 0 or any(r[i].text for r in rows)]  # no empty columns
    return Table([columns[i] for i in kept], [[r[i] for i in kept] for r in rows])


def _stage_card(path: tuple[Any, ...], stage: dict[str, Any], ctx: PageContext) -> Card:
    """A stage and, as its children, its mechanism steps (and substages)."""
    spec = CardSpec(skip=frozenset({"pathophysiology", "substages"}))
    card = build_card(path, stage, spec, ctx)
    card.kicker = "Stage"
    card.children = [build_card((*path, "pathophysiology", j), step, STEP, ctx)
                     for j, step in _dicts(stage.get("pathophysiology"))]
    card.children += [_stage_card((*path, "substages", j), sub, ctx) for j, sub in _dicts(stage.get("substages"))]
    return card


def _kb_link(item: dict[str, Any], kb_index: dict[str, str], own: str) -> str | None:
    term = item.get("disease_term")
    keys = [term_of(term).curie if isinstance(term, dict) else None, item.get("name")]
    for key in keys:
        stem = kb_index.get(fold(key)) if isinstance(key, str) else None
        if stem and stem != own:
            return f"{quote(stem)}.html"
    return None


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _overview(record: DisorderRecord, sections: list[Section]) -> Overview:
    mondo = Term(record.mondo_label or record.mondo_id, record.mondo_id, term_url(record.mondo_id)) \
        if record.mondo_id else None
    counts = {s.id: s.count for s in sections}
    stats = [(label, counts.get(sid, 0), sid) for label, sid in (
        ("Mechanism steps", "pathophysiology"), ("Phenotypes", "phenotypes"), ("Genes", "genetics"),
        ("Treatments", "treatments"), ("Differentials", "differential-diagnoses"))]
    stats.append(("References", len(record.sources), "references"))
    data = record.data
    dates = [(label, str(data[key])[:10]) for key, label in (("creation_date", "Created"), ("updated_date", "Updated"))
             if isinstance(data.get(key), (str, int))]
    statuses = Counter(row["status"] for row in record.evidence.values())
    return Overview(record.name, mondo, record.synonyms, record.categories, record.parents, record.description,
                    record.file, dates, stats, dict(statuses))


def _references(record: DisorderRecord) -> list[ReferenceView]:
    cited = Counter(row["reference"] for row in record.evidence.values())
    verified = Counter(row["reference"] for row in record.evidence.values() if row["status"] == "verified")
    return [
        ReferenceView(
            id=ref, anchor=f"ref-{slug(ref, 80)}", href=reference_url(ref), title=s.get("title") or s.get("cited_title"),
            authors=s.get("authors"), journal=s.get("journal"), year=s.get("year"), cached=bool(s.get("cached")), cited=cited[ref],
            verified=verified[ref],
        )
        for ref, s in record.sources.items()
    ]
