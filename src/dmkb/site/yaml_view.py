"""An entry's YAML as its page shows it: cut at its top-level fields, each block foldable, every line
numbered and highlighted (keys, quoted strings, block markers, comments). Every text is escaped here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

OPEN_UP_TO = 12  # lines: shorter blocks are shown unfolded

_COMMENT = re.compile(r"^(\s*)(#.*)$")
_KEYED = re.compile(r"""^(\s*)((?:-\s+)*)("[^"]*"|'[^']*'|[^\s#'"-][^:#]*?|-[^\s:#][^:#]*?)(:)(?=\s|$)(.*)$""")
_ITEM = re.compile(r"^(\s*)((?:-\s+)+|-$)(.*)$")
_TOP_KEY = re.compile(r"^([^\s#:-][^:#]*):(\s|$)")
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


def yaml_blocks(text: str) -> list[YamlBlock]:
    """The YAML ``text`` cut before each top-level key, highlighted."""
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
                      Markup("").join(_line(n, lines[n - 1]) for n in range(start + 1, end + 1)),
                      end - start <= OPEN_UP_TO)
            for keys, start, end in spans if end > start]


def _line(number: int, line: str) -> Markup:
    return Markup('<span class="yl"><span class="ln">{}</span>{}\n</span>').format(number, _tokens(line))


def _tokens(line: str) -> Markup:
    found = _COMMENT.match(line)
    if found:
        return Markup('{}<span class="yc">{}</span>').format(found.group(1), found.group(2))
    found = _KEYED.match(line)
    if found:
        indent, dashes, key, colon, rest = found.groups()
        return Markup('{}{}<span class="yk">{}</span>{}{}').format(indent, _dashes(dashes), key, colon, _value(rest))
    found = _ITEM.match(line)
    if found:
        indent, dashes, rest = found.groups()
        return Markup("{}{}{}").format(indent, _dashes(dashes), _value(rest))
    return escape(line)


def _dashes(dashes: str) -> Markup:
    return Markup('<span class="yd">{}</span>').format(dashes) if dashes else Markup("")


def _value(text: str) -> Markup:
    found = _SCALAR.match(text)
    if not found:
        return escape(text)
    space, value, tail = found.groups()
    kind = "yb" if value[:1] in ">|" else "ys" if value[:1] in "\"'" else "yn"
    return Markup('{}<span class="{}">{}</span>{}').format(space, kind, value, tail)
