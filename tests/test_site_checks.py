"""Disorder pages show what ``dmkb validate`` finds in their entry (the "Curation checks" section and
``curation_checks`` in the disorder's JSON), recorded by the build in kb.sqlite and kept up to date
with the entries, the term caches and the other entries."""

from __future__ import annotations

import contextlib
import json
import urllib.request
from pathlib import Path

from conftest import ENTRY, TinyKb
from site_helpers import serve_in_thread

from dmkb.compile.incremental import compile_kb
from dmkb.compile.read import connect_readonly
from dmkb.pipeline.build import build_site
from dmkb.site.data import disorder_json, load_disorder
from dmkb.site.render import Renderer
from dmkb.validate import validate

# a typo in a causal link's target: a graph error with a hint, and nothing else
BROKEN = ENTRY.replace("name: Test Leukemia", "name: Broken Leukemia").replace(
    "  - target: Hepatosplenomegaly", "  - target: Hepatosplenomgaly")


def page(out: Path, stem: str) -> str:
    return (out / "disorders" / f"{stem}.html").read_text(encoding="utf-8")


def checks_section(html: str) -> str:
    start = html.index('<section id="curation-checks"')
    return html[start:html.index("</section>", start)]


def validated(root: Path, file: str) -> list[dict]:
    keys = ("check", "severity", "line", "path", "message", "hint")
    return [{k: getattr(f, k) for k in keys} for f in validate([root], use_memo=False).findings if f.file == file]


def test_a_finding_is_on_its_page_and_in_its_json_a_clean_entry_says_none(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry(BROKEN, "Broken.yaml")
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)

    broken = checks_section(page(out, "Broken"))
    assert "1 error" in broken and "<details" in broken  # folded behind its summary
    assert "target &#39;Hepatosplenomgaly&#39; names no mechanism step or phenotype" in broken
    assert "hint: did you mean &#39;Hepatosplenomegaly&#39;?" in broken
    assert "pathophysiology[0].<wbr>downstream[0].<wbr>target" in broken
    assert '<a href="#yaml-L12">line 12</a> · graph' in broken  # a link to that line of the entry's YAML
    assert page(out, "Broken").count('id="yaml-L') == 1 and 'id="yaml-L12"' in page(out, "Broken")
    clean = checks_section(page(out, "Test_Leukemia"))
    assert "No findings" in clean and "<details" not in clean

    with serve_in_thread(out) as (port, _):
        def api(stem: str) -> dict:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/disorders/{stem}") as response:
                return json.loads(response.read())["curation_checks"]

        found = api("Broken")
        assert found["counts"] == {"error": 1, "warning": 0, "info": 0}
        assert found["findings"] == validated(tiny_kb.root, "kb/disorders/Broken.yaml")
        assert api("Test_Leukemia")["findings"] == [] == validated(tiny_kb.root, "kb/disorders/Test_Leukemia.yaml")


def test_findings_follow_the_term_caches_and_the_other_entries(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    assert "No findings" in checks_section(page(out, "Test_Leukemia"))

    # the term cache now gives HP:0001433 another label: the entry's label is outdated
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.write_text(terms.read_text(encoding="utf-8").replace("HP:0001433,Hepatosplenomegaly",
                                                               "HP:0001433,Hepatosplenomegaly (enlarged)"))
    report = build_site([tiny_kb.root], out)
    assert report.rendered == ["Test_Leukemia"]
    assert "phenotypes[0].<wbr>phenotype_term.<wbr>term.<wbr>label" in checks_section(page(out, "Test_Leukemia"))

    # a new file naming the same disorder: the later file in order gets the error, though it did not change
    tiny_kb.write_entry(ENTRY, "A_Copy.yaml")
    report = build_site([tiny_kb.root], out)
    assert report.compile.compiled == ["A_Copy"] and sorted(report.rendered) == ["A_Copy", "Test_Leukemia"]
    section = checks_section(page(out, "Test_Leukemia"))
    assert "kb/disorders/A_Copy.yaml describes a disorder of the same name" in section
    assert [f for f in validated(tiny_kb.root, "kb/disorders/Test_Leukemia.yaml") if f["path"] == "name"]
    (tiny_kb.root / "kb" / "disorders" / "A_Copy.yaml").unlink()
    build_site([tiny_kb.root], out)
    assert "same name" not in checks_section(page(out, "Test_Leukemia"))


def test_a_kb_compiled_without_checks_says_so(tiny_kb: TinyKb, tmp_path: Path) -> None:
    compile_kb([tiny_kb.root], tmp_path / "kb.sqlite")  # as the commands that only read a KB compile it
    with contextlib.closing(connect_readonly(tmp_path / "kb.sqlite")) as conn:
        html = Renderer(conn).disorder("Test_Leukemia")
        assert disorder_json(load_disorder(conn, "Test_Leukemia"))["curation_checks"] is None
    assert "did not record what <code>dmkb validate</code> finds" in checks_section(html)


def test_a_page_names_the_kbs_folders_from_its_root_not_the_build_machines_paths(tiny_kb: TinyKb,
                                                                                 tmp_path: Path) -> None:
    """A published page says `--cache references_cache`, not where the KB sat when it was built."""
    tiny_kb.write_entry(ENTRY.replace("name: Test Leukemia", "name: Uncached Leukemia").replace(
        "PMID:1000001", "PMID:1000009"), "Uncached.yaml")
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    section = checks_section(page(out, "Uncached"))
    assert "PMID:1000009 is not cached" in section
    assert "dmkb refs fetch PMID:1000009 --cache references_cache" in section
    assert str(tiny_kb.root) not in page(out, "Uncached")


def test_warnings_alone_are_not_shown_in_the_colour_of_errors(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry(ENTRY.replace("name: Test Leukemia", "name: Unquoted Leukemia").replace(
        "    snippet: TGF-beta1 signalling was increased\n", ""), "Unquoted.yaml")  # evidence without a snippet
    tiny_kb.write_entry(BROKEN, "Broken.yaml")
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    section = checks_section(page(out, "Unquoted"))
    assert "1 warning" in section and "error" not in section.split("</summary>")[0].lower()
    assert 'class="checks checks-problems tone-warnings"' in section
    assert 'class="checks checks-problems tone-errors"' in checks_section(page(out, "Broken"))
