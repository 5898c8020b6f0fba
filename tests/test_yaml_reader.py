"""Reading YAML with line numbers (yaml_reader) and decoding file bytes (text)."""

from __future__ import annotations

import textwrap

import pytest

from dmkb.entry_path import format_path
from dmkb.load.text import decode
from dmkb.load.yaml_reader import read_yaml

ENTRY = textwrap.dedent(
    """\
    name: Test Leukemia
    phenotypes:
    - name: Fever
      evidence:
      - reference: PMID:1
        snippet: Fever was seen.
    - name: Hepatosplenomegaly
      evidence:
      - reference: PMID:2
        snippet: >-
          The spleen was
          enlarged.
      - reference: PMID:3
    """
)


def test_values_keep_their_lines() -> None:
    doc = read_yaml(ENTRY)
    assert doc.problems == []
    assert doc.data["phenotypes"][1]["evidence"][0]["snippet"] == "The spleen was enlarged."
    assert doc.lines[("name",)] == 1
    assert doc.lines[("phenotypes",)] == 2
    assert doc.lines[("phenotypes", 0)] == 3  # a list item: its own line
    assert doc.lines[("phenotypes", 0, "evidence", 0, "snippet")] == 6
    assert doc.lines[("phenotypes", 1)] == 7
    assert doc.lines[("phenotypes", 1, "evidence", 0, "snippet")] == 10  # folded scalar: its key's line
    assert doc.lines[("phenotypes", 1, "evidence", 1)] == 13


def test_line_of_falls_back_to_nearest_ancestor() -> None:
    doc = read_yaml(ENTRY)
    assert doc.line_of(("phenotypes", 1, "evidence", 1, "snippet")) == 13
    assert doc.line_of(("phenotypes", 1, "missing", 4)) == 7
    assert doc.line_of(("nothing",)) == 1
    assert doc.line_of(()) == 1


def test_duplicate_key_is_reported() -> None:
    doc = read_yaml("name: A\nitems:\n- id: 1\n  note: x\n  id: 2\n")
    # yaml_reader deliberately keeps the FIRST value (and reports the second)
    assert doc.data["items"][0] == {"id": 1, "note": "x"}
    [problem] = doc.problems
    assert "'id'" in problem.message and "line 3" in problem.message
    assert (problem.line, problem.column) == (5, 3)
    assert problem.path == ("items", 0, "id")
    assert problem.hint


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("a: 1\n  b: 2\n", 2, id="indented-key"),
        pytest.param("a: 1\nb:\n  - x\n - y\n", 4, id="misaligned-item"),
        pytest.param("a: 1\nb: 'unclosed\nc: 3\n", 2, id="unclosed-quote"),  # met at the end, shown where it opens
        pytest.param("a: 1\nb:\n\tc: 3\n", 3, id="tab"),
        pytest.param('a: 1\nb: "one line\n  and a bad \\U escape"\nc: 3\n', 3, id="bad-escape-in-a-quote"),
    ],
)
def test_syntax_error(text: str, line: int) -> None:
    doc = read_yaml(text)
    assert doc.data is None
    [problem] = doc.problems
    assert problem.line == line
    assert problem.hint.strip()


@pytest.mark.parametrize(("text", "path"), [
    ("name: x\ndisease_term:\n  preferred_term: y\n   term:\n    id: MONDO:1\n", ("disease_term",)),
    ("phenotypes:\n- name: a\n  evidence:\n  - reference: PMID:1\n    supports: SUPPORT\n   snippet: s\n",
     ("phenotypes", 0)),
    ("a: 1\n  b: 2\n", ()),
])
def test_a_syntax_error_names_where_in_the_entry_it_is(text: str, path: tuple) -> None:
    [problem] = read_yaml(text).problems
    assert problem.path == path


def test_tab_gets_the_tab_hint() -> None:
    [problem] = read_yaml("a: 1\nb:\n\tc: 3\n").problems
    assert "tab" in problem.hint


def test_keys_stay_strings() -> None:
    assert read_yaml("on: x\nyes: y\n1: z\nno: n\n").data == {"on": "x", "yes": "y", "1": "z", "no": "n"}


def test_scalars() -> None:
    doc = read_yaml(
        "creation_date: 2026-05-11\nat: 2001-12-14 21:59:43.10\n"
        "i: 3\nf: 1.5\nb: true\nn: null\nt: ~\ne:\ns: '3'\n"
    )
    assert doc.data == {
        "creation_date": "2026-05-11",
        "at": "2001-12-14 21:59:43.10",
        "i": 3,
        "f": 1.5,
        "b": True,
        "n": None,
        "t": None,
        "e": None,
        "s": "3",
    }


def test_explicit_tag_is_not_constructed_and_is_reported() -> None:
    doc = read_yaml("a: 1\ncmd: !!python/object:os.system x\n")
    assert doc.data == {"a": 1, "cmd": "x"}
    [problem] = doc.problems
    assert "python/object" in problem.message
    assert (problem.line, problem.path) == (2, ("cmd",))


def test_explicit_tag_on_a_collection_is_reported() -> None:
    doc = read_yaml("cmd: !!python/object/apply:os.system ['echo hi']\n")
    assert doc.problems


def test_format_path() -> None:
    assert format_path(("phenotypes", 3, "evidence", 1, "snippet")) == "phenotypes[3].evidence[1].snippet"
    assert format_path(()) == ""
    assert format_path((0, "name")) == "[0].name"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5000, id="5000-unclosed"),
        pytest.param("[" * 5000 + "]" * 5000, id="5000-lists"),
        pytest.param("[" * 999 + "]" * 999, id="999-lists"),
        pytest.param("{a: " * 500 + "1" + "}" * 500, id="500-mappings"),
    ],
)
def test_deep_nesting_does_not_raise(text: str) -> None:
    doc = read_yaml(text)
    assert doc.data is not None or doc.problems


def test_decode_bom_and_line_endings() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\r\nb: 2\rc: 3\n") == ("a: 1\nb: 2\nc: 3\n", None)


def test_decode_reports_invalid_utf8() -> None:
    text, problem = decode(b"a: 1\r\nb: caf\xe9 au lait\n")
    assert text == "a: 1\nb: caf\ufffd au lait\n"
    assert problem is not None
    assert (problem.line, problem.column) == (2, 7)
    assert "0xe9" in problem.message


def test_decode_invalid_utf8_line_with_cr_endings() -> None:
    _, problem = decode(b"a: 1\rb: caf\xe9\r")
    assert problem is not None and (problem.line, problem.column) == (2, 7)
