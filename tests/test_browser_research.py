"""Research on the disorder page in a real browser (Debian's chromium, driven by Playwright): a
question asked in the box, answered by the server's job, shown in place with its citations linked
and kept in local storage; the stored report, folded, with its table and its links; a report with
scripts and javascript: links shown inert.

Screenshots of the example page's research section, of an answer in place and of a finished job's
page are saved under test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from conftest import EXAMPLE
from site_helpers import serve_in_thread
from test_browser import ARTIFACTS, browser, page  # noqa: F401 - the fixtures of the page tests, with this site

from dmkb.pipeline.build import build_site
from dmkb.research.job_answer import STEPS, make_runner
from dmkb.research.jobs import JobQueue, JobStore

pytestmark = pytest.mark.browser

ANKL = "Aggressive_NK-cell_Leukemia"
QUESTION = "What drives JAK-STAT activation in aggressive NK-cell leukemia?"
EVIL_ENTRY = "name: Evil Reports Disease\npathophysiology:\n- name: A Step\n"
EVIL_REPORT = """\
---
provider: evil
end_time: '2026-01-01T00:00:00'
---

## Question

<script>window.__evil = "question"</script>

## Output

# Report <img src=x onerror="window.__evil = 'img'">

<script>window.__evil = "script"</script>
<style>body { display: none }</style>

Click [here](javascript:window.__evil='link') or <a href="javascript:window.__evil='raw'">here</a>
or <a href="#" onclick="window.__evil='onclick'">here</a>. Found in (evil2020x pages 1-2).

| Column | Value |
|---|---|
| <b onmouseover="window.__evil='cell'">cell</b> | <iframe src="javascript:window.__evil='frame'"></iframe> |

## References

1. (evil2020x pages 1-2): Evil E. [source](javascript:window.__evil='ref'). doi:10.1000/evil
"""


@dataclass
class Site:
    base: str
    console: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser_research")
    root = folder / "kb"
    shutil.copytree(EXAMPLE, root)
    (root / "kb" / "disorders" / "Evil_Reports.yaml").write_text(EVIL_ENTRY, encoding="utf-8")
    (root / "research" / "Evil_Reports-deep-research-evil.md").write_text(EVIL_REPORT, encoding="utf-8")
    out = folder / "site"
    build_site([root], out)
    queue = JobQueue(JobStore(folder / "jobs.sqlite"), make_runner(root, out / "kb.sqlite"), workers=2, steps=STEPS)
    queue.start()
    try:
        with serve_in_thread(out, jobs=queue) as (port, _):
            yield Site(f"http://127.0.0.1:{port}")
    finally:
        queue.stop()


def screenshot(page, locator, name: str) -> None:
    """A picture of one part of the page, as the page lays it out (the sticky header stays at the top)."""
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    box = locator.bounding_box()
    page.screenshot(path=str(ARTIFACTS / name), full_page=True, clip=box)


def test_a_question_is_answered_in_place_with_its_citations_linked(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/{ANKL}.html")
    box = page.locator("#research .research-box")
    expect(box.locator(".phi-notice")).to_contain_text("Do not include personal health information")
    page.fill("#research-question", QUESTION)
    expect(box.locator(".research-count")).to_have_text(f"{len(QUESTION)} / 1,000")
    page.click(".research-form button")
    answer = box.locator(".answer").first
    expect(answer.locator(".answer-question")).to_have_text(QUESTION)
    expect(answer.locator("article.report")).to_be_visible(timeout=30_000)
    expect(answer.locator(".report-title")).to_contain_text("What drives JAK-STAT activation")
    screenshot(page, answer, "research-answer.png")
    # a citation key leads to its reference (its id made unique on the page, which has its own)
    cite = answer.locator("a.cite").first
    key = cite.inner_text()
    target = cite.get_attribute("href")[1:]
    assert target.startswith(f"ref-{key}-") and page.locator(f"#ref-{key}").count() == 1
    cite.click()
    reference = page.locator(f"[id='{target}']")
    expect(reference).to_be_in_viewport()
    assert key in reference.inner_text()
    keys = page.evaluate("Object.keys(localStorage)")
    revision = box.get_attribute("data-revision")
    assert keys == [f"dmkb.research.{ANKL}|{revision}|{QUESTION.lower()}"]
    # the answer is kept: shown again at once; answers of an older revision of the entry are dropped
    page.evaluate(f"""localStorage.setItem("dmkb.research.{ANKL}|0000000000000000|old question",
                      JSON.stringify({{question: "old question", asked: 1, html: "<p>old</p>"}}))""")
    page.reload()
    expect(box.locator(".answer article.report")).to_have_count(1)
    expect(box.locator(".answer-question")).to_have_text([QUESTION])
    expect(box.locator(".answer").first).to_contain_text(re.compile(r"Answered \d{4}-\d\d-\d\d \d\d:\d\d\."))
    assert page.evaluate("Object.keys(localStorage)") == keys
    assert site.console == []


def test_the_stored_report_is_folded_with_its_table_and_its_links(page, site: Site) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/disorders/{ANKL}.html")
    report = page.locator("#research article.report")
    expect(report).to_have_count(1)
    meta = report.locator(".report-meta")
    expect(meta).to_contain_text("falcon")
    expect(meta).to_contain_text("completed 2026-05-11")
    table = report.locator("table")
    expect(table).to_be_visible()  # the first part, the summary by domain, is open
    expect(table.locator("th").first).to_have_text("Domain")
    expect(report.locator("details.report-section:not([open])")).to_have_count(12)
    screenshot(page, page.locator("#research"), "research-section.png")
    # a key in a folded part: opening the part shows it; following it opens the reference list
    part = report.locator("details.report-section", has_text="Treatment and outcomes")
    part.locator("summary").click()
    cite = part.locator("a.cite", has_text="tang2017aggressivenkcellleukemia pages 2-4").first
    cite.click()
    reference = page.locator("#ref-tang2017aggressivenkcellleukemia")
    expect(reference).to_be_visible()
    expect(reference).to_be_in_viewport()  # scrolled to (smoothly)
    expect(reference).to_contain_text("cached in this KB")
    reference.locator("a.ref-in-kb").click()  # on to the page's own reference list
    expect(page.locator("#ref-pmid-29263371")).to_be_visible()
    # a link from elsewhere straight to a reference of the report opens it
    page.goto(f"{site.base}/disorders/{ANKL}.html#ref-dufva2018aggressivenaturalkillercell")
    expect(page.locator("#ref-dufva2018aggressivenaturalkillercell")).to_be_visible()
    assert site.console == []


def test_a_finished_job_has_a_page_of_its_own(page, site: Site) -> None:
    import httpx
    from playwright.sync_api import expect

    asked = httpx.post(f"{site.base}/api/jobs", json={"disease_slug": ANKL, "disease_name": "", "mondo_id": "",
                                                      "question": "Which treatments improve survival?"}).json()
    page.goto(site.base + asked["view_url"])  # reloads itself until the answer is there
    expect(page.locator(".job-status")).to_have_text("Answered.", timeout=30_000)
    expect(page.locator("article.report a.cite").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "research-job.png"), full_page=True)
    assert site.console == []


def test_a_report_with_scripts_and_javascript_links_is_inert(page, site: Site) -> None:
    page.goto(f"{site.base}/disorders/Evil_Reports.html")
    report = page.locator("#research article.report")
    for summary in report.locator("details > summary").all():
        summary.click()
    assert report.locator("script, iframe, img, style, [onclick], [onmouseover]").count() == 0
    assert report.locator("a[href^='javascript'], a[href^='data']").count() == 0
    page.get_by_text("Click [here](javascript:").click()  # only text: nothing happens
    report.locator("td", has_text="cell").hover()
    page.locator("a.cite", has_text="evil2020x pages 1-2").click()
    assert page.evaluate("typeof window.__evil") == "undefined"
    assert page.locator("body").is_visible()
    assert site.console == []


def test_at_phone_width_an_answer_keeps_its_remove_button_on_one_line(browser, site: Site) -> None:  # noqa: F811
    from playwright.sync_api import expect
    from test_browser import BROKEN_WORDS

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{site.base}/disorders/{ANKL}.html")
    revision = page.locator("#research .research-box").get_attribute("data-revision")
    question = "How does ruxolitinib act on JAK-STAT signalling in aggressive NK-cell leukemia cells?"
    page.evaluate(f"""localStorage.setItem("dmkb.research.{ANKL}|{revision}|{question.lower()}",
                      JSON.stringify({{question: "{question}", asked: 1, html: "<p>It blocks JAK1 and JAK2.</p>"}}))""")
    page.reload()
    remove = page.locator(".answer .answer-remove")
    expect(remove).to_have_text("Remove")
    assert page.evaluate(BROKEN_WORDS) == []
    assert remove.bounding_box()["height"] < 30  # one line
    screenshot(page, page.locator(".answer"), "research-answer-390.png")
    context.close()
