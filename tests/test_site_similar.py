"""The computed similar conditions on the disorder pages (section ``similar-conditions``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE, run_dmkb

from dmkb.pipeline.build import build_site

ANKL = "Aggressive_NK-cell_Leukemia"


def section(html: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert found, f"no section {section_id}"
    return found.group(1)


def test_the_example_page_lists_hpo_diseases_like_it(tmp_path: Path) -> None:
    report = build_site([EXAMPLE], tmp_path / "site")
    assert report.similar_problem is None
    html = (tmp_path / "site" / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    similar = section(html, "similar-conditions")
    rows = re.findall(r'<th scope="row">\s*<a href="([^"]+)"', similar)
    assert len(rows) == 6
    assert all(href.startswith(("https://omim.org/entry/", "https://www.orpha.net/en/disease/detail/"))
               for href in rows)
    assert "Phenotypes in common" in similar and 'href="#similar-conditions"' in html  # in the contents
    assert re.search(r"Only in Aggressive NK-cell Leukemia:", similar)
    # what the score means is said, and each row shows its score
    assert "above 0 when they fit it better than an average disease" in similar
    assert len(re.findall(r'<span class="score"[^>]*>score [+-]\d+\.\d</span>', similar)) == 6


def test_kb_disorders_link_to_their_own_pages(corpus_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "kb" / "disorders").mkdir(parents=True)
    for name in ("Marfan_Syndrome", "Hypertensive_Heart_Disease", "Essential_Hypertension", "Gout"):
        shutil.copy(corpus_root / "kb" / "disorders" / f"{name}.yaml", root / "kb" / "disorders")
    build_site([root], tmp_path / "site")
    html = (tmp_path / "site" / "disorders" / "Marfan_Syndrome.html").read_text(encoding="utf-8")
    similar = section(html, "similar-conditions")
    kb_table = similar.split("Diseases described by HPO")[0]
    links = re.findall(r'<th scope="row">\s*<a href="([^"]+)"', kb_table)
    assert links and all((tmp_path / "site" / "disorders" / link).is_file() for link in links)
    assert "Marfan_Syndrome.html" not in links
    assert "Mechanisms in common" in kb_table


def test_changed_entries_refresh_the_similar_conditions_of_others(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(EXAMPLE, root)
    out = tmp_path / "site"
    build_site([root], out)
    assert build_site([root], out).rendered == []  # nothing changed, nothing computed or rendered
    twin = (root / "kb" / "disorders" / f"{ANKL}.yaml").read_text(encoding="utf-8")
    (root / "kb" / "disorders" / "Twin.yaml").write_text(twin.replace("name: Aggressive NK-cell Leukemia",
                                                                     "name: Twin Leukemia", 1), encoding="utf-8")
    report = build_site([root], out)
    assert set(report.rendered) == {ANKL, "Twin"}
    html = (out / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    assert 'href="Twin.html"' in section(html, "similar-conditions")


def test_without_hpo_data_the_site_is_built_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_HPOA", str(tmp_path / "missing.hpoa"))
    result = run_dmkb("build", EXAMPLE, "--out", tmp_path / "site")
    assert result.code == 0, result.stderr
    assert "similar conditions were not computed" in result.stderr and "missing.hpoa" in result.stderr
    html = (tmp_path / "site" / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    assert '<section id="similar-conditions" class="empty-section">' in html
