"""Differential diagnosis in the server: the engine, loaded once, with the served KB's disorders.

The engine is loaded at the first request (a few tenths of a second; the first time ever, the
phenotype model is built from the HPO data, which takes seconds) and follows the KB: when
``kb.sqlite`` is rebuilt, the KB's disorders are read from it again (never from the KB's files).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError

MAX_TERMS = 100  # phenotypes in one query
MAX_LIMIT = 100  # diseases in one answer
_SPLIT = re.compile(r"[\s,;|]+")


class EngineUnavailable(DmkbError):
    """The engine cannot be loaded here (no HPO data)."""


def parse_terms(values: list[str]) -> list[str]:
    """HPO ids given as repeated parameters, or separated by commas, spaces or bars."""
    return [part for value in values for part in _SPLIT.split(value) if part]


class DiagnoseService:
    """Ranks diseases for phenotypes; safe to call from the server's threads."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._engine: Any = None
        self._loaded_from: float | None = None  # the kb.sqlite the KB disorders were read for

    def _current(self) -> Any:
        from dmkb.similarity.engine import Engine

        stamp = self.db_path.stat().st_mtime_ns if self.db_path.exists() else None
        with self._lock:
            if self._engine is None or stamp != self._loaded_from:
                kb_db = self.db_path if stamp is not None else None
                self._engine = self._engine.with_kb(kb_db) if self._engine else Engine.load(kb_db)
                self._loaded_from = stamp
            return self._engine

    def diagnose(self, observed: list[str], excluded: list[str], limit: int) -> dict[str, Any]:
        """``{"observed", "excluded", "hpo_release", "results"}``.

        :raises DmkbError: unknown or too many terms, or no HPO data to rank with.
        """
        if not observed:
            raise DmkbError("give at least one observed phenotype (an HP id)", "e.g. hpo=HP:0001945")
        if len(observed) + len(excluded) > MAX_TERMS:
            raise DmkbError(f"at most {MAX_TERMS} phenotypes can be given at once")
        try:
            engine = self._current()
        except DmkbError as exc:
            raise EngineUnavailable(exc.message, exc.hint) from None
        from dmkb.similarity.engine import UnknownTermError

        try:
            results = engine.diagnose(observed, excluded, limit=limit)
        except UnknownTermError as exc:  # its hint names a command; a reader of the site has the form
            raise DmkbError(exc.message, "give HPO ids such as HP:0001945; on the diagnosis page, type a "
                            "phenotype's name in a box and pick it") from None
        return {"observed": [engine.term(engine.resolve(t)) for t in observed],
                "excluded": [engine.term(engine.resolve(t)) for t in excluded],
                "hpo_release": engine.release, "results": results}
