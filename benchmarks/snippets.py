"""Count snippet false alarms on a real KB: quotes reported as not found that are in the source.

    python benchmarks/snippets.py [--kb ../shared/corpus/dismech]

Two counts:

- the KB's own snippet errors, and how many of them are possible false alarms: the quote's
  letters and digits appear in the source, in order, part by part (a check that ignores spaces,
  punctuation and symbols altogether, so it flags more than the real false alarms);
- quotes made from the KB's cached texts around every symbol that is not a word but whose
  compatibility form spells letters or digits (™ → TM, ℃ → °C, Ⅲ → III, ª → a): each passage
  quoted as written, and as a curator types it (marks such as ™ left out, other symbols spelled
  out); every quote not found is a false alarm.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_KB = REPO.parent / "shared" / "corpus" / "dismech"
MARK_SPELLINGS = {"TM", "SM", "MC", "MD", "MR", "a", "o"}  # ™ ℠ 🅪 🅫 🅬 ª º: left out when typed
WINDOW = 8  # words quoted on each side of the symbol


def is_symbol(ch: str) -> bool:
    """A character that is not a word of its own (a symbol, a number form, an ordinal indicator)
    although its compatibility form spells letters or digits."""
    if ch.isascii():
        return False
    spelled = unicodedata.normalize("NFKD", ch)
    if not any(c.isascii() and c.isalnum() for c in spelled):
        return False
    category = unicodedata.category(ch)
    return category[0] == "S" or category == "Nl" or (category == "No" and not spelled.isdigit()) or ch in "ªº"


def typed(ch: str) -> str:
    """The symbol as a curator types it: a mark left out, another spelled in ASCII."""
    spelled = unicodedata.normalize("NFKD", ch).replace("\u2044", "/")
    return "" if spelled in MARK_SPELLINGS else spelled


def symbol_quotes(text: str) -> Iterator[tuple[str, str]]:
    """``(symbol, quote)`` for each symbol in ``text``: the words around it, as written and as typed."""
    words = text.split()
    for i, word in enumerate(words):
        for ch in dict.fromkeys(c for c in word if is_symbol(c)):
            passage = words[max(0, i - WINDOW) : i + WINDOW + 1]
            written = " ".join(passage)
            yield ch, written
            yield ch, written.replace(ch, typed(ch))


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def possibly_present(source: str, quote: str) -> bool:
    """Whether the quote's letters and digits appear in the source, in order, part by part."""
    stream = _letters(source)
    position = 0
    for part in re.split(r"\.\.\.+|\u2026|\[[^\[\]]*\]", quote):
        needle = _letters(part)
        found = stream.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return True


def possible_false_alarms(kb: Path, errors: list) -> list[str]:
    """The snippet errors (findings) whose quote's letters are in the source in order, as ``file:line``."""
    from dmkb.entry_walk import evidence_items
    from dmkb.knowledge_base import open_knowledge_base

    opened = open_knowledge_base([kb])
    possible = []
    for finding in errors:
        entry = opened.read_disorder(kb / finding.file)
        item = next(item for path, item in evidence_items(entry.doc.data)
                    if finding.path.startswith(_path(path)))
        source = opened.source_text(str(item.get("reference", "")).strip())
        if source is not None and possibly_present(source.text, str(item.get("snippet", ""))):
            possible.append(f"{finding.file}:{finding.line}")
    return possible


def _path(path: tuple) -> str:
    from dmkb.entry_path import format_path

    return format_path(path) + "."


def symbol_false_alarms(kb: Path) -> tuple[int, Counter[str], list[tuple[str, str]]]:
    """Texts read, quotes made per symbol, and the quotes not found."""
    from dmkb.references.cache import ReferenceCache
    from dmkb.references.matching import SourceText

    cache = ReferenceCache(kb / "references_cache")
    names = cache.file_names()
    made: Counter[str] = Counter()
    missed = []
    for name in names:
        text = cache.read(name).text
        source = SourceText(text)
        for symbol, quote in symbol_quotes(text):
            made[symbol] += 1
            if not source.contains(quote):
                missed.append((name, quote))
    return len(names), made, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    args = parser.parse_args()
    if not (args.kb / "kb" / "disorders").is_dir():
        sys.exit(f"no KB at {args.kb}")
    from dmkb.validate import validate

    with tempfile.TemporaryDirectory() as home:
        os.environ["DMKB_HOME"] = home  # nothing remembered from earlier runs
        report = validate([args.kb], use_memo=False)
    errors = [f for f in report.findings if f.check == "snippet" and f.severity == "error"]
    possible = possible_false_alarms(args.kb, errors)
    print(f"KB: {args.kb}")
    print(f"snippet errors: {len(errors)}; possible false alarms (quoted letters found in order): {len(possible)}"
          + (f" ({', '.join(possible)})" if possible else ""))
    texts, made, missed = symbol_false_alarms(args.kb)
    symbols = " ".join(f"{s}×{n}" for s, n in made.most_common())
    print(f"symbol quotes from {texts} cached texts ({symbols}): {len(missed)} of {sum(made.values())} "
          "not found (false alarms)")
    for name, quote in missed:
        print(f"  {name}: {quote}")


if __name__ == "__main__":
    main()
