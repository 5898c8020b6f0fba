"""The site in a real browser (Debian's chromium, driven by Playwright): the index and its
search, the NK-cell leukemia page with every section, the mechanism graph and its clicks, the
static picture without scripts, and no script from an entry ever running.

A screenshot of the disorder page is saved under test-artifacts/.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO
from site_helpers import EVIL, serve_in_thread

from dmkb.site.build import build_site

pytestmark = pytest.mark.browser

ANKL = "Aggressive_NK-cell_Leukemia"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OTHER = """\
name: Familial Periodic Fever
categories: [Autoinflammatory]
pathophysiology:
- name: Inflammasome Activation
  downstream: [{target: Fever}]
phenotypes:
- name: Fever
  phenotype_term: {preferred_term: Fever, term: {id: HP:0001945, label: Fever}}
"""


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
    expect(rows).to_have_count(3)
    page.fill("#filter-text", "NK-cell leukemia")
    visible = page.locator(".disorders tbody tr:visible")
    expect(visible).to_have_count(1)
    expect(visible.first).to_contain_text("Aggressive NK-cell Leukemia")
    expect(page.locator("#result-count")).to_have_text("1 of 3 disorders")
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
    expect(page.locator(".graph-static")).to_be_hidden()
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


def test_differential_diagnosis_from_plain_words(page, site: Site, with_term_index: Path) -> None:
    from playwright.sync_api import expect

    page.goto(site.base + "/diagnose")
    for words, wanted in (("enlarged liver and spleen", "Hepatosplenomegaly"), ("fever", "Fever"),
                          ("low platelets", "Thrombocytopenia")):
        page.fill("#term-query", words)
        suggestion = page.locator("#term-suggestions li", has_text=wanted).first
        suggestion.locator(".add-observed").click()
    page.fill("#term-query", "seizures")
    page.locator("#term-suggestions li", has_text="Seizure").first.locator(".add-excluded").click()
    expect(page.locator("#observed")).to_have_value("HP:0001433, HP:0001945, HP:0001873")
    expect(page.locator("#excluded")).to_have_value("HP:0001250")
    page.click("button[type=submit]")
    candidates = page.locator("#ranking > li")
    expect(candidates).to_have_count(20)
    expect(page.locator("#ranking")).to_contain_text("Aggressive NK-cell Leukemia")
    expect(candidates.first.locator("text=Explains")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "diagnose.png"), full_page=False)
    assert site.console == []
