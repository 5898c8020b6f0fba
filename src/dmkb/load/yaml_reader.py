"""Read a YAML document into plain Python values, keeping the line of every value.

PyYAML's C composer builds the node tree (fast, with line marks); we convert nodes to values
ourselves so that nothing is lost on the way: duplicate keys are reported instead of silently
overwritten, keys stay text (``on:`` is not ``True``), and dates stay as they were written.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from dmkb.entry_path import Path

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_SCALAR_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}


@dataclass(frozen=True)
class YamlProblem:
    """Something wrong with the YAML itself (not with what it says)."""

    line: int
    column: int
    path: Path
    message: str
    hint: str


@dataclass
class YamlDocument:
    """The values of one YAML document and the 1-based line where each value is written.

    ``data`` is ``None`` when the text could not be parsed (see ``problems``).
    ``lines`` maps a path such as ``("phenotypes", 3, "name")`` to the line of its key
    (for mapping entries) or of the item itself (for list items).
    """

    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return self.lines.get((), 1)


def read_yaml(text: str) -> YamlDocument:
    """Parse ``text`` (one YAML document) into values with lines; never raises on bad input."""
    doc = YamlDocument()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(_syntax_problem(exc, text))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(YamlProblem(1, 1, (), f"YAML error: {exc}", _DEFAULT_HINT))
        return doc
    except RecursionError:
        doc.problems.append(
            YamlProblem(1, 1, (), "the YAML is nested too deeply to read", "flatten the structure")
        )
        return doc
    if root is None:
        return doc
    doc.lines[()] = root.start_mark.line + 1
    try:
        doc.data = _Converter(doc).value(root, ())
    except RecursionError:
        doc.problems.append(
            YamlProblem(1, 1, (), "the YAML is nested too deeply to read", "flatten the structure")
        )
        doc.data = None
    return doc


class _Converter:
    """Turns composed nodes into values, recording lines and problems in ``doc``."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used

    def value(self, node: yaml.Node, path: Path) -> Any:
        if isinstance(node, yaml.CollectionNode):
            # an alias makes the composer hand out the same node again; refusing repeats keeps
            # self-referencing and exponentially expanding documents harmless
            if id(node) in self.seen:
                self.problem(node, path, "anchors and aliases (&name, *name) are not supported here",
                             "write the values out in full")
                return None
            self.seen.add(id(node))
            if node.tag not in _COLLECTION_TAGS:
                self.problem(node, path, f"unsupported YAML tag {node.tag}", "remove the tag; values are plain data")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                item_path = (*path, index)
                self.doc.lines[item_path] = item.start_mark.line + 1
                items.append(self.value(item, item_path))
            return items
        return self.mapping(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, path, "a mapping key must be plain text", "write the key as a word")
                continue
            key = key_node.value
            key_path = (*path, key)
            if key in result:
                # keep the first value: other YAML readers silently keep this later one
                first = self.doc.lines[key_path]
                self.problem(
                    key_node,
                    key_path,
                    f"duplicate key '{key}' (first at line {first}); dmkb reads the first value, "
                    "other YAML readers silently keep the later one",
                    "keep one of the two and merge their contents",
                )
                continue
            self.doc.lines[key_path] = line
            result[key] = self.value(value_node, key_path)
        return result

    def scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag == _NULL:
            return None
        if tag in _SCALAR_TAGS:
            try:
                return self.constructor.construct_object(node)
            except ValueError:  # an integer beyond Python's limit on digits converted from text
                limit = sys.get_int_max_str_digits()
                self.problem(node, path, f"an integer of more than {limit} digits cannot be read",
                             "shorten it, or quote it if it is meant as text")
                return node.value
        # an explicit tag (e.g. !!python/object): never constructed, kept as text
        self.problem(node, path, f"unsupported YAML tag {tag}", "remove the tag; values are plain text")
        return node.value

    def problem(self, node: yaml.Node, path: Path, message: str, hint: str) -> None:
        mark = node.start_mark
        self.doc.problems.append(YamlProblem(mark.line + 1, mark.column + 1, path, message, hint))


_DEFAULT_HINT = "check the YAML syntax on this line and the one before it"

_HINTS = (
    ("mapping values are not allowed", "quote the value if it contains ': ', or check this line's indentation"),
    ("could not find expected ':'", "each line of a mapping needs 'key: value'; check the indentation"),
    ("did not find expected key", "this line is not aligned with the keys around it; check its indentation"),
    ("expected <block end>", "this line is not aligned with the lines around it; check its indentation"),
    ("did not find expected '-'", "list items must start with '- ' at the same indentation"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("found unknown escape character", "in double quotes a backslash starts an escape; use single quotes"),
    ("but found another document", "a disorder file holds one document; remove the extra '---'"),
    ("found undefined alias", "an '*alias' names no '&anchor'; quote the value if '*' is meant literally"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark and "quoted scalar" in (exc.context or "") and "end of stream" in (exc.problem or ""):
        mark = exc.context_mark  # an unclosed quote is met at the end of the file: show where it opens
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    problem = exc.problem or "invalid YAML"
    message = f"{exc.context}: {problem}" if exc.context else problem
    described = message + " " + (exc.problem or "")
    hint = next((h for needle, h in _HINTS if needle in described), _DEFAULT_HINT)
    if "\t" in _line_text(text, line):
        hint = "YAML does not allow tabs for indentation; use spaces"
    return YamlProblem(line, column, _path_at_error(text), f"YAML syntax error: {message}", hint)


def _path_at_error(text: str) -> Path:
    """Where in the document the parser was when it met the error: the keys and list indexes of
    the collections open at that point (read again from the parser's events, only on errors)."""
    frames: list[list] = []  # ["map", key or None, whether a value is awaited] or ["seq", index]

    def value_done() -> None:
        if frames and frames[-1][0] == "map":
            frames[-1][2] = False
        elif frames:
            frames[-1][1] += 1

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                frames.append(["map", None, False] if isinstance(event, yaml.MappingStartEvent) else ["seq", 0])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frames.pop()
                value_done()
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                top = frames[-1] if frames else None
                if top and top[0] == "map" and not top[2]:
                    top[1], top[2] = getattr(event, "value", None), True  # a key: its value comes next
                else:
                    value_done()
    except (yaml.YAMLError, RecursionError):
        pass
    path: list[str | int] = []
    for frame in frames:
        if frame[0] == "seq":
            path.append(frame[1])
        elif frame[1] is not None and frame[2]:
            path.append(frame[1])
        else:
            break  # between two keys of this mapping: the error is in the mapping itself
    return tuple(path)


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n", line)
    return lines[line - 1] if 0 < line <= len(lines) else ""
