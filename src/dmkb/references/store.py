"""The reference cache as a store: render records in the dismech cache format, read entries
back, rank them, and write them without ever making an entry worse.

The format (shared with dismech and linkml-reference-validator)::

    ---
    reference_id: PMID:123
    title: …
    authors: [..]
    journal: …
    year: '2024'
    doi: …
    content_type: abstract_only
    ---

    # Title
    **Authors:** …

    ## Content

    the text that snippets are checked against

An entry is replaced only by a better one (a full text over an abstract, anything over an
entry that is empty, damaged or filed under the wrong id) unless the caller forces it, and
never by an empty record. Every write is atomic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from dmkb.errors import DmkbError
from dmkb.fs import write_atomic
from dmkb.load.reference_files import ReferenceText
from dmkb.references.cache import ReferenceCache, cache_file_name
from dmkb.references.identity import cached_problems
from dmkb.references.record import LiteratureRecord

_CONTENT_HEADING = re.compile(r"^## Content[ \t]*$", re.MULTILINE)
_KNOWN_KEYS = ("reference_id", "title", "authors", "journal", "year", "doi", "pmid", "pmcid", "nct_id",
               "content_type", "source", "retrieved")

SaveStatus = Literal["written", "replaced", "kept"]


class EmptyRecord(DmkbError):
    """A record with no text: it would make the cache worse, so it is never written."""


@dataclass(frozen=True)
class CachedEntry:
    """A cache file as read back: its parsed text, its content and what is wrong with it."""

    path: Path
    cached: ReferenceText
    content: str
    problems: tuple[str, ...]  # damaged front matter, contradictions between its ids

    @property
    def content_type(self) -> str:
        return str(self.cached.metadata.get("content_type") or "")

    @property
    def rank(self) -> int:
        return 0 if self.problems else rank(self.content_type, self.content)


@dataclass(frozen=True)
class SaveOutcome:
    status: SaveStatus
    path: Path
    previous: str | None = None  # the content type of the entry that was kept or replaced


def rank(content_type: str | None, content: str) -> int:
    """How good an entry is: 0 empty, 1 an abstract or summary, 2 a full text."""
    if not content.strip():
        return 0
    return 2 if (content_type or "").lower().startswith("full_text") else 1


class ReferenceStore:
    """Read and write the entries of one cache folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache = ReferenceCache(directory)

    def get(self, reference_id: str) -> CachedEntry | None:
        """The entry of ``reference_id``, or ``None`` when there is none."""
        path = self._cache.path_of(reference_id)
        return None if path is None else self.entry(path.name)

    def entry(self, name: str) -> CachedEntry:
        """The entry in the file ``name`` of the folder."""
        cached = self._cache.read(name)
        problems = [cached.problem] if cached.problem else []
        if cached.metadata:
            problems += cached_problems(name, cached)
        return CachedEntry(self.directory / name, cached, content_of(cached.text), tuple(problems))

    def entries(self) -> Iterator[CachedEntry]:
        """Every entry of the folder, by file name."""
        for name in self._cache.file_names():
            yield self.entry(name)

    def save(self, record: LiteratureRecord, *, force: bool = False) -> SaveOutcome:
        """Write ``record`` unless the entry already cached is at least as good.

        :param force: replace the cached entry even with a record that is not better.
        :raises EmptyRecord: when the record has no text.
        """
        if not record.text.strip():
            raise EmptyRecord(f"{record.reference_id}: the record has no text, so nothing was written",
                              "import the text from a file: dmkb refs import FILE --id " + record.reference_id)
        existing = self.get(record.reference_id)
        if existing is not None and not force and existing.rank >= rank(record.content_type, record.text):
            return SaveOutcome("kept", existing.path, existing.content_type)
        path = existing.path if existing else self.directory / cache_file_name(record.reference_id)
        try:
            write_atomic(path, render(record), mode=0o644)  # a KB's files, readable like its others
        except OSError as exc:
            raise DmkbError(f"{path}: cannot write the cache entry ({exc.strerror})",
                            "check that the cache folder is writable") from exc
        self._cache.add(path)
        if existing is None:
            return SaveOutcome("written", path)
        return SaveOutcome("replaced", path, existing.content_type)


def content_of(body: str) -> str:
    """The text under ``## Content``; without that heading, the body less its title block."""
    heading = _CONTENT_HEADING.search(body)
    if heading:
        return body[heading.end():].strip()
    lines = body.strip().split("\n")
    while lines and (lines[0].startswith(("# ", "**")) or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip()


def render(record: LiteratureRecord, today: dt.date | None = None) -> str:
    """The cache file of ``record``: front matter, title block, ``## Content`` and the text."""
    front = yaml.safe_dump(front_matter(record, today), sort_keys=False, allow_unicode=True, width=100_000)
    lines = ["---", front.rstrip("\n"), "---", ""]
    if record.title:
        lines.append(f"# {_one_line(record.title)}")
    if record.authors:
        lines.append(f"**Authors:** {', '.join(record.authors)}")
    if record.journal:
        lines.append(f"**Journal:** {record.journal}" + (f" ({record.year})" if record.year else ""))
    if record.doi:
        lines.append(f"**DOI:** [{record.doi}](https://doi.org/{record.doi})")
    lines += ["", "## Content", "", record.text.strip(), ""]
    return "\n".join(lines)


def front_matter(record: LiteratureRecord, today: dt.date | None = None) -> dict[str, Any]:
    """The front-matter keys of ``record``, in the order the format uses; empty values left out."""
    prefix = record.reference_id.partition(":")[0]
    values: dict[str, Any] = {
        "reference_id": record.reference_id,
        "title": _one_line(record.title) if record.title else None,
        "authors": list(record.authors) or None,
        "journal": record.journal,
        "year": str(record.year) if record.year else None,
        "doi": record.doi,
        "pmid": record.pmid if prefix != "PMID" else None,  # the id says it already
        "pmcid": record.pmcid if prefix != "PMC" else None,
        "nct_id": record.nct_id if prefix != "clinicaltrials" else None,
        "content_type": record.content_type,
        "source": record.source,
        "retrieved": (today or dt.date.today()).isoformat() if record.source else None,
    }
    values.update({k: v for k, v in record.extra.items() if k not in _KNOWN_KEYS})
    return {k: v for k, v in values.items() if v not in (None, "", [], {})}


def record_of(entry: CachedEntry) -> LiteratureRecord:
    """A cached entry as a record (for showing it, or writing it elsewhere)."""
    meta = entry.cached.metadata
    authors = meta.get("authors")
    extra = {k: v for k, v in meta.items() if k not in _KNOWN_KEYS}

    def text(key: str) -> str | None:
        value = meta.get(key)
        return str(value) if value not in (None, "") else None

    return LiteratureRecord(
        reference_id=text("reference_id") or entry.path.stem,
        title=entry.cached.title,
        text=entry.content,
        content_type=entry.content_type,
        authors=tuple(map(str, authors)) if isinstance(authors, list) else ((str(authors),) if authors else ()),
        journal=text("journal"),
        year=text("year"),
        doi=text("doi"),
        pmid=text("pmid"),
        pmcid=text("pmcid"),
        nct_id=text("nct_id"),
        source=text("source"),
        extra=extra,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
