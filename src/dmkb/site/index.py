"""The index page's context: every disorder with its counts, and the categories to filter by."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dmkb.links import term_url
from dmkb.site.data import IndexRow
from dmkb.site.search import SearchEntry, browser_index


@dataclass(frozen=True)
class IndexEntry:
    row: IndexRow
    mondo_href: str | None


@dataclass(frozen=True)
class IndexPage:
    entries: list[IndexEntry]
    categories: list[tuple[str, int]]  # by how many disorders have them, then by name
    totals: dict[str, int]
    problems: list[dict] = field(default_factory=list)  # entries that could not be compiled (dmkb.site.data)
    search: dict = field(default_factory=dict)  # what the page's search matches (dmkb.site.search.browser_index)


def build_index_page(rows: list[IndexRow], problems: list[dict] | None = None,
                     search: list[SearchEntry] | None = None) -> IndexPage:
    categories = Counter(c for row in rows for c in row.categories)
    totals = Counter()
    for row in rows:
        totals.update(row.counts)
    return IndexPage(
        entries=[IndexEntry(row, term_url(row.mondo_id)) for row in rows],
        categories=sorted(categories.items(), key=lambda kv: (-kv[1], kv[0].casefold())),
        totals={"disorders": len(rows), **totals},
        problems=problems or [],
        search=browser_index(search or []),
    )
