"""The optional writer: a language model behind an OpenAI-compatible chat-completions endpoint
(``DMKB_LLM_URL``, e.g. a local llama.cpp or vLLM server) writes the report's prose from the
verified passages only.

Nothing leaves the machine unless ``DMKB_LLM_URL`` is set. Every sentence the model writes must
cite passage keys; a sentence is kept only when it cites at least one key and every key it cites
is one of the passages it was given (each verified in its source). When the endpoint is down,
slow or answers nonsense, the offline report stands, with a note saying why.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import httpx

from dmkb.bounded_http import TooLarge, TooLate, read_bounded
from dmkb.research.query import Query
from dmkb.research.report import Evidence, Report, Section, Statement

DEFAULT_TIMEOUT = 60.0  # seconds for the whole answer, however slowly it comes
MAX_ANSWER = 4 * 2**20  # bytes: a report is a few pages; more is not an answer
_SYSTEM = (
    "You write short literature reports for disease researchers. Use only the passages given; never add "
    "facts of your own. After every sentence, give in parentheses the keys of the passages that support it, "
    "for example (smith2020example) or (smith2020example, lee2019other). Group sentences under a few "
    "markdown headings ('## Heading'). Write nothing else: no preamble, no reference list."
)
# a parenthesised group of citation keys, e.g. "(tang2017aggressive, dufva2018aggressive pages 1-2)"
_GROUP = re.compile(r"\(([^()]*)\)")
_KEY = re.compile(r"^[a-z][a-z0-9]*\d{4}[a-z0-9]*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"“])|(?<=\))\s+(?=[A-Z])")


@dataclass(frozen=True)
class Writer:
    """A chat-completions endpoint and the model to ask."""

    url: str
    model: str
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = MAX_ANSWER

    @classmethod
    def from_settings(cls) -> Writer | None:
        """The writer ``DMKB_LLM_URL`` configures, or ``None`` when it is not set."""
        url = os.environ.get("DMKB_LLM_URL", "").strip()
        if not url:
            return None
        try:
            timeout = float(os.environ.get("DMKB_LLM_TIMEOUT") or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return cls(url.rstrip("/"), os.environ.get("DMKB_LLM_MODEL", "").strip() or "default",
                   os.environ.get("DMKB_LLM_API_KEY") or None, timeout)

    def rewrite(self, question: str, query: Query, report: Report, evidence: list[Evidence],
                engine: dict[str, Any]) -> tuple[Report, dict[str, Any], list[str]]:
        """The report with the model's verified sentences, the engine's description and notes; the
        offline report (and a note) when the model cannot be used."""
        try:
            content = self._complete(question, query, evidence)
        except WriterError as exc:
            return report, engine, [f"the writer at {self.url} was not used ({exc}); the report is the offline one"]
        sections, kept, dropped = parse_written(content, {e.key for e in evidence} | {k for e in evidence
                                                                                         for k in e.also})
        if not kept:
            return report, engine, [f"the writer at {self.url} wrote no sentence citing the passages it was given "
                                    f"({dropped} dropped); the report is the offline one"]
        short_answer = [s for s in report.sections if s.title == "Short answer"]
        written = Report(report.title, report.table, short_answer + sections, [])
        cited = {k for s in written.statements() for k in s.citations} | {k for r in written.table for k in r.citations}
        written.references = [r for r in report.references if r.key in cited]
        notes = [f"the writer dropped {dropped} sentence(s) that cited no passage or a passage it was not given"] \
            if dropped else []
        return written, {**engine, "mode": "writer", "model": self.model, "kept": kept, "dropped": dropped}, notes

    def _complete(self, question: str, query: Query, evidence: list[Evidence]) -> str:
        passages = "\n".join(f"[{e.key}] {e.quote}" for e in evidence)
        disorder = f" The question is about {query.disorder.name}." if query.disorder else ""
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": _SYSTEM},
                             {"role": "user", "content": f"Question: {question}{disorder}\n\nPassages:\n{passages}"}]}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                response = read_bounded(client, "POST", f"{self.url}/chat/completions", json=body, headers=headers,
                                        deadline=self.timeout, max_bytes=self.max_bytes)
        except (httpx.TimeoutException, TooLate):
            raise WriterError(f"no whole answer within {self.timeout:g} s") from None
        except TooLarge as exc:
            raise WriterError(f"its answer is {exc}") from None
        except httpx.HTTPError as exc:
            raise WriterError(f"cannot reach it: {exc}") from None
        if response.status_code != 200:
            raise WriterError(f"it answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            raise WriterError("its answer is not a chat completion") from None
        if not isinstance(content, str) or not content.strip():
            raise WriterError("its answer is empty")
        return content


class WriterError(Exception):
    """The writer could not be used; the message says why."""


def parse_written(content: str, keys: set[str]) -> tuple[list[Section], int, int]:
    """The model's text as sections of cited statements, with how many sentences were kept and dropped.

    A sentence is kept when it cites at least one key and every key it cites is in ``keys``.
    """
    sections: list[Section] = []
    title, statements = "Findings", []
    kept = dropped = 0
    for block in _blocks(content):
        if block.startswith("#"):
            if statements:
                sections.append(Section(title, tuple(statements)))
            title, statements = block.lstrip("#").strip() or "Findings", []
            continue
        for sentence in _SENTENCE_END.split(block):
            text, cited = _citations(sentence)
            if not text:
                continue
            if cited and all(k in keys for k in cited):
                statements.append(Statement(text, tuple(dict.fromkeys(cited))))
                kept += 1
            else:
                dropped += 1
    if statements:
        sections.append(Section(title, tuple(statements)))
    return sections, kept, dropped


def _blocks(content: str) -> list[str]:
    """Headings and paragraphs (list items and lines joined), without markdown emphasis."""
    out: list[str] = []
    for line in content.replace("\r", "").split("\n"):
        line = line.strip().lstrip("-*•").strip() if not line.strip().startswith("#") else line.strip()
        if not line:
            continue
        out.append(line.replace("**", ""))
    return out


def _citations(sentence: str) -> tuple[str, list[str]]:
    """The sentence without its citation groups, and the keys they cite (``pages 1-2`` ignored)."""
    cited: list[str] = []

    def take(match: re.Match[str]) -> str:
        parts = [p.strip().split()[0] for p in re.split(r"[,;]", match.group(1)) if p.strip()]
        if parts and all(_KEY.match(p.lower()) for p in parts):
            cited.extend(p.lower() for p in parts)
            return ""
        return match.group(0)

    text = _GROUP.sub(take, sentence)
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text).strip()
    return text, cited
