"""The compiled KB being served, and its pages, rendered once and kept until the KB changes."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from dmkb.compile.store import connect_readonly
from dmkb.site.build import DB_NAME
from dmkb.site.data import IndexRow, disorder_json, load_disorder, search
from dmkb.site.render import Renderer

_CACHED_PAGES = 256


class SiteState:
    """What the server answers from: one ``kb.sqlite`` and the pages rendered from it.

    :meth:`reload` swaps in a rebuilt database; requests already running finish on the old one.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.static = out / "static"
        self.db_path = out / DB_NAME
        self._lock = threading.Lock()
        self._generation: tuple[sqlite3.Connection, Renderer, OrderedDict[str, bytes]] | None = None
        self.reload()

    def reload(self) -> None:
        """Serve the current ``kb.sqlite`` from now on. :raises LoadError: when it cannot be opened."""
        conn = connect_readonly(self.db_path)
        generation = (conn, Renderer(conn), OrderedDict())
        with self._lock:
            self._generation = generation

    def _current(self) -> tuple[sqlite3.Connection, Renderer, OrderedDict[str, bytes]]:
        assert self._generation is not None
        return self._generation

    @property
    def index_rows(self) -> list[IndexRow]:
        return self._current()[1].index_rows

    def page(self, key: str) -> bytes | None:
        """The HTML of ``index`` or of the disorder ``key``; ``None`` when there is no such disorder."""
        _, renderer, cache = self._current()
        page = cache.get(key)
        if page is not None:
            return page
        with self._lock:  # one connection: one query at a time
            html = renderer.index() if key == "\0index" else renderer.disorder(key)
        if html is None:
            return None
        page = html.encode("utf-8")
        cache[key] = page
        while len(cache) > _CACHED_PAGES:
            cache.popitem(last=False)
        return page

    def index_page(self) -> bytes:
        page = self.page("\0index")
        assert page is not None
        return page

    def disorder(self, stem: str) -> dict[str, Any] | None:
        conn = self._current()[0]
        with self._lock:
            record = load_disorder(conn, stem)
        return disorder_json(record) if record else None

    def search(self, query: str) -> list[dict[str, Any]]:
        conn = self._current()[0]
        with self._lock:
            return search(conn, query)
