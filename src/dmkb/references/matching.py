"""Does a quoted snippet appear in its source text? Pure functions over strings.

Both sides are normalised the same way before comparing: Unicode compatibility forms
(ligatures, non-breaking spaces, superscripts), accents dropped, case folded, Greek letters
spelled out (``β`` and ``beta`` are one word), and every run of punctuation, dashes, quotes,
primes and spaces reduced to one space. What remains are the words, which must all be there,
in order. ``...`` in a quote and ``[editorial insertions]`` mark gaps: the parts around them
must each be found, in order.

A quote first has to appear as whole words. Failing that, it may match with the spaces
ignored, so that words the source's PDF extraction glued or split (``inSTAT3``, ``pro filing``)
still count, but only when the match starts and ends on word boundaries of the source.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωϵϑϕϰϱϖ",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
        "sigma sigma tau upsilon phi chi psi omega epsilon theta phi kappa rho pi".split(),
        strict=True,
    )
)
_GREEK_RE = re.compile("[" + "".join(_GREEK) + "]")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff]")
# byte -> itself for ASCII letters and digits (lower-cased), space for everything else
_WORD_BYTES = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256)).lower()
_GAP = re.compile(r"\.\.\.+|\u2026|\[[^\[\]]*\]")
# numbered citation markers in a source ("[12]", "[3, 5–7]"), which quotes leave out
_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;\u2013\u2014-]\s*\d+)*\s*\]")
# where text extracted from PDFs glued two words: "ResultsBoys", "inSTAT3", "patients13."
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[a-z]{2})(?=\d{1,3}(?:[,\u2013-]\d{1,3})*(?:[\s.,;:)]|$))")


def normalize(text: str) -> str:
    """The words of ``text``, lower-case ASCII, separated by single spaces.

    >>> normalize("TGF-β1 “signalling”\u00a0in ﬁbroblasts")
    'tgf beta 1 signalling in fibroblasts'
    """
    if not text.isascii():
        text = _SYMBOLS.sub(_symbol_as_words, text)
    text = unicodedata.normalize("NFKD", text).lower()
    if not text.isascii():
        text = _COMBINING.sub("", text)
        text = _GREEK_RE.sub(lambda m: f" {_GREEK[m.group()]} ", text)
        if not text.isascii():
            text = _spell_other_letters(text)
    return " ".join(text.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii").split())


# Symbols whose compatibility forms spell letters or digits (all of them are in these blocks:
# letterlike symbols, number forms, enclosed alphanumerics, squared units) and ordinal indicators
_SYMBOLS = re.compile(r"[\u00aa\u00ba\u00bc-\u00be\u20a8\u2100-\u218f\u2460-\u24ff\u3250-\u33ff\U0001f100-\U0001f1ff]")
# Signs set after a name (Tegsedi™) and the ordinal indicators, often written for a degree sign
# (37ºC): they are no words, whatever letters their compatibility forms spell.
_MARKS = frozenset("\u2122\u2120\u00aa\u00ba\U0001f16a\U0001f16b\U0001f16c")


def _symbol_as_words(match: re.Match[str]) -> str:
    return _spell_symbol(match.group())


@functools.lru_cache(maxsize=4096)
def _spell_symbol(ch: str) -> str:
    """A symbol whose compatibility form spells letters or digits (™ → TM, ℃ → °C, Ⅲ → III, ½ → 1⁄2)
    never glues them to the word beside it: a mark goes, any other becomes words of its own."""
    if ch in _MARKS:
        return " "
    spelled = unicodedata.normalize("NFKD", ch)
    if unicodedata.category(ch)[0] == "L" or not any(c.isascii() and c.isalnum() for c in spelled):
        return ch  # a letter (ℓ, Å), or a symbol that spells none
    return f" {spelled} "


# Latin letters that have no decomposition into a base letter and an accent
_LATIN = {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _spell_other_letters(text: str) -> str:
    """Keep letters of other scripts as words of their own (``?`` would turn them to spaces)."""

    def spell(match: re.Match[str]) -> str:
        ch = match.group()
        if ch in _LATIN:
            return _LATIN[ch]
        return f" u{ord(ch):x} " if ch.isalnum() else " "

    return _NON_ASCII.sub(spell, text)


def quote_parts(quote: str) -> list[str]:
    """The normalised parts of a quote, split at ``...`` and ``[insertions]``."""
    return [p for p in (normalize(part) for part in _GAP.split(quote)) if p]


@dataclass(frozen=True)
class QuoteMatch:
    """The outcome of looking for a quote: found, or the closest passage and how close."""

    found: bool
    similarity: float = 1.0  # 0..1, for the closest passage when not found
    passage: str | None = None  # the closest passage, as written in the source
    out_of_order: bool = False  # every part between gaps is there, but not in the quoted order


class SourceText:
    """A source prepared for quote matching; normalisation happens once, on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[str, bool] = {}  # a build verifies each quote, then checks it: matched once

    @cached_property
    def words(self) -> str:
        return f" {normalize(_CITATION.sub(' ', self.text))} "

    @cached_property
    def _compact(self) -> tuple[str, frozenset[int], frozenset[int]]:
        """The words without spaces, and the offsets where words (also glued ones) start and end."""
        tokens = normalize(_GLUED.sub(" ", _CITATION.sub(" ", self.text))).split()
        ends = list(itertools.accumulate(map(len, tokens)))
        starts = [0, *ends[:-1]]
        return "".join(tokens), frozenset(starts), frozenset(ends)

    def contains(self, quote: str) -> bool:
        """Whether every part of ``quote`` appears, in order (see the module docstring)."""
        found = self._found.get(quote)
        if found is None:
            found = self._found[quote] = self._contains(quote)
        return found

    def _contains(self, quote: str) -> bool:
        whole = normalize(quote)
        if not whole:
            return _raw_contains(self.text, quote)
        if f" {whole} " in self.words:
            return True
        parts = quote_parts(quote)
        if not parts:  # only gaps and insertions: nothing was quoted
            return False
        return self._in_order(parts) or self._in_order_compact(parts)

    def _in_order(self, parts: list[str]) -> bool:
        position = 0
        for part in parts:
            found = self.words.find(f" {part} ", position)
            if found < 0:
                return False
            position = found + len(part) + 1
        return True

    def _in_order_compact(self, parts: list[str]) -> bool:
        compact, starts, ends = self._compact
        position = 0
        for part in parts:
            words = part.split()
            needle = "".join(words)
            # where the quote has a word boundary, the source must have one too ("the rapist"
            # is not "therapist"); the source may have more (PDF-split words)
            boundaries = [0, *itertools.accumulate(map(len, words[:-1]))]
            found = compact.find(needle, position)
            while found >= 0 and not (
                found + len(needle) in ends and all(found + b in starts for b in boundaries)
            ):
                found = compact.find(needle, found + 1)
            if found < 0:
                return False
            position = found + len(needle)
        return True

    def match(self, quote: str) -> QuoteMatch:
        """Look for ``quote``; when it is absent, find the closest passage."""
        if self.contains(quote):
            return QuoteMatch(True)
        pieces = [p for p in _GAP.split(quote) if normalize(p)]
        out_of_order = len(pieces) > 1 and all(self.contains(piece) for piece in pieces)
        similarity, passage = closest_passage(self.text, quote)
        return QuoteMatch(False, similarity, passage, out_of_order)


def _raw_contains(text: str, quote: str) -> bool:
    def fold(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).casefold().split())

    return bool(quote.strip()) and fold(quote) in fold(text)


def closest_passage(text: str, quote: str) -> tuple[float, str | None]:
    """The passage of ``text`` most like ``quote`` (as written in ``text``) and its similarity.

    The text is cut into windows of about the quote's length at whitespace; the best window
    is then widened or narrowed a few words at a time while that makes it closer.
    """
    from rapidfuzz import fuzz, process  # only for quotes not found as written: milliseconds of start-up

    chunks = text.split()
    target = normalize(" ".join(quote_parts(quote)) or quote)
    if not chunks or not target:
        return 0.0, None
    words = [normalize(chunk) for chunk in chunks]
    size = max(1, len(quote.split()))
    step = max(1, size // 3)
    starts = range(0, max(1, len(chunks) - size + 1), step)
    windows = [" ".join(words[s : s + size]) for s in starts]
    _, _, best = process.extractOne(target, windows, scorer=fuzz.ratio)
    start, end = starts[best], min(len(chunks), starts[best] + size)
    score = fuzz.ratio(target, " ".join(words[start:end]))
    improved = True
    while improved:
        improved = False
        for new_start, new_end in (
            (start - 1, end), (start + 1, end), (start, end + 1), (start, end - 1),
            (start - 1, end - 1), (start + 1, end + 1),
        ):
            if 0 <= new_start < new_end <= len(chunks):
                candidate = fuzz.ratio(target, " ".join(words[new_start:new_end]))
                if candidate > score:
                    start, end, score, improved = new_start, new_end, candidate, True
    return round(score / 100, 3), " ".join(chunks[start:end])
