"""The KB's term caches: ``cache/<prefix>/terms.csv``, one folder per ontology prefix."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dmkb.fs import file_key, read_regular
from dmkb.load.term_caches import TermRow, parse_enum_csv, parse_terms_csv
from dmkb.load.text import decode
from dmkb.settings import max_file_bytes
from dmkb.terms.records import curie_key

ENUMS_FOLDER = "enums"


@dataclass(frozen=True)
class CacheProblem:
    """A term cache file that could not be read as it should."""

    file: Path
    line: int
    message: str


class TermCache:
    """Labels of cached terms, by prefix; each prefix's file is read when first needed."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        try:
            folders = os.listdir(cache_dir)
        except OSError:
            folders = []
        # whatever is named terms.csv (a folder, a FIFO too): reading it says what is wrong
        self._files = {
            name.lower(): cache_dir / name / "terms.csv"
            for name in folders
            if name != ENUMS_FOLDER and os.path.lexists(cache_dir / name / "terms.csv")
        }
        self._rows: dict[str, dict[str, TermRow]] = {}
        self._enum_members: set[str] | None = None
        self.problems: list[CacheProblem] = []
        # before any row is read: rows read later may be newer, never older than it says
        self._signature = [(path.as_posix(), *key) for path in self.files if (key := file_key(path))]

    @property
    def files(self) -> list[Path]:
        """Every cache file whose content the term check depends on."""
        enums = sorted((self.cache_dir / ENUMS_FOLDER).glob("*.csv"))
        return sorted(self._files.values()) + enums

    def covers(self, curie: str) -> bool:
        """Whether the KB caches terms with this id's prefix at all."""
        return curie.partition(":")[0].lower() in self._files

    def get(self, curie: str) -> TermRow | None:
        """The cached row of ``curie``, or ``None`` when it is not cached."""
        prefix = curie.partition(":")[0].lower()
        if prefix not in self._rows:
            self._rows[prefix] = self._read(prefix)
        return self._rows[prefix].get(curie_key(curie))

    def named(self, prefix: str, same: Callable[[str], bool]) -> TermRow | None:
        """The first cached ``prefix`` term whose label passes ``same``."""
        prefix = prefix.lower()
        if prefix not in self._rows:
            self._rows[prefix] = self._read(prefix)
        return next((row for row in self._rows[prefix].values() if same(row.label)), None)

    def file_problems(self) -> list[CacheProblem]:
        """Read every cache file and say what is wrong with them (a bad file is never skipped quietly)."""
        for prefix in self._files:
            if prefix not in self._rows:
                self._rows[prefix] = self._read(prefix)
        return list(self.problems)

    def in_enum_cache(self, curie: str) -> bool:
        """Whether ``curie`` is listed in ``cache/enums/*.csv`` (ids already found valid for a
        dynamic enum, without their labels)."""
        if self._enum_members is None:
            self._enum_members = set()
            for path in sorted((self.cache_dir / ENUMS_FOLDER).glob("*.csv")):
                try:
                    text, _ = decode(read_regular(path, max_file_bytes()))
                except OSError:
                    continue
                self._enum_members.update(curie_key(c) for c in parse_enum_csv(text))
        return curie_key(curie) in self._enum_members

    def _read(self, prefix: str) -> dict[str, TermRow]:
        path = self._files.get(prefix)
        if path is None:
            return {}
        try:
            text, _ = decode(read_regular(path, max_file_bytes()))
        except OSError as exc:
            self.problems.append(CacheProblem(path, 1, f"cannot read the term cache ({exc.strerror})"))
            return {}
        rows, problem = parse_terms_csv(text)
        if problem:
            self.problems.append(CacheProblem(path, problem.line, problem.message))
        return {curie_key(row.curie): row for row in rows}

    def signature(self) -> list[tuple[str, int, int, int, int]]:
        """Name and :func:`~dmkb.fs.file_key` of every cache file as it was when this cache was
        made, to tell when one changed."""
        return self._signature
