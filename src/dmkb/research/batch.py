"""Read a file of questions for ``dmkb ask --batch``: one JSON object a line,
``{"id", "question", "disorder"?}`` (other keys are ignored)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import LoadError
from dmkb.fs import read_regular

MAX_BATCH = 16 * 2**20  # bytes: thousands of questions; a larger file is not a list of questions
HINT = 'each line is {"id": "q1", "question": "…", "disorder": "…"} (disorder optional)'


@dataclass(frozen=True)
class BatchQuestion:
    line: int
    id: str
    question: str
    disorder: str | None


@dataclass(frozen=True)
class BadLine:
    """A line that is not a question: answered with its error, the batch goes on."""

    line: int
    id: str
    error: str  # names the file and the line

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "line": self.line, "error": self.error}


def read_questions(path: Path) -> list[BatchQuestion | BadLine]:
    """Every line of ``path`` but blank ones, as a question or what is wrong with it.

    :raises LoadError: when the file cannot be read (missing, a folder, a FIFO, too large), or
        holds no question at all (naming the first line that is not one).
    """
    try:
        text = read_regular(path, MAX_BATCH).decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror})",
                        "give a JSON-lines file of questions" if exc.strerror != "No such file or directory"
                        else None) from exc
    out = [_question(path, number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not out:
        raise LoadError(f"{path}: no questions", 'write one JSON object a line: {"id": "q1", "question": "…"}')
    if all(isinstance(item, BadLine) for item in out):
        raise LoadError(out[0].error, HINT)
    return out


def _question(path: Path, number: int, line: str) -> BatchQuestion | BadLine:
    try:
        record = json.loads(line)
    except ValueError as exc:
        return BadLine(number, str(number), f"{path}:{number}: not JSON ({exc})")
    if not isinstance(record, dict):
        return BadLine(number, str(number), f"{path}:{number}: a JSON object was expected")
    question, disorder, qid = record.get("question"), record.get("disorder"), record.get("id", number)
    if not isinstance(qid, (str, int)) or isinstance(qid, bool):
        return BadLine(number, str(number), f"{path}:{number}: 'id' is not text or a number")
    if not isinstance(question, str):
        return BadLine(number, str(qid), f"{path}:{number}: 'question' is missing or not text")
    if disorder is not None and not isinstance(disorder, str):
        return BadLine(number, str(qid), f"{path}:{number}: 'disorder' is not text")
    return BatchQuestion(number, str(qid), question, disorder or None)
