"""The site in a real browser (Debian's chromium, driven by Playwright): the index and its
search, the NK-cell leukemia page with every section, the mechanism graph and its clicks, the
static picture without scripts, and no script from an entry ever running.

A screenshot of the disorder page is saved under test-artifacts/.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO
from site_helpers import EVIL, serve_in_thread

from dmkb.pipeline.build import build_site

pytestmark = pytest.mark.browser

ANKL = "Aggressive_NK-cell_Leukemia"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OTHER = """\
name: Familial Periodic Fever
categories: [Autoinflammatory]
notes: Curated from two cohort reviews; the fever pattern needs a third source.
curation_history:
- curation_timestamp: 2026-05-11T17:49:12Z
  curation_action: CREATED
  curation_model: a curator
  curation_description: First version of the entry.
pathophysiology:
- name: Inflammasome Activation
  downstream: [{target: Fever}]
phenotypes:
- name: Fever
  phenotype_term: {preferred_term: Fever, term: {id: HP:0001945, label: Fever}}
discussions:
- discussion_id: fever_pattern
  prompt: Is the fever pattern periodic in every family?
  attaches_to: [phenotypes#Fever]
computational_models:
- name: Inflammasome kinetics
  repository_url: https://example.org/inflammasome-kinetics-models/familial-periodic-fever/v2
"""
# mechanism steps with no causal links: drawn in a grid, never in one clipped row
UNLINKED = "name: Unlinked Disorder\npathophysiology:\n" + "".join(
    f"- name: Mechanism Step Number {n} With A Long Name\n" for n in range(1, 15))


def chromium() -> str:
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("Debian's chromium is not installed (make test installs it: apt-get install chromium)")


@dataclass
class Site:
    base: str
    steps: int
    console: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser") / "kb"
    shutil.copytree(EXAMPLE, root)
    (root / "kb" / "disorders" / "Familial_Periodic_Fever.yaml").write_text(OTHER, encoding="utf-8")
    (root / "kb" / "disorders" / "Evil.yaml").write_text(EVIL, encoding="utf-8")
    (root / "kb" / "disorders" / "Unlinked.yaml").write_text(UNLINKED, encoding="utf-8")
    out = root.parent / "site"
    build_site([root], out)
    with contextlib.closing(sqlite3.connect(out / "kb.sqlite")) as conn:
        steps = conn.execute("SELECT count(*) FROM steps JOIN disorders d ON d.id = disorder_id "
                             "WHERE d.stem = ?", (ANKL,)).fetchone()[0]
    with serve_in_thread(out) as (port, _):
        yield Site(f"http://127.0.0.1:{port}", steps)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[object]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site: Site):
    site.console.clear()
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.on("console", lambda message: site.console.append(f"{message.type}: {message.text}")
           if message.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: site.console.append(f"page error: {error}"))
    tab.on("dialog", lambda dialog: (site.console.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield tab
    context.close()


def test_index_search_finds_the_nk_cell_leukemia_entry(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(site.base + "/")
    rows = page.locator(".disorders tbody tr")
    expect(rows).to_have_count(4)
    page.fill("#filter-text", "NK-cell leukemia")
    visible = page.locator(".disorders tbody tr:visible")
    expect(visible).to_have_count(1)
    expect(visible.first).to_contain_text("Aggressive NK-cell Leukemia")
    expect(page.locator("#result-count")).to_have_text("1 of 4 disorders")
    page.fill("#filter-text", "")
    page.select_option("#filter-category", "Autoinflammatory")
    expect(visible).to_have_count(1)
    expect(visible.first).to_contain_text("Familial Periodic Fever")
    page.select_option("#filter-category", "")
    page.fill("#filter-text", "ankl")
    page.locator(".disorders tbody tr:visible a.disorder-link").click()
    expect(page).to_have_url(f"{site.base}/disorders/{ANKL}.html")
    assert site.console == []


def test_disorder_page_shows_every_section(page, site: Site) -> None:
    from playwright.sync_api import expect

    from dmkb.site.page import STANDARD_IDS

    page.goto(f"{site.base}/disorders/{ANKL}.html")
    for section in (*STANDARD_IDS, "mechanistic-hypotheses", "discussions"):
        expect(page.locator(f"section#{section}")).to_be_visible()
    expect(page.locator("#differential-diagnoses h2")).to_contain_text(
        "Conditions with similar clinical presentations that must be differentiated from Aggressive NK-cell Leukemia")
    expect(page.locator("#phenotypes .summary tbody tr")).to_have_count(9)
    assert page.locator(".status-verified").count() > 80
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 1800})  # the overview and the graph
    page.wait_for_function("window.dmkbGraph !== undefined")
    page.screenshot(path=str(ARTIFACTS / "ankl.png"))
    assert site.console == []


def test_graph_has_a_node_per_step_and_a_click_shows_the_evidence(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/{ANKL}.html")
    page.wait_for_function("window.dmkbGraph !== undefined")
    assert page.evaluate("window.dmkbGraph.nodes('[kind = \"step\"]').length") == site.steps == 10
    assert _drawn_outside_the_canvas(page) == []
    expect(page.locator(".graph-static")).to_be_hidden()
    expect(page.locator("#causal-chain")).not_to_have_attribute("open", "")  # the drawing reads: the list is folded
    assert page.locator(".graph-scroll").evaluate("box => box.scrollWidth <= box.clientWidth")  # the whole drawing
    page.locator("#mechanism-graph").scroll_into_view_if_needed()
    page.locator("#mechanism-graph").screenshot(path=str(ARTIFACTS / "ankl-graph.png"))
    node = page.evaluate("""() => {
        const cy = window.dmkbGraph;
        const node = cy.nodes().filter(n => n.data('name') === 'Coagulation Dysregulation');
        cy.center(node);
        const box = cy.container().getBoundingClientRect();
        const at = node.renderedPosition();
        return {x: box.left + at.x, y: box.top + at.y, anchor: node.data('anchor')};
    }""")
    page.mouse.click(node["x"], node["y"])
    card = page.locator(f"#{node['anchor']}")
    expect(card).to_be_in_viewport()
    expect(card.locator(".evidence").first).to_be_in_viewport()
    expect(card.locator(".card-title").first).to_have_text("Coagulation Dysregulation")
    assert page.evaluate("location.hash") == f"#{node['anchor']}"
    assert site.console == []


def test_static_picture_when_scripts_are_off(browser, site: Site) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    expect(page.locator(".graph-static svg")).to_be_visible()
    expect(page.locator(".graph-static a.node-step")).to_have_count(site.steps)
    expect(page.locator("#graph-canvas")).to_be_hidden()
    page.locator(".graph-static a.node-step").first.click()
    assert page.evaluate("location.hash").startswith("#step-")
    context.close()


def test_no_script_from_an_entry_runs(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/Evil.html")
    expect(page.locator("h1")).to_have_text('<script>alert("name")</script> Disease')
    page.wait_for_function("window.dmkbGraph !== undefined")
    page.locator("#mechanism-graph").scroll_into_view_if_needed()
    page.mouse.move(10, 10)
    assert not any(m.startswith("dialog") for m in site.console), site.console
    # the only style element is the one the graph library adds (allowed by its hash in the policy)
    assert page.evaluate("document.querySelectorAll('img, iframe, style:not(#__________cytoscape_stylesheet)')"
                         ".length") == 0


def test_without_the_term_index_the_diagnose_page_says_so(page, site: Site) -> None:
    from playwright.sync_api import expect

    # runs before the term index is opened by the next test (the server opens it once it is there)
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    page.click("header .topnav a:text('Differential diagnosis')")  # linked from every page's header
    expect(page).to_have_url(f"{site.base}/diagnose.html")
    expect(page.locator("#no-term-index")).to_contain_text("The term index is not built")
    expect(page.locator("#no-term-index")).to_contain_text("dmkb terms build")
    expect(page.locator("#term-finder")).to_have_count(0)
    page.fill("#observed", "HP:0001945")  # ids still work
    page.click("button[type=submit]")
    expect(page.locator("#ranking > li")).to_have_count(20)
    assert site.console == []


def test_differential_diagnosis_from_plain_words(page, site: Site, with_term_index: Path) -> None:
    from playwright.sync_api import expect

    page.goto(site.base + "/diagnose")
    for words, wanted in (("enlarged liver and spleen", "Hepatosplenomegaly"), ("fever", "Fever"),
                          ("low platelets", "Thrombocytopenia")):
        page.fill("#term-query", words)
        suggestion = page.locator("#term-suggestions li", has_text=wanted).first
        suggestion.locator(".add-observed").click()
        expect(page.locator("#term-query")).to_have_value("")  # ready for the next one
        expect(page.locator("#term-suggestions li")).to_have_count(0)
    page.fill("#term-query", "seizures")
    page.locator("#term-suggestions li", has_text="Seizure").first.locator(".add-excluded").click()
    expect(page.locator("#observed")).to_have_value("HP:0001433, HP:0001945, HP:0001873")
    page.fill("#term-query", "xqzvw")
    expect(page.locator("#term-problem")).to_have_text("no phenotype matches “xqzvw”")
    expect(page.locator("#excluded")).to_have_value("HP:0001250")
    # the chosen phenotypes are chips with their names, each removable
    chips = page.locator("#observed-chips .chosen-term")
    expect(chips).to_have_count(3)
    expect(chips.locator(".chosen-label")).to_have_text(["Hepatosplenomegaly", "Fever", "Thrombocytopenia"])
    expect(page.locator("#excluded-chips .chosen-label")).to_have_text(["Seizure"])
    page.screenshot(path=str(ARTIFACTS / "diagnose-chips.png"), full_page=False)
    chips.filter(has_text="Fever").locator(".remove-term").click()
    expect(page.locator("#observed")).to_have_value("HP:0001433, HP:0001873")
    expect(page.locator("#term-query")).to_be_focused()  # not lost with the removed button
    expect(chips).to_have_count(2)
    page.fill("#term-query", "fever")
    expect(page.locator("#term-suggestions li").first).to_contain_text("Fever")
    page.press("#term-query", "Enter")  # the first found, as observed; the form is not sent
    expect(page.locator("#term-problem")).to_be_hidden()
    page.click("button[type=submit]")
    candidates = page.locator("#ranking > li")
    expect(candidates).to_have_count(20)
    expect(page.locator("#ranking")).to_contain_text("Aggressive NK-cell Leukemia")
    expect(candidates.first.locator("text=Explains")).to_be_visible()
    expect(chips.locator(".chosen-label")).to_have_text(["Hepatosplenomegaly", "Thrombocytopenia", "Fever"])
    page.screenshot(path=str(ARTIFACTS / "diagnose.png"), full_page=False)
    # beyond the first 20
    first_twenty = candidates.locator("h2").all_inner_texts()
    page.click(".pages a[rel=next]")
    expect(page.locator("#ranking")).to_have_attribute("start", "21")
    expect(candidates).to_have_count(20)
    assert not set(candidates.locator("h2").all_inner_texts()) & set(first_twenty)
    expect(page.locator(".pages a[rel=prev]")).to_have_text("← results 1–20")
    assert site.console == []


def _drawn_outside_the_canvas(page) -> list[str]:
    """Names of the graph's nodes drawn (even in part) outside its drawing area."""
    return page.evaluate("""() => {
        const cy = window.dmkbGraph, box = cy.container().getBoundingClientRect();
        return cy.nodes().filter(n => {
            const b = n.renderedBoundingBox();
            return b.x1 < -1 || b.y1 < -1 || b.x2 > box.width + 1 || b.y2 > box.height + 1;
        }).map(n => n.data('name'));
    }""")


def _visible_stems(page) -> list[str]:
    return page.eval_on_selector_all(".disorders tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.stem)")


def test_one_search_everywhere_forgiving_typos_and_sortable_columns(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(site.base + "/")
    for query, first in (("hemophagocytic", ANKL), ("fevr", "Familial_Periodic_Fever"), ("stat3", ANKL),
                         ("mechanism step", "Unlinked"), ("fever", "Familial_Periodic_Fever"),
                         ("MONDO:0019470", ANKL),
                         ("HP:0001954", None), ("MONDO:0019407", None)):  # an id's number is never a typo
        page.fill("#filter-text", query)
        api = page.request.get(f"{site.base}/api/search?q={query}").json()["results"]
        assert _visible_stems(page) == [r["stem"] for r in api], query  # the page searches as the server does
        assert (_visible_stems(page) or [None])[0] == first, query
    page.fill("#filter-text", "")
    steps = page.locator(".disorders thead th", has_text="Steps")
    steps.click()
    expect(steps).to_have_attribute("aria-sort", "ascending")
    counts = page.eval_on_selector_all(".disorders tbody tr", "rows => rows.map(r => +r.cells[3].textContent)")
    assert counts == sorted(counts) and counts[0] < counts[-1]
    steps.click()
    expect(steps).to_have_attribute("aria-sort", "descending")
    assert page.eval_on_selector(".disorders tbody tr", "r => r.dataset.stem") == "Unlinked"  # 14 steps
    # the box in the header of every page leads to the same search
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    page.fill("header .site-search input", "fevr")
    page.press("header .site-search input", "Enter")
    expect(page).to_have_url(f"{site.base}/index.html?q=fevr")
    expect(page.locator("#filter-text")).to_have_value("fevr")
    assert _visible_stems(page)[0] == "Familial_Periodic_Fever"
    assert site.console == []


def test_evidence_is_folded_each_quote_once_per_item_and_links_in_words(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/{ANKL}.html")
    folded = page.locator("details.evidence-list")
    assert folded.count() > 30
    assert page.locator("details.evidence-list[open]").count() == 0
    expect(page.locator(".evidence").first).to_be_hidden()
    summary = page.locator("#pathophysiology details.evidence-list > summary").first
    assert re.fullmatch(r"evidence \d+ quotes? ✓ \d+ verified supports", " ".join(summary.inner_text().lower().split()))
    summary.click()
    expect(page.locator("#pathophysiology details.evidence-list .evidence").first).to_be_visible()
    # a quote that backs several items says which; within one item it is shown once
    also = page.locator(".also-cited a")
    assert also.count() > 0
    for href in also.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href
    assert page.locator(".evidence-repeat").count() > 0
    # edge labels in words, the phenotype table without empty columns
    text = page.locator("#pathophysiology").inner_text()
    assert "directly or indirectly: not established" in text and "unknown link" not in text
    columns = page.locator("#phenotypes .summary thead th").all_inner_texts()
    for k in range(len(columns)):
        cells = page.locator(f"#phenotypes .summary tbody td:nth-child({k + 1})").all_inner_texts()
        assert any(c.strip() for c in cells), columns[k]
    assert site.console == []


def test_a_printed_page_carries_its_evidence(page, site: Site) -> None:
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    folded = page.locator("details:not([open])").count()
    assert folded > 30
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what printing fires
    assert page.locator("details:not([open])").count() == 0
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("details:not([open])").count() == folded  # folded again, as the reader left it


def test_notes_history_yaml_and_attachments_are_on_the_page(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/Familial_Periodic_Fever.html")
    entry = page.locator("#entry")
    expect(entry.locator(".curator-notes")).to_contain_text("the fever pattern needs a third source")
    expect(entry.locator(".curation-history tbody td")).to_have_text(
        ["2026-05-11 17:49", "Created", "a curator", "First version of the entry."])
    yaml = page.locator("#yaml")
    expect(yaml.locator("pre").first).to_be_hidden()
    yaml.locator("> summary").click()
    expect(yaml.locator(".yk", has_text="curation_history")).to_be_visible()
    expect(yaml.locator(".ln").first).to_have_text("1")
    download = entry.locator("a.download")
    response = page.request.get(f"{site.base}/disorders/{download.get_attribute('href')}")
    assert response.ok and response.text() == OTHER
    entry.screenshot(path=str(ARTIFACTS / "entry-yaml.png"))
    # "Attaches to" names an item of another section: a link to it
    link = page.locator("#discussions .links a", has_text="Fever")
    link.click()
    expect(page.locator(link.get_attribute("href"))).to_be_in_viewport()
    assert site.console == []


def test_a_graph_without_links_is_a_grid_and_never_clipped(browser, site: Site) -> None:
    from playwright.sync_api import expect

    for width in (1360, 390):
        context = browser.new_context(viewport={"width": width, "height": 1500})  # the whole graph in view
        page = context.new_page()
        page.goto(f"{site.base}/disorders/Unlinked.html")
        page.wait_for_function("window.dmkbGraph !== undefined")
        expect(page.locator(".graph-note")).to_contain_text("records no causal links")
        assert _drawn_outside_the_canvas(page) == []
        rows = page.evaluate("new Set(window.dmkbGraph.nodes().map(n => Math.round(n.position('y')))).size")
        assert rows > 1 and (width == 390 or rows < 14)  # rows of several nodes, not one endless row
        page.locator("#mechanism-graph").screenshot(path=str(ARTIFACTS / f"unlinked-graph-{width}.png"))
        context.close()


def test_at_phone_width_the_graph_is_legible_and_its_causal_chain_can_be_followed(browser, site: Site) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    page.wait_for_function("window.dmkbGraph !== undefined")
    smallest = page.evaluate("Math.min(...window.dmkbGraph.nodes().map(n => parseFloat(n.style('font-size'))))"
                             " * window.dmkbGraph.zoom()")
    assert smallest >= 11  # CSS pixels, as drawn
    assert _drawn_outside_the_canvas(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the drawing is wider than the screen: its box scrolls sideways, and says so
    assert page.locator(".graph-scroll").evaluate("box => box.scrollWidth > box.clientWidth")
    expect(page.locator(".graph-hint")).to_be_visible()
    # the box that scrolls is reached and named for the keyboard and screen readers; so are the buttons
    box = page.get_by_role("group", name="Drawing of the mechanism graph")
    expect(box).to_have_attribute("tabindex", "0")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.graph-scroll').scrollLeft > 0")
    expect(page.get_by_role("button", name="Fit the whole drawing")).to_be_visible()
    # said before the drawing, which is taller than the screen: read before scrolling past it
    assert page.evaluate("document.querySelector('.graph-hint').getBoundingClientRect().bottom"
                         " <= document.querySelector('.graph').getBoundingClientRect().top")
    page.locator(".graph").screenshot(path=str(ARTIFACTS / "ankl-390-graph.png"))
    # the causal chain as a list, open: from a step to the next, then to a phenotype, and what acts on it
    chain = page.locator("#causal-chain")
    expect(chain).to_have_attribute("open", "")

    def item(name: str):
        return chain.locator(".chain-item", has=page.locator(".chain-node", has_text=name))

    jak = item("JAK-STAT Pathway Activation")
    expect(jak).to_contain_text("acted on by Preclinical JAK Inhibition (inhibits)")
    for start, link in (("JAK-STAT Pathway Activation", "Malignant NK-Cell Survival and Expansion"),
                        ("Malignant NK-Cell Survival and Expansion", "HLH-Like Hyperinflammation"),
                        ("HLH-Like Hyperinflammation", "Fever")):
        item(start).locator(".chain-links a", has_text=link).first.click()
        followed = item(link)
        expect(followed).to_be_in_viewport()
        assert page.evaluate("location.hash") == f"#{followed.get_attribute('id')}"
    expect(item("Fever")).to_contain_text("arises from HLH-Like Hyperinflammation")
    assert float(chain.locator(".chain-links").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 13
    chain.screenshot(path=str(ARTIFACTS / "ankl-390-chain.png"))
    context.close()

    # without scripts: the picture at its own size, scrolling in its box, and the list open
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    svg = page.locator(".graph-static svg")
    assert svg.evaluate("s => s.getBoundingClientRect().width") == float(svg.get_attribute("width"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#causal-chain")).to_have_attribute("open", "")
    context.close()


def test_at_phone_width_nothing_is_wider_than_the_screen(browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 844}, device_scale_factor=1)  # a small phone
    page = context.new_page()
    for path in (f"/disorders/{ANKL}.html", "/", "/diagnose", "/disorders/Familial_Periodic_Fever.html"):
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        # and with every folded part open (a report's citation keys, an address among the facts)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, (path, "opened")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    page.screenshot(path=str(ARTIFACTS / "ankl-390.png"))
    page.locator("#similar-conditions").screenshot(path=str(ARTIFACTS / "ankl-390-similar.png"))
    page.locator("#phenotypes").screenshot(path=str(ARTIFACTS / "ankl-390-phenotypes.png"))
    context.close()


# Every word of the page's visible text cut across lines (a word: letters, digits and the _ : . of
# ids) though the text around it up to the next spaces fits its box (a longer address must break
# somewhere), and every id or button label not on one line.
BROKEN_WORDS = r"""() => {
  const broken = [];
  const span = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return Array.from(range.getClientRects()).filter(r => r.width > 0);
  };
  const lines = rects => new Set(rects.map(r => Math.round(r.top))).size;
  const room = element => {  // the width of the box the text is laid out in
    while (getComputedStyle(element).display === "inline") element = element.parentElement;
    const style = getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
  const range = document.createRange();
  texts.forEach((node, k) => {
    const parent = node.parentElement;
    if (!parent.checkVisibility() || parent.closest("pre, .graph, .report-body td a")) return;
    for (const token of node.data.matchAll(/\S+/g)) {
      // the run that cannot break takes in a bracket or comma of the text beside it: "(key"
      const before = texts[k - 1], after = texts[k + 1], end = token.index + token[0].length;
      range.setStart(node, token.index);
      range.setEnd(node, end);
      if (token.index === 0 && before && /\S$/.test(before.data)) range.setStart(before, before.data.length - 1);
      if (end === node.data.length && after && /^\S/.test(after.data)) range.setEnd(after, 1);
      const width = Array.from(range.getClientRects()).reduce((sum, r) => sum + r.width, 0);
      if (width > room(parent)) continue;
      for (const word of token[0].matchAll(/[\p{L}\p{N}_:.]+/gu)) {
        const at = token.index + word.index;
        if (lines(span(node, at, at + word[0].length)) > 1) broken.push(word[0]);
      }
    }
  });
  for (const whole of document.querySelectorAll(".term-id, button")) {
    const range = document.createRange();
    range.selectNodeContents(whole);
    if (whole.checkVisibility() && lines(Array.from(range.getClientRects())) > 1) broken.push(whole.textContent.trim());
  }
  return broken;
}"""


def test_words_and_ids_never_break_mid_word_at_desk_or_phone_width(browser, site: Site) -> None:
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
        page = context.new_page()
        for path in (f"/disorders/{ANKL}.html", "/", "/diagnose", "/disorders/Familial_Periodic_Fever.html"):
            page.goto(site.base + path)
            page.wait_for_load_state("networkidle")
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            assert page.evaluate(BROKEN_WORDS) == [], (width, path)
        page.goto(f"{site.base}/disorders/{ANKL}.html")
        for section in ("similar-conditions", "phenotypes"):
            page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"ankl-{width}-{section}-words.png"))
        page.goto(site.base + "/")
        page.screenshot(path=str(ARTIFACTS / f"index-{width}-words.png"))
        context.close()


def test_the_keyboard_can_skip_to_the_content_and_motion_can_be_reduced(browser, site: Site) -> None:
    from playwright.sync_api import expect

    for motion, scrolling in (("no-preference", "smooth"), ("reduce", "auto")):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion=motion)
        page = context.new_page()
        for path in (f"/disorders/{ANKL}.html", "/", "/diagnose"):
            page.goto(site.base + path)
            page.keyboard.press("Tab")
            skip = page.locator(":focus")
            expect(skip).to_have_text("Skip to content")
            expect(skip).to_be_in_viewport()  # shown while it has the focus
            page.keyboard.press("Enter")
            expect(page.locator("main")).to_be_focused()
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == scrolling
        context.close()


def test_a_typo_keeps_the_last_good_page_with_a_visible_banner(browser, site: Site, tiny_kb) -> None:
    from playwright.sync_api import expect

    out = tiny_kb.root.parent / "site"
    build_site([tiny_kb.root], out)
    entry = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("name: Test Leukemia\n", "name: Test Leukemia\n  x: [\n"),
                     encoding="utf-8")
    with serve_in_thread(out) as (port, state):
        build_site([tiny_kb.root], out)  # as the server's watcher does
        state.reload()
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/disorders/Test_Leukemia.html")
        banner = page.locator(".banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("kb/disorders/Test_Leukemia.yaml could not be read (line 2)")
        expect(banner).to_contain_text("This page shows the entry as it was last read")
        expect(page.locator("h1")).to_have_text("Test Leukemia")
        page.screenshot(path=str(ARTIFACTS / "typo-banner.png"))
        page.goto(f"http://127.0.0.1:{port}/")
        expect(page.locator(".banner")).to_contain_text("1 entry could not be read")
        expect(page.locator(".disorders tbody tr")).to_have_count(1)  # not "0 disorders"
        context.close()


def test_the_corpus_ankl_page_is_much_shorter(browser, tmp_path: Path) -> None:
    """The page of the 42-entry corpus' ANKL entry was 31,000–33,000 px tall (89 evidence blocks
    shown open, 46 distinct quotes, one of them 9 times)."""
    corpus = REPO.parent / "shared" / "corpus" / "dismech"
    if not (corpus / "kb" / "disorders").is_dir():
        pytest.skip("the shared dismech corpus is not beside the repository")
    root = tmp_path / "kb"
    (root / "kb" / "disorders").mkdir(parents=True)
    shutil.copy(corpus / "kb" / "disorders" / f"{ANKL}.yaml", root / "kb" / "disorders")
    for folder in ("references_cache", "cache"):
        (root / folder).symlink_to(corpus / folder)
    build_site([root], tmp_path / "site")
    with serve_in_thread(tmp_path / "site") as (port, _):
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/disorders/{ANKL}.html")
        page.wait_for_function("window.dmkbGraph !== undefined")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 20_000, height
        quotes = page.locator("details.evidence-list figure.evidence").count()
        assert page.locator(".evidence-repeat").count() > 0 and quotes < 89  # each quote once per item
        context.close()


def test_a_curation_check_leads_to_its_line_of_the_yaml(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/Evil.html")
    checks = page.locator("#curation-checks")
    checks.locator("details.checks-problems > summary").click()
    finding = checks.locator(".finding").first
    line = int(re.search(r"line (\d+)", finding.locator(".finding-where").inner_text()).group(1))
    finding.locator(".finding-where a").click()  # the YAML and its block were folded
    target = page.locator(f"#yaml-L{line}")
    expect(target).to_be_in_viewport()
    expect(target.locator(".ln")).to_have_text(str(line))
    assert page.evaluate("location.hash") == f"#yaml-L{line}"
    checks.screenshot(path=str(ARTIFACTS / "evil-checks.png"))
    assert site.console == []
