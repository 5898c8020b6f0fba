"""Decode file bytes into text: UTF-8 with or without a BOM, any line endings."""

from __future__ import annotations

from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DecodeProblem:
    """Where the bytes stop being UTF-8."""

    line: int
    column: int
    message: str
    hint: str


def decode(raw: bytes) -> tuple[str, DecodeProblem | None]:
    """Decode ``raw`` as UTF-8, dropping a BOM and normalising CRLF and CR to LF.

    Undecodable bytes are replaced (so the rest of the file can still be read) and the
    first one is reported with its line and column.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    problem = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        problem = DecodeProblem(
            line,
            column,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8",
        )
        text = raw.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problem
