"""The compiled KB being served, and its pages, rendered once and kept until the KB changes."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from dmkb.compile.read import connect_readonly, read_meta
from dmkb.compile.schema import SCHEMA_VERSION
from dmkb.errors import DmkbError
from dmkb.site.build import DB_NAME
from dmkb.site.data import IndexRow, disorder_json, load_disorder, page_url
from dmkb.site.render import STATIC, Renderer
from dmkb.site.search import context
from dmkb.site.similar import read_similar

_CACHED_PAGES = 256


class NotBuilt(DmkbError):
    """The site has no ``kb.sqlite`` yet: its first build is running (or failed)."""


class SiteState:
    """What the server answers from: one ``kb.sqlite`` and the pages rendered from it.

    :meth:`reload` swaps in a rebuilt database; requests already running finish on the old one.
    Until there is a database, every request for the KB's data raises :class:`NotBuilt`.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.db_path = out / DB_NAME
        self.problem: str | None = None  # why the last build failed
        self._lock = threading.Lock()
        self._generation: tuple[sqlite3.Connection, Renderer, OrderedDict[str, bytes]] | None = None
        if read_meta(self.db_path, "schema_version") == SCHEMA_VERSION:  # an earlier build this code can read
            self.reload()

    @property
    def ready(self) -> bool:
        return self._generation is not None

    @property
    def static(self) -> Path:
        """The site's assets: those the build copied, or before it the same files in dmkb itself."""
        copied = self.out / "static"
        return copied if copied.is_dir() else STATIC

    def reload(self) -> None:
        """Serve the current ``kb.sqlite`` (and the similar conditions the build kept beside it) from now
        on. :raises LoadError: when it cannot be opened."""
        conn = connect_readonly(self.db_path)
        renderer = Renderer(conn, read_similar(self.out))
        renderer.search  # noqa: B018 - read now, before other threads share the connection
        generation = (conn, renderer, OrderedDict())
        with self._lock:
            self._generation = generation

    def check_built(self) -> None:
        """:raises NotBuilt: when there is no database yet."""
        self._current()

    def _current(self) -> tuple[sqlite3.Connection, Renderer, OrderedDict[str, bytes]]:
        generation = self._generation
        if generation is None:
            if self.problem:
                raise NotBuilt(f"the site could not be built: {self.problem}",
                               "fix the problem: the site is built again when a file of the KB changes")
            raise NotBuilt("the site is being built", "ask again in a few seconds: pages reload themselves "
                           "until the site is ready")
        return generation

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
        conn, renderer, _ = self._current()
        with self._lock:
            record = load_disorder(conn, stem, renderer.similar.get(stem))
        return disorder_json(record) if record else None

    def revision(self, stem: str) -> str | None:
        """The digest of the disorder's entry as compiled (``None`` when there is no such disorder)."""
        conn = self._current()[0]
        with self._lock:
            row = conn.execute("SELECT digest FROM disorders WHERE stem = ?", (stem,)).fetchone()
        return row[0] if row else None

    def source(self, stem: str) -> str | None:
        """The YAML of the disorder ``stem``, as compiled."""
        renderer = self._current()[1]
        with self._lock:
            return renderer.source(stem)

    def search(self, query: str) -> list[dict[str, Any]]:
        """Disorders matching every word of ``query`` (see :mod:`dmkb.site.search`), best first."""
        return [{"stem": e.stem, "name": e.name, "mondo_id": e.mondo_id, "context": context(e, query),
                 "url": page_url(e.stem)} for e, _ in self._current()[1].search.search(query)]
