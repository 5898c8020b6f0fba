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
from dmkb.server.terms import TermService
from dmkb.term_ids import CURIE

MAX_TERMS = 100  # phenotypes in one query
MAX_LIMIT = 100  # diseases in one answer
_PARTS = re.compile(r"[,;|]+")


class EngineUnavailable(DmkbError):
    """The engine cannot be loaded here (no HPO data)."""


def parse_terms(values: list[str]) -> list[str]:
    """Phenotypes given as repeated parameters, or separated by commas, semicolons or bars: HPO
    ids (also separated by spaces), or plain words ("enlarged liver")."""
    out = []
    for part in (p.strip() for value in values for p in _PARTS.split(value)):
        words = part.split()
        out += words if words and all(CURIE.fullmatch(w) for w in words) else [part] if part else []
    return out


class DiagnoseService:
    """Ranks diseases for phenotypes; safe to call from the server's threads."""

    def __init__(self, db_path: Path, terms: TermService | None = None) -> None:
        """:param terms: reads phenotypes given in plain words, as ``dmkb diagnose`` does."""
        self.db_path = db_path
        self.terms = terms
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
            raise DmkbError("give at least one observed phenotype", "type its name in the box above, or give its "
                            "HP id, e.g. HP:0001945")
        if len(observed) + len(excluded) > MAX_TERMS:
            raise DmkbError(f"at most {MAX_TERMS} phenotypes can be given at once")
        observed, excluded = self._as_ids(observed), self._as_ids(excluded)
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

    def _as_ids(self, values: list[str]) -> list[str]:
        """Ids as they are; plain words read as the HPO term the term index finds first for them."""
        out = []
        for value in values:
            if CURIE.fullmatch(value):
                out.append(value)
                continue
            hits = self.terms.search(value, "HP", 1) if self.terms else None
            if hits is None:
                raise DmkbError(f"'{value}' is not an HP id, and the term index that reads plain words is not built",
                                "give HP ids such as HP:0001945 (dmkb terms build reads words)")
            if not hits:
                raise DmkbError(f"no HPO term matches '{value}'", "type it in the page's box to find the term")
            out.append(hits[0]["id"])
        return out
