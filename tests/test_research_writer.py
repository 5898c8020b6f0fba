"""The optional writer against a local fake chat-completions server with recorded answers: the
verification rule (a fabricated citation, a sentence citing nothing), and every way it can fail."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hostile_http import drip_body, endless_body
from research_helpers import JAK_STAT, copy_example, dmkb_in_process

from dmkb.research.ask import ask, open_library
from dmkb.research.writer import Writer, parse_written

RECORDED = Path(__file__).parent / "fixtures" / "research"


class ChatServer:
    """Answers POST /v1/chat/completions with one recorded reply (status, body, delay); logs requests."""

    def __init__(self) -> None:
        self.reply: tuple[int, bytes, float] = (200, b"{}", 0.0)
        self.hostile: str | None = None  # "drip": a byte every 50 ms; "endless": chunks without end
        self.requests: list[tuple[dict[str, str], dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append((dict(self.headers), json.loads(body or b"{}")))
                if server.hostile:
                    self._hostile(server.hostile)
                    return
                status, payload, delay = server.reply
                time.sleep(delay)
                try:
                    self.send_response(404 if self.path != "/v1/chat/completions" else status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it was meant to

            def _hostile(self, kind: str) -> None:
                (drip_body if kind == "drip" else endless_body)(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def answer(self, name: str, status: int = 200, delay: float = 0.0) -> None:
        self.reply = (status, (RECORDED / name).read_bytes(), delay)


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def library(tmp_path: Path):
    opened = open_library(copy_example(tmp_path))
    yield opened
    opened.close()


@pytest.fixture
def configured(chat: ChatServer, monkeypatch: pytest.MonkeyPatch) -> ChatServer:
    monkeypatch.setenv("DMKB_LLM_URL", chat.url)
    monkeypatch.setenv("DMKB_LLM_MODEL", "local-model")
    monkeypatch.setenv("DMKB_LLM_API_KEY", "secret-key")
    monkeypatch.setenv("DMKB_LLM_TIMEOUT", "1")
    return chat


def test_only_sentences_citing_given_passages_are_kept(configured: ChatServer, library) -> None:
    configured.answer("chat_jak_stat.json")
    answer = ask(library, JAK_STAT, writer=Writer.from_settings())
    assert answer.engine["mode"] == "writer" and answer.engine["model"] == "local-model"
    assert (answer.engine["kept"], answer.engine["dropped"]) == (3, 2)
    texts = [s.text for s in answer.report.statements()]
    assert not any("vitamin C" in t or "promising treatment" in t for t in texts)
    assert "Recurrent lesions activate the JAK-STAT pathway in ANKL." in texts
    keys = {r.key for r in answer.report.references}
    assert all(k in keys for s in answer.report.statements() for k in s.citations)
    assert [s.title for s in answer.report.sections] == ["Short answer", "JAK-STAT signalling", "Other lesions"]
    assert any("dropped 2 sentence" in note for note in answer.notes)
    headers, body = configured.requests[0]
    assert headers["Authorization"] == "Bearer secret-key" and body["model"] == "local-model"
    sent = body["messages"][-1]["content"]
    assert all(f"[{e.key}] {e.quote}" in sent for e in answer.evidence[:5])  # the verified passages, keyed


@pytest.mark.parametrize(("reply", "note"), [
    (("chat_jak_stat.json", 500, 0.0), "it answered HTTP 500"),
    (("chat_jak_stat.json", 200, 2.0), "no whole answer within 1 s"),
    (("README.md", 200, 0.0), "its answer is not a chat completion"),
    (("chat_uncited.json", 200, 0.0), "wrote no sentence citing the passages"),
])
def test_a_failing_writer_leaves_the_offline_report_with_a_note(configured: ChatServer, library, reply, note) -> None:
    configured.answer(*reply)
    answer = ask(library, JAK_STAT, writer=Writer.from_settings())
    assert answer.engine["mode"] == "offline"
    assert any(note in n and "offline" in n for n in answer.notes), answer.notes
    assert answer.report.statements() and all(s.citations for s in answer.report.statements())


@pytest.mark.parametrize(("hostile", "note"), [
    ("drip", "no whole answer within 1 s"),
    ("endless", "its answer is larger than 4 MiB"),
])
def test_a_writer_answering_forever_is_given_up_in_time(configured: ChatServer, library, hostile, note) -> None:
    configured.hostile = hostile
    started = time.monotonic()
    answer = ask(library, JAK_STAT, writer=Writer.from_settings())
    assert time.monotonic() - started < 5
    assert answer.engine["mode"] == "offline"
    assert any(note in n for n in answer.notes), answer.notes


def test_a_writer_that_cannot_be_reached_leaves_the_offline_report(monkeypatch, library) -> None:
    monkeypatch.setenv("DMKB_LLM_URL", "http://127.0.0.1:9/v1")  # the discard port: nothing listens
    answer = ask(library, JAK_STAT, writer=Writer.from_settings())
    assert answer.engine["mode"] == "offline" and any("cannot reach it" in n for n in answer.notes)


def test_nothing_is_sent_unless_the_url_is_set(chat: ChatServer, monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.delenv("DMKB_LLM_URL", raising=False)
    chat.answer("chat_jak_stat.json")
    assert Writer.from_settings() is None
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", copy_example(tmp_path), "--format", "json")
    assert json.loads(result.stdout)["engine"]["mode"] == "offline" and chat.requests == []


def test_the_cli_uses_the_writer_when_configured(configured: ChatServer, capsys, tmp_path: Path) -> None:
    configured.answer("chat_jak_stat.json")
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", copy_example(tmp_path), "--format", "markdown")
    assert result.code == 0, result.stderr
    assert "Written by local-model" in result.stdout and "vitamin C" not in result.stdout


def test_parse_written_reads_citation_groups() -> None:
    keys = {"tang2017aggressive", "dufva2018aggressive"}
    sections, kept, dropped = parse_written(
        "Intro without heading (tang2017aggressive pages 1-2). A claim (ANKL) citing nothing.\n"
        "## Next\n* A bullet (dufva2018aggressive; tang2017aggressive).\nMixed (tang2017aggressive, x2020unknown).",
        keys)
    assert (kept, dropped) == (2, 2)
    assert [(s.title, [st.text for st in s.statements]) for s in sections] == [
        ("Findings", ["Intro without heading."]), ("Next", ["A bullet."])]
    assert sections[1].statements[0].citations == ("dufva2018aggressive", "tang2017aggressive")
