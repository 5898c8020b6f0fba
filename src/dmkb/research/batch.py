"""Read a file of questions for ``dmkb ask --batch``: one JSON object a line,
``{"id", "question", "disorder"?}`` (other keys are ignored)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import LoadError
from dmkb.load.text import decode


@dataclass(frozen=True)
class BatchQuestion:
    line: int
    id: str
    question: str
    disorder: str | None


def read_questions(path: Path) -> list[BatchQuestion]:
    """Every question of ``path``; blank lines are skipped.

    :raises LoadError: naming the file and line of the first line that is not a question.
    """
    try:
        text = decode(path.read_bytes())[0]
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror})") from exc
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            out.append(_question(path, number, line))
    if not out:
        raise LoadError(f"{path}: no questions", 'write one JSON object a line: {"id": "q1", "question": "…"}')
    return out


def _question(path: Path, number: int, line: str) -> BatchQuestion:
    hint = 'each line is {"id": "q1", "question": "…", "disorder": "…"} (disorder optional)'
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise LoadError(f"{path}:{number}: not JSON ({exc})", hint) from exc
    if not isinstance(record, dict):
        raise LoadError(f"{path}:{number}: a JSON object was expected", hint)
    question, disorder, qid = record.get("question"), record.get("disorder"), record.get("id", number)
    if not isinstance(question, str):
        raise LoadError(f"{path}:{number}: 'question' is missing or not text", hint)
    if disorder is not None and not isinstance(disorder, str):
        raise LoadError(f"{path}:{number}: 'disorder' is not text", hint)
    if not isinstance(qid, (str, int)) or isinstance(qid, bool):
        raise LoadError(f"{path}:{number}: 'id' is not text or a number", hint)
    return BatchQuestion(number, str(qid), question, disorder or None)
