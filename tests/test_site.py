"""The compiled KB and the static site: what kb.sqlite holds, what each page shows, what is
rebuilt, and that no entry can put markup or script into a page."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ENTRY, EXAMPLE, TinyKb, run_dmkb
from site_helpers import EVIL

from dmkb.compile.incremental import compile_kb
from dmkb.errors import UsageError
from dmkb.pipeline.build import build_site
from dmkb.site.build import MANIFEST
from dmkb.site.page import STANDARD_IDS
from dmkb.validate import validate

ANKL = "Aggressive_NK-cell_Leukemia"


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def section_ids(html: str) -> set[str]:
    return {attrs["id"] for tag, attrs in tags_of(html) if tag == "section" and attrs.get("id")}


def graph_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.DOTALL)
    assert found, "the page has no graph data"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "example"
    build_site([EXAMPLE], out)
    return out


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from conftest import CORPUS

    if not (CORPUS / "kb" / "disorders").is_dir():
        pytest.skip("the shared dismech corpus is not beside the repository")
    out = tmp_path_factory.mktemp("site") / "corpus"
    build_site([CORPUS], out)
    return CORPUS, out


def test_example_page_has_every_section(example_site: Path) -> None:
    html = (example_site / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    assert set(STANDARD_IDS) <= section_ids(html)
    assert "Conditions with similar clinical presentations that must be differentiated from Aggressive NK-cell " \
           "Leukemia" in html
    # sections with data show it; the one without (subtypes) is listed as not recorded
    assert 'id="phenotypes" class="section"' in html and 'id="subtypes" class="empty-section"' in html
    assert "MONDO:0019470" in html and "https://purl.obolibrary.org/obo/MONDO_0019470" in html
    assert "https://purl.obolibrary.org/obo/HP_0001945" in html  # ontology ids link to their URIs
    assert "https://pubmed.ncbi.nlm.nih.gov/29263371/" in html  # references link to theirs
    # and name their first authors, from the cached entry
    assert '<p class="ref-authors">Olli Dufva, Matti Kankainen, Tiina Kelkka, et al.</p>' in html


def test_evidence_shows_reference_snippet_support_source_and_badge(example_site: Path) -> None:
    html = (example_site / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    first = html.index('<figure class="evidence ev-verified">')
    block = html[first: html.index("</figure>", first)]
    assert 'class="snippet"' in block and "Quote verified in source" in block
    assert "Supports" in block and "Human clinical" in block and 'href="https://doi.org/10.3389/' in block


def test_graph_has_a_node_per_step_in_both_drawings(example_site: Path) -> None:
    html = (example_site / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(example_site / "kb.sqlite")) as conn:
        steps = conn.execute("SELECT count(*) FROM steps").fetchone()[0]
        edges = conn.execute("SELECT kind, count(*) FROM graph_edges GROUP BY kind").fetchall()
    assert steps == 10
    data = graph_data(html)
    assert sum(n["kind"] == "step" for n in data["nodes"]) == steps
    assert html.count('class="node node-step"') == steps  # the static picture for pages without scripts
    assert {kind for kind, _ in edges} == {"downstream", "treatment"}
    anchors = {n["anchor"] for n in data["nodes"]}
    assert anchors <= {attrs.get("id") for tag, attrs in tags_of(html) if tag == "article"}


def test_verification_badges_agree_with_validate(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry(ENTRY.replace("snippet: TGF-beta1 signalling was increased",
                                      "snippet: TGF-beta1 signalling was decreased"))
    (tiny_kb.root / "kb" / "disorders" / "Other.yaml").write_text(
        "name: Other\nphenotypes:\n- name: Fever\n  evidence:\n  - reference: PMID:999\n    snippet: absent text\n"
        "  - reference: PMID:1000001\n", encoding="utf-8")
    compile_kb([tiny_kb.root], tmp_path / "kb.sqlite")
    with contextlib.closing(sqlite3.connect(tmp_path / "kb.sqlite")) as conn:
        statuses = dict(conn.execute("SELECT path, status FROM evidence WHERE disorder_id = "
                                     "(SELECT id FROM disorders WHERE stem = 'Test_Leukemia')").fetchall())
        other = [s for (s,) in conn.execute("SELECT status FROM evidence WHERE disorder_id = "
                                            "(SELECT id FROM disorders WHERE stem = 'Other') ORDER BY path")]
    assert statuses == {"pathophysiology[0].evidence[0]": "verified", "phenotypes[0].evidence[0]": "not_found"}
    assert other == ["not_cached", "no_snippet"]
    not_found = [f for f in validate([tiny_kb.root], use_memo=False).findings
                 if f.check == "snippet" and f.message.startswith("snippet not found")]
    assert [f.path for f in not_found] == ["phenotypes[0].evidence[0].snippet"]


def test_unchanged_kb_rewrites_nothing(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    (tiny_kb.root / "kb" / "disorders" / "Second.yaml").write_text("name: Second Disorder\n", encoding="utf-8")
    first = build_site([tiny_kb.root], out)
    assert sorted(first.rendered) == ["Second", "Test_Leukemia"]
    files = sorted(p for p in out.rglob("*") if p.is_file())
    stamps = {p: p.stat().st_mtime_ns for p in files}

    again = build_site([tiny_kb.root], out)
    assert again.rendered == [] and again.written == [] and again.compile.compiled == []
    assert {p: p.stat().st_mtime_ns for p in files} == stamps  # not even kb.sqlite was written

    tiny_kb.write_entry(ENTRY.replace("Malignant NK cells expand.", "Malignant NK cells expand fast."))
    third = build_site([tiny_kb.root], out)
    assert third.compile.compiled == ["Test_Leukemia"] and third.rendered == ["Test_Leukemia"]
    assert (out / "disorders" / "Second.html").stat().st_mtime_ns == stamps[out / "disorders" / "Second.html"]
    assert "Malignant NK cells expand fast." in (out / "disorders" / "Test_Leukemia.html").read_text()


def test_changed_reference_text_rebuilds_the_entries_citing_it(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    cached = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    cached.write_text(cached.read_text().replace("expanded in the bone marrow", "grew"), encoding="utf-8")
    report = build_site([tiny_kb.root], out)
    assert report.rendered == ["Test_Leukemia"]
    assert "Quote not found in source" in (out / "disorders" / "Test_Leukemia.html").read_text()


def test_removed_entry_loses_its_page(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    extra = tiny_kb.root / "kb" / "disorders" / "Second.yaml"
    extra.write_text("name: Second Disorder\n", encoding="utf-8")
    build_site([tiny_kb.root], out)
    extra.unlink()
    report = build_site([tiny_kb.root], out)
    assert report.removed == ["Second"] and not (out / "disorders" / "Second.html").exists()
    assert "Second Disorder" not in (out / "index.html").read_text()


def test_refuses_to_write_into_a_foreign_folder(tiny_kb: TinyKb, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        build_site([tiny_kb.root], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb_root", "notes.txt"]
    result = run_dmkb("build", tiny_kb.root, "--out", tmp_path)
    assert result.code == 2 and "not empty" in result.stderr and "Traceback" not in result.stderr


def test_cli_build_reports_pages_and_unreadable_entries(tiny_kb: TinyKb, tmp_path: Path) -> None:
    (tiny_kb.root / "kb" / "disorders" / "Broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    result = run_dmkb("build", tiny_kb.root, "--out", tmp_path / "site")
    assert result.code == 1, result.stderr  # an entry could not be compiled: the build says so and fails
    assert "1 disorder page: 1 rendered" in result.stdout
    assert re.search(r"error: kb/disorders/Broken\.yaml:\d+: could not be compiled: YAML syntax error.*"
                     r"\(it has no page\)", result.stderr)
    assert (tmp_path / "site" / "disorders" / "Test_Leukemia.html").exists()
    assert (tmp_path / "site" / MANIFEST).exists()


def test_a_typo_keeps_the_last_good_page_with_a_banner(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_dmkb("build", tiny_kb.root, "--out", out).code == 0
    page = out / "disorders" / "Test_Leukemia.html"
    good = tiny_kb.write_entry(ENTRY).read_text(encoding="utf-8")
    tiny_kb.write_entry(good.replace("  description: Malignant NK cells expand.\n",
                                     "  description: Malignant NK cells expand.\n   bad: indent\n"))
    result = run_dmkb("build", tiny_kb.root, "--out", out)
    assert result.code == 1
    assert re.search(r"error: kb/disorders/Test_Leukemia\.yaml:11: could not be compiled: YAML syntax error.*"
                     r"its page shows the last version that could be read", result.stderr)
    html = page.read_text(encoding="utf-8")
    assert '<div class="banner" role="alert">' in html and "(line 11): YAML syntax error" in html
    assert "NK-Cell Expansion" in html  # the last good version, still whole
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 entry could not be read" in index and "Test Leukemia" in index
    tiny_kb.write_entry(good)
    assert run_dmkb("build", tiny_kb.root, "--out", out).code == 0
    assert 'class="banner"' not in page.read_text(encoding="utf-8")
    assert 'class="banner"' not in (out / "index.html").read_text(encoding="utf-8")


def test_odd_entries_still_get_a_page(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry("""\
        description: 42
        categories: Rare
        synonyms: [1, null, {a: b}]
        pathophysiology:
        - just text
        - name: Step
          downstream: not a list
          evidence: {reference: PMID:1}
          cell_types: [{term: {id: 5}}]
          notes: [a, [b]]
        - name: Step
          downstream:
          - target: step
          - {}
        phenotypes: {name: not a list}
        treatments:
        - target_mechanisms: [{target: 7}, {target: Step, treatment_effect: INHIBITS}]
        differential_diagnoses: [{distinguishing_features: x}]
        stages:
        - name: Early
          pathophysiology: [{name: Staged step, downstream: [{target: Step}]}]
        """)
    build_site([tiny_kb.root], tmp_path / "site")
    html = (tmp_path / "site" / "disorders" / "Test_Leukemia.html").read_text(encoding="utf-8")
    assert "<h1>Test Leukemia</h1>" in html  # the file's name stands in for the missing name
    data = graph_data(html)
    assert sorted(n["name"] for n in data["nodes"] if n["kind"] == "step") == ["Staged step", "Step", "Step"]
    assert len(data["edges"]) == 3  # step -> step (case-insensitively), staged step -> step, treatment -> step


def test_no_entry_can_inject_markup_or_script(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry(EVIL, name="Evil.yaml")
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    for page in (out / "disorders" / "Evil.html", out / "index.html"):
        html = page.read_text(encoding="utf-8")
        for tag, attrs in tags_of(html):
            assert tag not in {"img", "iframe", "b", "style", "object", "embed"}, (tag, attrs)
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert not any("javascript:" in (attrs.get(name) or "") for name in ("href", "src", "action")), attrs
            if tag == "script":  # only the site's own scripts and the graph's data
                assert (attrs.get("src") or "").startswith(("../static/", "static/")) \
                    or attrs.get("type") == "application/json", attrs
    html = (out / "disorders" / "Evil.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt; Disease" in html  # shown as text
    assert "onerror=alert(18)" in html  # the snippet's text is there, as text
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(9)" in html  # escaped inside the graph data
    assert "{{ 7*7 }}" in html and ">49<" not in html  # entry text is never a template
    assert html.count("<script") == 5  # two libraries, the site's two scripts, the graph data


def test_every_corpus_entry_gets_a_page(corpus_site: tuple[Path, Path]) -> None:
    corpus, out = corpus_site
    stems = sorted(p.stem for p in (corpus / "kb" / "disorders").glob("*.yaml"))
    pages = sorted(p.stem for p in (out / "disorders").glob("*.html"))
    assert pages == stems and len(pages) == 42
    index = (out / "index.html").read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(out / "kb.sqlite")) as conn:
        steps = dict(conn.execute("SELECT d.stem, count(s.path) FROM disorders d "
                                  "LEFT JOIN steps s ON s.disorder_id = d.id GROUP BY d.stem").fetchall())
    for stem in stems:
        html = (out / "disorders" / f"{stem}.html").read_text(encoding="utf-8")
        assert set(STANDARD_IDS) <= section_ids(html), stem
        assert f'href="disorders/{stem}.html"' in index
        if steps[stem]:
            assert sum(n["kind"] == "step" for n in graph_data(html)["nodes"]) == steps[stem], stem


def test_corpus_badges_match_validate_snippet_errors(corpus_site: tuple[Path, Path]) -> None:
    corpus, out = corpus_site
    with contextlib.closing(sqlite3.connect(out / "kb.sqlite")) as conn:
        not_found = {(f, p) for f, p in conn.execute(
            "SELECT d.file, e.path || '.snippet' FROM evidence e JOIN disorders d ON d.id = e.disorder_id "
            "WHERE e.status = 'not_found'")}
    report = validate([corpus], use_memo=False)
    missed = {(f.file, f.path) for f in report.findings if f.check == "snippet" and "not found" in f.message}
    assert not_found == missed and not_found


def test_build_copies_assets_once(example_site: Path, tmp_path: Path) -> None:
    assert (example_site / "static" / "dmkb.css").is_file() and (example_site / "static" / "dmkb.js").is_file()
    copy = tmp_path / "copy"
    shutil.copytree(example_site, copy)
    report = build_site([EXAMPLE], copy)
    assert report.written == []


def test_a_page_that_fails_is_reported_and_the_others_are_built(
    tiny_kb: TinyKb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dmkb.site.render import Renderer

    (tiny_kb.root / "kb" / "disorders" / "Second.yaml").write_text("name: Second Disorder\n", encoding="utf-8")
    real = Renderer.disorder

    def failing(self: Renderer, stem: str) -> str | None:
        if stem == "Second":
            raise RuntimeError("boom")
        return real(self, stem)

    monkeypatch.setattr(Renderer, "disorder", failing)
    report = build_site([tiny_kb.root], tmp_path / "site")
    assert report.failed == [("Second", "RuntimeError('boom')")] and report.rendered == ["Test_Leukemia"]
    monkeypatch.setattr(Renderer, "disorder", real)
    assert build_site([tiny_kb.root], tmp_path / "site").rendered == ["Second"]  # tried again


def test_the_number_of_an_id_is_searched_exactly_words_forgive_typos() -> None:
    from dmkb.site.search import SearchEntry, SearchIndex, words

    def entry(stem: str, keywords: str) -> SearchEntry:
        return SearchEntry(stem, stem, None, ((stem.casefold(),), (), tuple(words(keywords)), ()), "")

    index = SearchIndex([entry("Huntington", "MONDO:0007739 chorea"), entry("Epilepsy", "MONDO:0000739 seizure")])
    found = {q: [e.stem for e, _ in index.search(q)] for q in ("MONDO:0007739", "0000739", "HP:0001744", "choreo")}
    # 0007739 and 0000739 are two typing mistakes apart: a word would match, a number may not
    assert found == {"MONDO:0007739": ["Huntington"], "0000739": ["Epilepsy"], "HP:0001744": [],
                     "choreo": ["Huntington"]}


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_text_colour_reads_at_wcag_aa_on_the_backgrounds_it_can_sit_on() -> None:
    from dmkb.site.render import STATIC

    css = (STATIC / "dmkb.css").read_text(encoding="utf-8")
    names = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", css))

    def resolved(value: str) -> str | None:
        value = value.strip().lower()
        value = {"white": "#ffffff", "#fff": "#ffffff"}.get(value, value)
        named = re.fullmatch(r"var\(--([\w-]+)\)", value)
        value = names.get(named.group(1), "") if named else value
        return value if re.fullmatch(r"#[0-9a-f]{6}", value) else None

    rules = []  # (selector, text colour, own background)
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declared = dict((k.strip(), v) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body))
        rules.append((selector.strip(), resolved(declared.get("color", "")),
                      resolved(declared.get("background", declared.get("background-color", "")))))
    light = {bg for _, _, bg in rules if bg and _luminance(bg) > 0.5}
    assert {names["paper"], names["wash"], names["bad-fill"]} <= light
    low = []
    for selector, colour, own in rules:
        if colour is None:
            continue
        # light text without a background of its own is the top bar's (.tagline, .topnav a)
        grounds = {own} if own else {"#14304f"} if _luminance(colour) > 0.3 else light
        low += [(selector, colour, ground, round(_contrast(colour, ground), 2)) for ground in grounds
                if _contrast(colour, ground) < 4.5]
    assert low == []
    assert _contrast(names["ink-faint"], names["paper"]) >= 5  # the muted grey that carries content


FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


def test_every_page_opens_with_a_link_that_skips_to_its_content(example_site: Path) -> None:
    from dmkb.site.render import render_error

    pages = {path.name: path.read_text(encoding="utf-8") for path in [
        example_site / "index.html", example_site / "diagnose.html", *(example_site / "disorders").glob("*.html")]}
    pages["error"] = render_error(404, "nothing is here")
    for name, html in pages.items():
        tags = tags_of(html)
        first = next((tag, attrs) for tag, attrs in tags
                     if tag in FOCUSABLE and not (tag == "a" and "href" not in attrs))
        assert first == ("a", {"class": "skip-link", "href": "#main"}), name
        assert [tag for tag, attrs in tags if attrs.get("id") == "main"] == ["main"], name
