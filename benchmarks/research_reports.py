"""Stored deep-research reports: how many load and render, and how well their citations link.

    python benchmarks/research_reports.py [ROOT]      # default: ../shared/corpus/dismech

Every report under ``ROOT/research/`` is compiled into a temporary ``kb.sqlite`` and rendered as
a disorder page shows it. From the HTML (not from the renderer's own counts) it counts:

- citation keys: links ``a.cite`` to an element of the report (``#ref-KEY``) that exists, links
  to PubMed for PMIDs cited outside the list, and keys left unlinked (``span.cite-missing``);
  the linked share is linked / all, over all reports and for the worst report;
- tables: markdown tables of the report's text (a header row followed by a ``|---|`` row) against
  ``<table>`` elements rendered;
- seconds: compiling all reports (median of 3) and rendering one (median over the reports).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dmkb.compile.incremental import compile_kb  # noqa: E402
from dmkb.compile.read import connect_readonly  # noqa: E402
from dmkb.site.data import load_reports  # noqa: E402
from dmkb.site.render import render_report_html  # noqa: E402

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ReportFigures:
    file: str
    keys: int  # citation keys in the rendered report
    linked: int  # of which link to an element of the report, or to PubMed
    broken: int  # links to an element that is not there (a bug, never expected)
    tables: int  # markdown tables in the report's text
    rendered_tables: int
    seconds: float

    @property
    def share(self) -> float:
        return self.linked / self.keys if self.keys else 1.0


def count_links(page: str) -> tuple[int, int, int, int]:
    """``(keys, linked, broken, tables)`` of a rendered report."""
    tree = lxml_html.fromstring(page)
    ids = set(tree.xpath("//@id"))
    linked = broken = 0
    for link in tree.xpath("//a[contains(concat(' ', @class, ' '), ' cite ')]"):
        href = link.get("href", "")
        if href.startswith("#"):
            if href[1:] in ids:
                linked += 1
            else:
                broken += 1
        elif href.startswith("https://"):
            linked += 1
    missing = len(tree.xpath("//span[contains(concat(' ', @class, ' '), ' cite-missing ')]"))
    return linked + broken + missing, linked, broken, len(tree.xpath("//table"))


def measure(root: Path) -> tuple[list[ReportFigures], float]:
    """The figures of every report of ``root``, and the seconds a compile of them took (median of 3)."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "kb.sqlite"
        compiling = []
        for _ in range(3):
            db.unlink(missing_ok=True)
            started = time.perf_counter()
            compile_kb([root], db)
            compiling.append(time.perf_counter() - started)
        with contextlib.closing(connect_readonly(db)) as conn:
            reports = load_reports(conn)
        figures = []
        for report in reports:
            started = time.perf_counter()
            page = render_report_html(report)
            seconds = time.perf_counter() - started
            keys, linked, broken, rendered = count_links(page)
            figures.append(ReportFigures(report.file or "", keys, linked, broken,
                                         len(_TABLE_RULE.findall(report.content.body)), rendered, seconds))
    return figures, statistics.median(compiling)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", type=Path, default=REPO.parent / "shared" / "corpus" / "dismech")
    args = parser.parse_args()
    figures, compile_seconds = measure(args.root)
    if not figures:
        sys.exit(f"{args.root}: no reports under research/")
    keys = sum(f.keys for f in figures)
    linked = sum(f.linked for f in figures)
    worst = min(figures, key=lambda f: f.share)
    tables = sum(f.tables for f in figures)
    print(f"reports: {len(figures)} loaded and rendered ({args.root / 'research'})")
    print(f"citation keys: {keys:,}, linked {linked:,} = {linked / keys:.1%} "
          f"(worst report {worst.share:.1%}: {worst.file}); links to nothing: {sum(f.broken for f in figures)}")
    print(f"reports with >= 95% linked: {sum(f.share >= 0.95 for f in figures)} of {len(figures)}")
    print(f"tables: {tables} in the reports' text, {sum(f.rendered_tables for f in figures)} rendered; "
          f"reports with a table missing: {sum(f.rendered_tables < f.tables for f in figures)}")
    print(f"seconds: compiling all reports {compile_seconds:.2f} (median of 3, with the KB's entries); "
          f"rendering one report {statistics.median(f.seconds for f in figures) * 1000:.1f} ms (median)")


if __name__ == "__main__":
    main()
