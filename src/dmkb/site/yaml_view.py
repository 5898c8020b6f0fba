"""An entry's YAML as its page shows it: cut at its top-level fields, each block foldable, every line
numbered and highlighted (keys, quoted strings, block markers, comments). Every text is escaped here."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from markupsafe import Markup

OPEN_UP_TO = 12  # lines: shorter blocks are shown unfolded

_COMMENT = re.compile(r"^(\s*)(#.*)$")
_KEYED = re.compile(r"""^(\s*)((?:-\s+)*)("[^"]*"|'[^']*'|[^\s#'"-][^:#]*?|-[^\s:#][^:#]*?)(:)(?=\s|$)(.*)$""")
_ITEM = re.compile(r"^(\s*)((?:-\s+)+|-$)(.*)$")
_TOP_KEY = re.compile(r"^([^\s#:-][^:#]*):(\s|$)")
_SPECIAL = re.compile(r"[&<>'\"]")
_SCALAR = re.compile(r"^(\s*)([>|][-+]?\d?|\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'"
                     r"|-?\d+(?:\.\d+)?|true|false|null|~)(\s*(?:#.*)?)$")


@dataclass(frozen=True)
class YamlBlock:
    """The lines of one top-level field (or the lines before the first)."""

    key: str
    first_line: int
    last_line: int
    html: Markup
    open: bool


def yaml_blocks(text: str, linked: Collection[int] = ()) -> list[YamlBlock]:
    """The YAML ``text`` cut before each top-level key, highlighted; the ``linked`` lines (those the
    curation checks name) carry an id, ``yaml-L12``."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _TOP_KEY.match(line)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    spans: list[tuple[list[str], int, int]] = []  # (keys, first index, end index)
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        key = _TOP_KEY.match(lines[start])
        keys = [key.group(1)] if key else []
        if spans and end - spans[-1][1] <= OPEN_UP_TO:  # short fields share one block
            spans[-1] = (spans[-1][0] + keys, spans[-1][1], end)
        else:
            spans.append((keys, start, end))
    return [YamlBlock(" · ".join(keys), start + 1, end,
                      Markup("".join(_line(n, lines[n - 1], n in linked) for n in range(start + 1, end + 1))),
                      end - start <= OPEN_UP_TO)
            for keys, start, end in spans if end > start]


# plain strings, each piece escaped where it is put in (Markup.format costs ten times more)
def _line(number: int, line: str, linked: bool) -> str:
    at = f' id="yaml-L{number}"' if linked else ""
    return f'<span class="yl"{at}><span class="ln">{number}</span>{_tokens(line)}\n</span>'


def _tokens(line: str) -> str:
    found = _COMMENT.match(line)
    if found:
        return f'{_e(found.group(1))}<span class="yc">{_e(found.group(2))}</span>'
    found = _KEYED.match(line)
    if found:
        indent, dashes, key, colon, rest = found.groups()
        return f'{_e(indent)}{_dashes(dashes)}<span class="yk">{_e(key)}</span>{_e(colon)}{_value(rest)}'
    found = _ITEM.match(line)
    if found:
        indent, dashes, rest = found.groups()
        return f"{_e(indent)}{_dashes(dashes)}{_value(rest)}"
    return _e(line)


def _dashes(dashes: str) -> str:
    return f'<span class="yd">{_e(dashes)}</span>' if dashes else ""


def _value(text: str) -> str:
    found = _SCALAR.match(text)
    if not found:
        return _e(text)
    space, value, tail = found.groups()
    kind = "yb" if value[:1] in ">|" else "ys" if value[:1] in "\"'" else "yn"
    return f'{_e(space)}<span class="{kind}">{_e(value)}</span>{_e(tail)}'


def _e(text: str) -> str:
    """``text`` escaped as :func:`markupsafe.escape` does it, without making a Markup of every piece."""
    if not _SPECIAL.search(text):
        return text
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")
