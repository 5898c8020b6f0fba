"""One search for the whole site, forgiving typos: the server's ``/api/search`` runs it here, and the
index page runs the same matching in the browser (``static/dmkb.js``) on words prepared here, so a
static site searches as the server does.

Texts are cut into words (accents dropped, case folded). Every word of the query must match a word
of the disorder: the same word, a word it begins (``hemophag``), or, for words of 4 letters or more,
a word one typing mistake away (two from 8 letters: ``fevr`` finds fever), as optimal string
alignment counts them. A word with a digit in it (the number of an id: ``MONDO:0007739``) matches only
the same word: 0007739 is not a typo of 0000739. A match counts by where it is found (name, synonyms,
keywords, description) and how good it is; disorders are ranked by the sum, then by name.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from dmkb.typos import TYPOS_FROM, within_typos

# the indexed fields of the ``search`` table, with the weight of a match in each
FIELDS = (("name", 10.0), ("synonyms", 6.0), ("keywords", 3.0), ("description", 1.0))
EXACT, PREFIX, TYPO = 1.0, 0.8, 0.5  # how good a match is
EXACT_ONLY = "[0-9]"  # a query word holding this matches only the same word (the same pattern in dmkb.js)
MAX_WORDS = 12
_WORD = re.compile(r"\w+")
_EXACT_ONLY = re.compile(EXACT_ONLY)
_CONTEXT_WORDS = 8  # on either side of the first word found in the description


def words(text: str) -> list[str]:
    """``"Hémophagocytic HLH-like"`` → ``["hemophagocytic", "hlh", "like"]``."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _WORD.findall(plain.casefold())


def match_quality(query_word: str, word: str) -> float:
    """How well ``word`` of a disorder matches ``query_word``; 0 when it does not."""
    if word == query_word:
        return EXACT
    if _EXACT_ONLY.search(query_word):
        return 0.0
    if word.startswith(query_word):
        return PREFIX
    if within_typos(query_word, word):
        return TYPO
    return 0.0


@dataclass(frozen=True)
class SearchEntry:
    """One disorder as the search sees it: the words of each field."""

    stem: str
    name: str
    mondo_id: str | None
    fields: tuple[tuple[str, ...], ...]  # unique words, one tuple per field of FIELDS
    description: str



def browser_index(entries: list[SearchEntry]) -> dict[str, Any]:
    """What the index page's script needs to search as :class:`SearchIndex` does: the rules, and each
    disorder's words."""
    return {"weights": [weight for _, weight in FIELDS], "quality": [EXACT, PREFIX, TYPO], "typos_from": TYPOS_FROM,
            "exact_only": EXACT_ONLY,
            "max_words": MAX_WORDS, "entries": [{"stem": e.stem, "fields": [" ".join(f) for f in e.fields]}
                                                for e in entries]}


def load_entries(conn: sqlite3.Connection) -> list[SearchEntry]:
    """Every disorder of a compiled KB, by name."""
    rows = conn.execute("SELECT s.stem, d.name, d.mondo_id, s.name, s.synonyms, s.keywords, s.description "
                        "FROM search s JOIN disorders d ON d.stem = s.stem ORDER BY d.name COLLATE NOCASE")
    return [SearchEntry(stem, name, mondo_id, tuple(tuple(dict.fromkeys(words(text or ""))) for text in texts),
                        texts[-1] or "")
            for stem, name, mondo_id, *texts in rows]


class SearchIndex:
    """The entries and, for speed, every word with the entries and fields it is in."""

    def __init__(self, entries: list[SearchEntry]) -> None:
        self.entries = entries
        self.places: dict[str, list[tuple[int, float]]] = {}  # word -> (entry, field weight)
        for k, entry in enumerate(entries):
            for (_, weight), field in zip(FIELDS, entry.fields):
                for word in field:
                    self.places.setdefault(word, []).append((k, weight))

    def search(self, query: str, limit: int = 20) -> list[tuple[SearchEntry, float]]:
        """The disorders matching every word of ``query``, best first, with their scores."""
        wanted = words(query)[:MAX_WORDS]
        if not wanted:
            return []
        totals: dict[int, float] | None = None
        for query_word in wanted:
            best: dict[int, float] = {}
            for word, places in self.places.items():
                quality = match_quality(query_word, word)
                if quality:
                    for k, weight in places:
                        best[k] = max(best.get(k, 0.0), weight * quality)
            totals = best if totals is None else {k: totals[k] + v for k, v in best.items() if k in totals}
        found = [(self.entries[k], score) for k, score in (totals or {}).items()]
        found.sort(key=lambda hit: (-hit[1], hit[0].name.casefold()))
        return found[:limit]


def context(entry: SearchEntry, query: str) -> str:
    """A few words of the description around the first word the query matches, else its start."""
    text = entry.description.split()
    wanted = words(query)
    at = next((i for i, token in enumerate(text)
               if any(match_quality(q, w) for w in words(token) for q in wanted)), 0)
    start = max(at - _CONTEXT_WORDS, 0)
    part = " ".join(text[start:at + _CONTEXT_WORDS + 1])
    return ("… " if start else "") + part + (" …" if at + _CONTEXT_WORDS + 1 < len(text) else "")
