"""Stored deep-research reports: read in every provider's variant, compiled into kb.sqlite, checked
by dmkb validate (as warnings), rendered on the disorder page with their citation keys linked and
their markdown sanitised; and, over the shared corpus's reports, the share of keys linked."""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

import pytest
from conftest import REPO
from lxml import html as lxml_html
from research_helpers import JAK_STAT, copy_example, dmkb_in_process

from dmkb.compile.incremental import compile_kb
from dmkb.compile.read import connect_readonly
from dmkb.load.research_files import parse_report
from dmkb.pipeline.build import build_site
from dmkb.report_citations import ReferenceList, find_citations, find_links, report_content
from dmkb.site.data import load_reports
from dmkb.site.render import render_report_html
from dmkb.validate import validate

sys.path.insert(0, str(REPO / "benchmarks"))
from research_reports import count_links, measure  # noqa: E402

ANKL = "Aggressive_NK-cell_Leukemia"

FALCON = """\
---
provider: falcon
model: Edison Scientific Literature
start_time: '2025-12-17T23:28:15.536471'
end_time: '2025-12-17T23:40:58.334321'
duration_seconds: 762.8
template_variables:
  disease_name: Test Leukemia
  mondo_id: ''
citation_count: 3
---

## Question

# Research Template

## Target Disease
- **Disease Name:** Test Leukemia

## Output

Question: You are an expert researcher.

# Research Template

## Target Disease
- **Disease Name:** Test Leukemia


Test Leukemia Research Report

Core Pathophysiology
NK cells expand in the marrow (smith2024nkcells pages 1-2, wang2024thyroiddysfunction(td) pages 7-9).
IL-6 rises (smith2024nkcells pages 3-4; NCT01234567).

Evidence Table
| Entity | Role | Evidence |
|---|---:|---|
| STAT3 | driver | (smith2024nkcells pages 1-2) |
| JAK2 | kinase | (ghost2020missingkey pages 2-3) |

References

1. (smith2024nkcells pages 1-2): Ann Smith. NK cells in leukemia. Blood, 2024. URL: https://doi.org/10.1000/nk.1, doi:10.1000/nk.1.

2. (wang2024thyroiddysfunction(td) pages 7-9): Yanling Wang. Thyroid dysfunction (td). Heliyon, 2024. PMID: 1000001.

3. (smith2024nkcells pages 3-4): Ann Smith. NK cells in leukemia. Blood, 2024. URL: https://doi.org/10.1000/nk.1.

4. (NCT01234567): A trial. ClinicalTrials.gov Identifier: NCT01234567
"""

PERPLEXITY = """\
---
provider: perplexity
model: sonar-deep-research
end_time: '2026-02-04T19:03:13'
duration_seconds: 145.38
---

## Question

What drives Test Leukemia?

## Output

# Pathophysiology of Test Leukemia

## Genetics

STAT3 mutations drive it[1][2]. Other work[2, 3] and reviews[1-3] agree; one claim cites nothing known[9].

## Treatment

Ruxolitinib inhibits JAK2 (PMID: 1000001).
"""

PERPLEXITY_CITATIONS = """\
# Citations for Research Query

**Query:** What drives Test Leukemia?

1. Not a citation: the query's own list

**Provider:** perplexity
**Generated:** 2026-02-04T19:03:13

1. https://pubmed.ncbi.nlm.nih.gov/1000001/
2. https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/
3. https://doi.org/10.1000/nk.1
"""

AGENT = """\
---
provider: cyberian
---

## Question

What drives Test Leukemia?

## Output

## Introduction

Marrow NK cells expand[smith-2002-autophagy-abstract], as reviewed[jones-2003-regulation].

## References

- [smith-2002-autophagy] Smith J. Autophagy in NK cells. 2002. PMID: 1000001
- Jones K. Regulation of NK cells. Blood, 2003. https://doi.org/10.1000/jones

## Open Questions

Whether the expansion is clonal.
"""

EVIL = """\
---
provider: evil
---

## Question

<script>alert("question")</script>

## Output

# Report <img src=x onerror="window.__evil=1">

## Part one

<script>window.__evil = 2</script>
Text with a [bad link](javascript:alert(3)) and <a href="javascript:alert(4)">raw link</a>.
A data link [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) and ![pic](https://example.org/x.png).

| a | b <script>alert(6)</script> |
|---|---|
| <iframe src="javascript:alert(7)"></iframe> | (x2020evil pages 1-2) |

## References

1. (x2020evil pages 1-2): <b onmouseover="alert(8)">Evil</b> [click](javascript:alert(9)) https://doi.org/10.1000/ok
"""


def write_report(root: Path, name: str, text: str, companion: str | None = None) -> Path:
    folder = root / "research"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if companion is not None:
        (folder / (name + ".citations.md")).write_text(companion, encoding="utf-8")
    return path


def content_of(text: str, companion: str = ""):
    from dmkb.load.research_files import companion_items

    report = parse_report("research/x.md", text, "digest")
    return report, report_content(report.body, report.body_line, companion_items(companion))


def rendered(tiny_kb, tmp_path: Path) -> dict[str, str]:
    """Every report of the tiny KB, compiled and rendered alone, by file."""
    db = tmp_path / "kb.sqlite"
    compile_kb([tiny_kb.root], db)
    with contextlib.closing(connect_readonly(db)) as conn:
        return {r.file: render_report_html(r) for r in load_reports(conn)}


def test_a_falcon_report_is_read_whole_without_its_echoed_prompt() -> None:
    report, content = content_of(FALCON)
    assert (report.provider, report.model, report.date, report.duration_seconds) == \
        ("falcon", "Edison Scientific Literature", "2025-12-17", 762.8)
    assert report.disease_name == "Test Leukemia" and report.mondo_id is None
    assert report.question.startswith("# Research Template") and "Target Disease" in report.question
    assert content.body.startswith("Test Leukemia Research Report")  # "Question: You are…" is gone
    assert "References" not in content.body
    # one entry per source: the two page ranges of smith2024 are one entry, with both labels
    assert [e.key for e in content.entries] == ["smith2024nkcells", "wang2024thyroiddysfunction(td)", "NCT01234567"]
    assert content.entries[0].labels == ["smith2024nkcells pages 1-2", "smith2024nkcells pages 3-4"]
    assert content.entries[1].ids["pmid"] == "1000001" and content.entries[0].ids["doi"] == "10.1000/nk.1"
    citations = find_citations(content.body, ReferenceList(content.entries))
    assert [(c.label, c.entry) for c in citations] == [
        ("smith2024nkcells pages 1-2", 0), ("wang2024thyroiddysfunction(td) pages 7-9", 1),
        ("smith2024nkcells pages 3-4", 0), ("NCT01234567", 2), ("smith2024nkcells pages 1-2", 0),
        ("ghost2020missingkey pages 2-3", None)]


def test_numbered_citations_resolve_through_the_companion_list() -> None:
    _, content = content_of(PERPLEXITY, PERPLEXITY_CITATIONS)
    assert [e.number for e in content.entries] == [1, 2, 3]  # the query's own list is not read
    assert content.entries[1].ids == {"url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/",
                                      "pmcid": "PMC1234567"}
    citations = find_citations(content.body, ReferenceList(content.entries))
    assert [(c.label, c.entry) for c in citations] == [
        ("1", 0), ("2", 1), ("2", 1), ("3", 2), ("1", 0), ("3", 2), ("9", None), ("PMID: 1000001", 0)]


def test_bracketed_keys_resolve_by_key_without_suffix_and_by_author_and_year() -> None:
    _, content = content_of(AGENT)
    assert [e.key for e in content.entries] == ["smith-2002-autophagy", None]
    assert "Open Questions" in content.body  # a section after the references stays in the text
    citations = find_citations(content.body, ReferenceList(content.entries))
    assert [(c.label, c.entry) for c in citations] == [("smith-2002-autophagy-abstract", 0),
                                                       ("jones-2003-regulation", 1)]


def test_addresses_are_found_without_their_punctuation() -> None:
    text = "See https://doi.org/10.1/a_(b), doi:10.1016/S0140-6736(20)30183-5. PMID: 42; PMC123456 NCT01234567."
    links = [(text[link.start:link.end], link.url) for link in find_links(text)]
    assert links == [("https://doi.org/10.1/a_(b)", "https://doi.org/10.1/a_(b)"),
                     ("doi:10.1016/S0140-6736(20)30183-5", "https://doi.org/10.1016/S0140-6736(20)30183-5"),
                     ("PMID: 42", "https://pubmed.ncbi.nlm.nih.gov/42/"),
                     ("PMC123456", "https://pmc.ncbi.nlm.nih.gov/articles/PMC123456/"),
                     ("NCT01234567", "https://clinicaltrials.gov/study/NCT01234567")]


def test_reports_render_with_tables_linked_keys_and_folded_sections(tiny_kb, tmp_path: Path) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", FALCON)
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-perplexity.md", PERPLEXITY, PERPLEXITY_CITATIONS)
    pages = rendered(tiny_kb, tmp_path)
    falcon = lxml_html.fromstring(pages["research/Test_Leukemia-deep-research-falcon.md"])
    # section names on a line of their own became parts of the report; the table is a table
    assert falcon.xpath("string(.//p[@class='report-title'])") == "Test Leukemia Research Report"
    assert [h.text_content() for h in falcon.xpath(".//h4")] == ["Core Pathophysiology", "Evidence Table"]
    assert falcon.xpath(".//table//th/text()") == ["Entity", "Role", "Evidence"]
    assert not falcon.xpath(".//*[@style]")  # alignment styles would break the pages' policy
    links = {a.text_content(): a.get("href") for a in falcon.xpath(".//a[@class='cite']")}
    assert links["smith2024nkcells pages 3-4"] == "#ref-smith2024nkcells"
    assert links["wang2024thyroiddysfunction(td) pages 7-9"] == "#ref-wang2024thyroiddysfunction-td"
    assert falcon.xpath("string(.//span[@class='cite-missing'])") == "ghost2020missingkey pages 2-3"
    assert falcon.xpath("string(.//li[@id='ref-smith2024nkcells']//span[@class='ref-pages'])") == \
        "pages 1-2; pages 3-4"
    assert falcon.xpath(".//li[@id='ref-smith2024nkcells']//a[@href='https://doi.org/10.1000/nk.1']")
    assert count_links(pages["research/Test_Leukemia-deep-research-falcon.md"]) == (6, 5, 0, 1)
    meta = falcon.xpath("string(.//p[@class='report-meta'])")
    assert "completed 2025-12-17" in meta and "took 12 min 43 s" in meta
    perplexity = pages["research/Test_Leukemia-deep-research-perplexity.md"]
    assert count_links(perplexity) == (8, 7, 0, 0)
    tree = lxml_html.fromstring(perplexity)
    assert tree.xpath(".//li[@id='ref-2']//a/@href") == ["https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/"]


def test_citations_inside_a_quotation_are_the_sources_own_and_stay_unlinked(tiny_kb, tmp_path: Path) -> None:
    quoting = PERPLEXITY.replace("Ruxolitinib inhibits JAK2 (PMID: 1000001).",
                                 "- “Ruxolitinib inhibited JAK2 in every line tested [2].” [1]")
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-perplexity.md", quoting, PERPLEXITY_CITATIONS)
    page = rendered(tiny_kb, tmp_path)["research/Test_Leukemia-deep-research-perplexity.md"]
    tree = lxml_html.fromstring(page)
    [item] = [li for li in tree.xpath(".//li") if "Ruxolitinib inhibited" in li.text_content()]
    assert [a.text_content() for a in item.xpath(".//a[@class='cite']")] == ["1"]  # not the quote's [2]


def test_a_long_report_is_folded_by_section(tiny_kb, tmp_path: Path) -> None:
    long_report = FALCON.replace("NK cells expand in the marrow", "NK cells expand in the marrow. " + "Filler. " * 600)
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", long_report)
    page = lxml_html.fromstring(rendered(tiny_kb, tmp_path)["research/Test_Leukemia-deep-research-falcon.md"])
    parts = page.xpath(".//details[@class='report-section']")
    assert [p.xpath("string(summary)") for p in parts] == ["Core Pathophysiology", "Evidence Table"]
    assert [p.get("open") is not None for p in parts] == [True, False]  # the first part is open
    assert page.xpath(".//details[@class='report-references' and not(@open)]")


def test_a_folded_report_opens_on_its_first_part_with_text_and_an_empty_part_is_a_heading(
        tiny_kb, tmp_path: Path) -> None:
    # as Huntington's falcon report begins: its first line names a part, not the report; the next
    # part is only a name, its text is in the parts below it
    start = ("Research Plan and Approach\nObjective: a synthesis of the disease.\n\n"
             "Disease Knowledge Base Entry\nTarget Disease\n- Disease Name: Test Leukemia\n\n")
    long_report = FALCON.replace("Test Leukemia Research Report\n\n", start) \
        .replace("NK cells expand in the marrow", "NK cells expand in the marrow. " + "Filler. " * 600)
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", long_report)
    page = lxml_html.fromstring(rendered(tiny_kb, tmp_path)["research/Test_Leukemia-deep-research-falcon.md"])
    assert page.xpath("string(.//p[@class='report-title'])") == "Deep-research report"
    parts = page.xpath(".//details[@class='report-section']")
    assert [(p.xpath("string(summary)"), p.get("open") is not None) for p in parts] == [
        ("Research Plan and Approach", True), ("Target Disease", False), ("Core Pathophysiology", False),
        ("Evidence Table", False)]
    assert page.xpath("string(.//details[@open]/p)") == "Objective: a synthesis of the disease."
    assert page.xpath(".//h4[@class='report-heading']/text()") == ["Disease Knowledge Base Entry"]


def test_markup_and_script_in_a_report_are_inert(tiny_kb, tmp_path: Path) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-evil.md", EVIL)
    page = rendered(tiny_kb, tmp_path)["research/Test_Leukemia-deep-research-evil.md"]
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //iframe | //img | //style | //object | //embed")
    hrefs = tree.xpath("//@href")
    assert hrefs and all(h.startswith(("#", "https://")) for h in hrefs)
    assert not [a for a in tree.xpath("//@*") if a.attrname.startswith("on")]
    assert "javascript:" not in "".join(hrefs) and "data:" not in "".join(hrefs)
    # what tried to be markup is shown as text
    assert "<script>window.__evil = 2</script>" in tree.text_content()
    assert tree.xpath("//a[@href='#ref-x2020evil']") and tree.xpath("//a[@href='https://doi.org/10.1000/ok']")


def test_reports_are_compiled_attached_to_their_disorder_and_shown_on_its_page(tiny_kb, tmp_path: Path) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", FALCON)
    renamed = FALCON.replace("disease_name: Test Leukemia", "disease_name: test leukemia")
    write_report(tiny_kb.root, "Leukemia_report.md", renamed)  # no stem in the name: found by the disease
    write_report(tiny_kb.root, "Other-deep-research-falcon.md", FALCON.replace("Test Leukemia", "Other Disease"))
    (tiny_kb.root / "references_cache" / "DOI_10.1000_nk.1.md").write_text(
        "---\nreference_id: DOI:10.1000/nk.1\ntitle: NK cells in leukemia\n---\n\nText.\n", encoding="utf-8")
    out = tmp_path / "site"
    report = build_site([tiny_kb.root], out)
    assert report.compile.reports == 3
    with contextlib.closing(connect_readonly(out / "kb.sqlite")) as conn:
        rows = conn.execute("SELECT file, stem, provider FROM research ORDER BY file").fetchall()
        sources = conn.execute("SELECT key, source_id FROM research_references r JOIN research ON research.id = "
                               "report_id WHERE file LIKE '%Test_Leukemia%' ORDER BY position").fetchall()
    assert [tuple(r) for r in rows] == [("research/Leukemia_report.md", "Test_Leukemia", "falcon"),
                                        ("research/Other-deep-research-falcon.md", None, "falcon"),
                                        ("research/Test_Leukemia-deep-research-falcon.md", "Test_Leukemia", "falcon")]
    # the sources the KB caches are marked: by DOI, and by the PMID of its record
    assert [tuple(s) for s in sources] == [("smith2024nkcells", "DOI:10.1000/nk.1"),
                                           ("wang2024thyroiddysfunction(td)", "PMID:1000001"), ("NCT01234567", None)]
    page = (out / "disorders" / "Test_Leukemia.html").read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page)
    assert len(tree.xpath("//section[@id='research']//article[@class='report folded' or @class='report']")) == 2
    # two reports on one page: their references keep distinct ids, each report linking to its own
    assert tree.xpath("//li[@id='ref-smith2024nkcells']") and tree.xpath("//li[@id='ref-smith2024nkcells-2']")
    assert tree.xpath("//article[@id='report-2']//a[@class='cite' and @href='#ref-smith2024nkcells-2']")
    assert "✓ cached in this KB" in tree.xpath("string(//li[@id='ref-wang2024thyroiddysfunction-td'])")
    assert tree.xpath("//li[@id='ref-wang2024thyroiddysfunction-td']//a[@href='#ref-pmid-1000001']")
    assert tree.xpath("//nav[@class='toc']//a[@href='#research']/span[@class='count']/text()") == ["2"]
    # only what changed is done again: the report alone changes, its page alone is rendered
    again = build_site([tiny_kb.root], out)
    assert again.compile.reports_compiled == [] and again.rendered == []
    path = tiny_kb.root / "research" / "Leukemia_report.md"
    path.write_text(renamed.replace("NK cells expand", "NK cells multiply"), encoding="utf-8")
    again = build_site([tiny_kb.root], out)
    assert again.compile.reports_compiled == ["research/Leukemia_report.md"] and again.rendered == ["Test_Leukemia"]
    assert "NK cells multiply" in (out / "disorders" / "Test_Leukemia.html").read_text(encoding="utf-8")
    path.unlink()
    again = build_site([tiny_kb.root], out)
    assert "NK cells multiply" not in (out / "disorders" / "Test_Leukemia.html").read_text(encoding="utf-8")


def test_validate_warns_about_reports_without_failing(tiny_kb) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", FALCON)
    write_report(tiny_kb.root, "Nobody-deep-research-perplexity.md", PERPLEXITY, PERPLEXITY_CITATIONS)
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-broken.md",
                 "---\nprovider: [unclosed\nmodel: x\n---\n\n## Question\n\nWhy?\n\n## Output\n\nBecause.\n")
    report = validate([tiny_kb.root])
    found = sorted((f.file, f.line, f.severity, f.message) for f in report.findings if f.check == "research")
    assert report.ok and report.summary()["checks"]["research"] == 4
    assert found[0][:3] == ("research/Nobody-deep-research-perplexity.md", 1, "warning")
    assert "names no disorder of the KB" in found[0][3]
    assert found[1][:3] == ("research/Nobody-deep-research-perplexity.md", 18, "warning")
    assert "1 citation(s) lead to no entry of the reference list: 9" in found[1][3]
    assert found[2][:3] == ("research/Test_Leukemia-deep-research-broken.md", 3, "warning")
    assert "not valid YAML" in found[2][3]
    assert found[3][0] == "research/Test_Leukemia-deep-research-falcon.md" and found[3][1] == 40
    assert "ghost2020missingkey pages 2-3" in found[3][3]
    remembered = validate([tiny_kb.root])  # from the memo: the same findings
    assert sorted((f.file, f.line, f.message) for f in remembered.findings if f.check == "research") == \
        [(f[0], f[1], f[3]) for f in found]


def test_reports_named_after_their_entries_need_no_entry_read(tiny_kb, monkeypatch) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", FALCON)
    validate([tiny_kb.root])
    read_text = Path.read_text

    def not_an_entry(path: Path, *args, **kwargs) -> str:
        assert path.suffix != ".yaml", f"{path} was read"
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", not_an_entry)
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["research"]  # the report's unresolved key
    monkeypatch.setattr(Path, "read_text", read_text)
    write_report(tiny_kb.root, "Leukemia_report.md", FALCON)  # named by its disease: the entries are read
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["research"] * 2


def test_validating_one_entry_checks_its_reports_against_the_whole_kb(tiny_kb) -> None:
    write_report(tiny_kb.root, "Test_Leukemia-deep-research-falcon.md", FALCON)
    write_report(tiny_kb.root, "Nobody-deep-research-perplexity.md", PERPLEXITY, PERPLEXITY_CITATIONS)
    own_entry = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    other = tiny_kb.write_entry(own_entry.read_text(encoding="utf-8").replace("name: ", "name: Other ", 1), "Other.yaml")
    alone = validate([other])  # neither report is this entry's: none is checked
    assert [f for f in alone.findings if f.check == "research"] == []
    own = validate([own_entry])
    assert {f.file for f in own.findings if f.check == "research"} == {"research/Test_Leukemia-deep-research-falcon.md"}
    assert not any("names no disorder" in f.message or "None" in f.message for f in own.findings)


def test_a_saved_answer_loads_and_renders_as_stored_reports_do(capsys, tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root, "--save", "--quiet")
    assert result.code == 0
    saved = root / "research" / f"{ANKL}-deep-research-dmkb.md"
    assert saved.is_file()
    out = tmp_path / "site"
    build_site([root], out)
    tree = lxml_html.fromstring((out / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8"))
    answer = next(a for a in tree.xpath("//article[contains(@class, 'report')]")
                  if "dmkb" in a.xpath("string(.//span[contains(@class, 'provider')])"))
    assert answer.xpath("string(.//p[@class='report-title'])").startswith("What drives JAK-STAT activation")
    cites = answer.xpath(".//a[@class='cite']")
    ids = set(tree.xpath("//@id"))
    assert cites and all(a.get("href")[1:] in ids for a in cites)
    assert not answer.xpath(".//span[@class='cite-missing']")
    assert len(answer.xpath(".//ol[@class='report-refs']/li")) == 4  # the closing notes are not references
    assert len(answer.xpath(".//li//span[contains(@class, 'status-verified')]")) == 4  # all from the KB's cache


def test_the_bundled_example_has_its_report_with_the_domain_table(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    db = tmp_path / "kb.sqlite"
    compile_kb([root], db)
    with contextlib.closing(connect_readonly(db)) as conn:
        (report,) = load_reports(conn, ANKL)
    assert (report.provider, report.date) == ("falcon", "2026-05-11")
    page = render_report_html(report)
    keys, linked, broken, tables = count_links(page)
    assert keys >= 60 and linked == keys and broken == 0 and tables == 1
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//table//th/text()")[:2] == ["Domain", "Key points"]
    cached = tree.xpath("//li[.//span[contains(@class, 'status-verified')]]/@id")
    assert "ref-tang2017aggressivenkcellleukemia" in cached  # its DOI, filed under its PMID
    assert "ref-ishida2018aggressivenkcellleukemia" not in cached


@pytest.mark.corpus
def test_every_corpus_report_loads_renders_and_links_its_citation_keys(corpus_root: Path) -> None:
    figures, _ = measure(corpus_root)
    assert len(figures) == len(list((corpus_root / "research").glob("*-deep-research-*.md"))) - \
        len(list((corpus_root / "research").glob("*.citations.md")))
    keys = sum(f.keys for f in figures)
    linked = sum(f.linked for f in figures)
    assert keys > 4000 and linked / keys >= 0.95
    assert all(f.broken == 0 and f.rendered_tables == f.tables for f in figures)
    assert sum(f.tables for f in figures) >= 20
    # a report under 95% cites only numbers its provider's list does not have
    for f in figures:
        if f.share < 0.95:
            text = (corpus_root / f.file).read_text(encoding="utf-8")
            companion = corpus_root / (f.file + ".citations.md")
            listed = len(re.findall(r"^\d+\. ", companion.read_text(encoding="utf-8"), re.MULTILINE))
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
            unlinked = f.keys - f.linked
            beyond = sum(len(re.findall(rf"\[{n}\]", text)) for n in cited if n > listed)
            assert unlinked == beyond, f.file


@pytest.mark.corpus
def test_every_corpus_page_with_reports_renders(corpus_root: Path, tmp_path: Path) -> None:
    from dmkb.site.render import Renderer

    db = tmp_path / "kb.sqlite"
    compile_kb([corpus_root], db)
    with contextlib.closing(connect_readonly(db)) as conn:
        stems = [row[0] for row in conn.execute("SELECT DISTINCT stem FROM research WHERE stem IS NOT NULL")]
        renderer = Renderer(conn)
        pages = {stem: renderer.disorder(stem) for stem in stems}
    assert len(stems) >= 29
    for stem, page in pages.items():
        tree = lxml_html.fromstring(page)
        ids = tree.xpath("//@id")
        assert len(ids) == len(set(ids)), stem  # two reports of one page never share an id
        targets = [a.get("href")[1:] for a in tree.xpath("//a[@class='cite' and starts-with(@href, '#')]")]
        assert targets and set(targets) <= set(ids), stem


ODD_REPORTS = {
    "empty": b"",
    "no front matter, no sections": b"Just some text (k2020x pages 1-2) [3].\n",
    "front matter a list": b"---\n- a\n- b\n---\n\n## Question\n\nQ?\n",
    "front matter not closed": b"---\nprovider: x\n\n## Question\n\nQ?\n",
    "bad dates": b"---\nstart_time: yesterday\nend_time: 2026-13-45\nduration_seconds: -3\n---\nText.\n",
    "not UTF-8": "---\nprovider: caf\xe9\n---\n\nText \xe9.\n".encode("latin-1"),
    "only headings": b"# A\n## B\n### C\n",
    "unclosed fence": b"## Output\n\n```\n| a | b |\n|---|---|\n",
    "nested brackets": b"## Output\n\n" + b"[" * 2000 + b"(" * 2000 + b"\n",
    "references only": b"## References\n\n1. (k2020x pages 1-2): Someone. 2020.\n",
}


def test_odd_report_files_load_render_and_are_warned_about(tiny_kb, tmp_path: Path) -> None:
    folder = tiny_kb.root / "research"
    folder.mkdir()
    for n, raw in enumerate(ODD_REPORTS.values()):
        (folder / f"Test_Leukemia-deep-research-odd{n}.md").write_bytes(raw)
    (folder / "Test_Leukemia-deep-research-folder.md").mkdir()  # a folder in a report's place
    pages = rendered(tiny_kb, tmp_path)
    assert len(pages) == len(ODD_REPORTS) + 1
    assert all(count_links(page)[2] == 0 for page in pages.values())
    findings = [f for f in validate([tiny_kb.root]).findings if f.check == "research"]
    by_file = {f.file: f for f in findings}
    assert "cannot be read" in by_file["research/Test_Leukemia-deep-research-folder.md"].message
    odd = {name: n for n, name in enumerate(ODD_REPORTS)}
    assert "not closed" in by_file[f"research/Test_Leukemia-deep-research-odd{odd['front matter not closed']}.md"].message
    assert "not a mapping" in by_file[f"research/Test_Leukemia-deep-research-odd{odd['front matter a list']}.md"].message
    assert "byte 0xe9 is not valid UTF-8" in by_file[f"research/Test_Leukemia-deep-research-odd{odd['not UTF-8']}.md"].message
    bad_dates = sorted((f.line, f.message) for f in findings if f.file.endswith(f"odd{odd['bad dates']}.md"))
    assert bad_dates[:2] == [(2, "start_time is 'yesterday', not a date and time"),
                             (3, "end_time is '2026-13-45', not a date and time")]


def test_the_question_is_folded_under_the_head_only_when_the_text_does_not_say_it() -> None:
    from dmkb.report_citations import ReportContent
    from dmkb.site.data import StoredReport

    question = "How does ivacaftor act on CFTR gating mutations?"

    def shown(body: str) -> str:
        return render_report_html(StoredReport(None, "dmkb", None, None, None, question, ReportContent(body, [])))

    assert "The question asked" not in shown(f"# Answer\n\n**Question:** {question}\n\nIvacaftor potentiates CFTR.")
    assert "The question asked" in shown("# Answer\n\nIvacaftor potentiates CFTR.")
