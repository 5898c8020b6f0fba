"""The text report: plain where Rich would draw no colour, character for character what Rich writes."""

from __future__ import annotations

import io

import pytest
from conftest import ENTRY, TinyKb
from rich.console import Console
from rich.text import Text

from dmkb.report.text_report import _lines, render_text
from dmkb.validate import validate


@pytest.mark.parametrize("show_info", [False, True])
def test_plain_text_is_what_rich_writes_without_colour(tiny_kb: TinyKb, show_info: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_kb.write_entry(ENTRY.replace("  downstream:\n", "  downstrem:\n").replace("label: Hepatosplenomegaly",
                                                                                 "label: Fever"))
    report = validate([tiny_kb.root])
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    plain = io.StringIO()
    render_text(report, plain, show_info=show_info, seconds=0.5)
    drawn = io.StringIO()
    console = Console(file=drawn, soft_wrap=True)
    for line in _lines(report, show_info, 0.5):
        console.print(Text.assemble(*line))
    assert plain.getvalue() == drawn.getvalue()
    assert "hint: did you mean 'downstream'?" in plain.getvalue() and "\x1b[" not in plain.getvalue()


def test_colours_when_forced(tiny_kb: TinyKb, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_kb.write_entry(ENTRY.replace("  downstream:\n", "  downstrem:\n"))
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    render_text(validate([tiny_kb.root]), out, show_info=False, seconds=0.5)
    assert "\x1b[1;31merror" in out.getvalue()
