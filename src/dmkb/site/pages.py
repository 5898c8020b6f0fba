"""Render many disorder pages at once, in forked workers when there are enough of them (see
:mod:`dmkb.forked`), in the order asked for."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dmkb import prefixes
from dmkb.compile.read import connect_readonly
from dmkb.forked import forked_map
from dmkb.site.render import Renderer, environment


@dataclass(frozen=True)
class Page:
    """A page as written, in UTF-8 (bytes come back from a worker much faster than text)."""

    html: bytes
    source: bytes  # the entry's YAML, published beside its page


def render_pages(renderer: Renderer, stems: list[str]) -> Iterator[tuple[str, Page | None, str | None]]:
    """``(stem, page, None)`` for each of ``stems``, in order; ``(stem, None, error)`` when its page
    could not be rendered (a bug in dmkb: the other pages still get built)."""
    if not stems:
        return
    environment().get_template("disorder.html")  # compiled once, before any worker is forked
    prefixes.prepare()  # the same for the links of terms
    results = forked_map(functools.partial(_render, renderer), stems,
                         on_start=functools.partial(_own_connection, renderer))
    for stem, (page, error) in zip(stems, results):
        yield stem, page, error


def _own_connection(renderer: Renderer) -> None:
    """In a forked worker: a connection of its own, never the parent's."""
    path = renderer.conn.execute("PRAGMA database_list").fetchone()[2]
    renderer.conn = connect_readonly(Path(path))


def _render(renderer: Renderer, stem: str) -> tuple[Page | None, str | None]:
    try:
        html = renderer.disorder(stem)
        if html is None:
            return None, None
        return Page(html.encode("utf-8"), (renderer.source(stem) or "").encode("utf-8")), None
    except Exception as exc:  # one entry must not cost the others their pages
        if os.environ.get("DMKB_DEBUG"):
            raise
        return None, repr(exc)
