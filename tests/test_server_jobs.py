"""The research-question service of dmkb serve, over HTTP against the real server: upstream's shape,
its limits, pages of another site, 20 clients at once, and a restart in the middle of the work."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from lxml import html as lxml_html
from site_helpers import serve_in_thread

from dmkb.errors import UsageError
from dmkb.pipeline.build import build_site
from dmkb.research.ask import library_dir
from dmkb.research.job_answer import STEPS, make_runner
from dmkb.research.jobs import JobQueue, JobStore
from dmkb.site.policy import content_security_policy

sys.path.insert(0, str(REPO / "benchmarks"))
from research_jobs import (  # noqa: E402
    ANKL,
    example_with_copies,
    free_port,
    run_clients,
    start_server,
    stop_server,
)

QUESTION = "What drives JAK-STAT activation in aggressive NK-cell leukemia?"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example with four copies of its entry (five disorders), and its site."""
    folder = tmp_path_factory.mktemp("jobs")
    root = example_with_copies(folder / "kb", 4)
    build_site([root], folder / "site")
    return root, folder / "site"


@contextlib.contextmanager
def serving(built: tuple[Path, Path], jobs_path: Path, *, start: bool = True) -> Iterator[str]:
    root, out = built
    queue = JobQueue(JobStore(jobs_path), make_runner(root, out / "kb.sqlite"), workers=2, steps=STEPS)
    if start:
        queue.start()
    try:
        with serve_in_thread(out, jobs=queue) as (port, _):
            yield f"http://127.0.0.1:{port}"
    finally:
        queue.stop()
        queue.store.close()


def ask(base: str, question: str = QUESTION, slug: str = ANKL, **headers: str) -> httpx.Response:
    return httpx.post(f"{base}/api/jobs", json={"disease_slug": slug, "disease_name": "Aggressive NK-cell Leukemia",
                                                "mondo_id": "MONDO:0019470", "question": question},
                      headers=headers, timeout=30)


def test_a_question_is_answered_in_the_shape_of_upstreams_service(built, tmp_path: Path) -> None:
    with serving(built, tmp_path / "jobs.sqlite") as base:
        asked = ask(base)
        assert asked.status_code == 202
        body = asked.json()
        assert set(body) == {"job_id", "view_url", "status"} and body["view_url"] == f"/jobs/{body['job_id']}"
        job = body["job_id"]
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status = client.get(f"/api/jobs/{job}/status").json()
                if status["status"] == "completed":
                    break
                time.sleep(0.1)
            assert {"status", "current_iteration", "max_iterations", "error_message"} <= set(status)
            assert (status["status"], status["current_iteration"], status["max_iterations"]) == ("completed", 3, 3)
            markdown = client.get(f"/api/jobs/{job}/report")
            assert markdown.headers["content-type"].startswith("text/markdown")
            assert markdown.text.startswith("---\nprovider: dmkb\n") and "## Output" in markdown.text
            assert client.get(f"/api/jobs/{job}/report", params={"format": "json"}).json()["question"] == QUESTION
            fragment = lxml_html.fromstring(client.get(f"/api/jobs/{job}/report", params={"format": "html"}).text)
            cites = fragment.xpath("//a[@class='cite']/@href")
            assert cites and {c[1:] for c in cites} <= set(fragment.xpath("//@id"))
            page = client.get(body["view_url"])
            assert page.status_code == 200 and "Answered." in page.text and 'class="cite"' in page.text
            assert ask(base).json() == {**body, "status": "completed", "reused": True}
            assert client.get("/api/jobs/nope/status").json() == {"error": "no job 'nope'"}
            assert client.get("/api/jobs/nope/status").status_code == 404
            assert client.get(f"/api/jobs/{job}/report", params={"format": "pdf"}).status_code == 400
            assert client.get("/jobs/nope").status_code == 404


def test_bad_questions_are_refused_with_a_reason(built, tmp_path: Path) -> None:
    with serving(built, tmp_path / "jobs.sqlite", start=False) as base:
        def post(content: bytes) -> httpx.Response:
            return httpx.post(f"{base}/api/jobs", content=content, headers={"content-type": "application/json"})

        assert (post(b"{nope").status_code, post(b"{nope").json()) == (400, {"error": "the request body is not JSON"})
        assert post(b'{"question": "Why?"}').json()["error"].startswith("disease_slug is missing")
        assert post(b'{"disease_slug": "x", "question": 3}').json() == {"error": "question must be text"}
        too_long = ask(base, "x" * 1001)
        assert too_long.status_code == 400 and "1,001 characters long; at most 1,000" in too_long.json()["error"]
        assert ask(base, "x" * 1000).status_code == 202
        unknown = ask(base, slug="No_Such_Disorder")
        assert unknown.status_code == 404 and "No_Such_Disorder" in unknown.json()["error"]
        large = post(b" " * 9000)
        assert (large.status_code, large.json()) == (413, {"error": "the request body is too large"})
        assert httpx.post(f"{base}/api/search", json={}).status_code == 405  # only questions are posted
        assert httpx.put(f"{base}/api/jobs", json={}).status_code == 405
        listed = httpx.get(f"{base}/api/jobs")  # the answer says how to ask and how to follow a question
        assert (listed.status_code, listed.json()) == (405, {"error": (
            "a question is asked with POST /api/jobs; its progress is read with GET /api/jobs/<id>/status, "
            "its answer with GET /api/jobs/<id>/report")})
        cancel = httpx.get(f"{base}/api/jobs/x/cancel").json()
        assert cancel == {"error": "a job is cancelled with POST /api/jobs/x/cancel"}
        assert httpx.request("OPTIONS", f"{base}/api/jobs").status_code == 405  # no other site is allowed


def test_one_question_per_disorder_a_few_per_client_and_cancelling(built, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DMKB_RESEARCH_CLIENT_JOBS", "2")
    with serving(built, tmp_path / "jobs.sqlite", start=False) as base:  # no worker: jobs wait
        first = ask(base).json()["job_id"]
        assert httpx.get(f"{base}/api/jobs/{first}/status").json()["status"] == "queued"
        busy = ask(base, "Which treatments work?")
        assert busy.status_code == 409
        assert busy.json()["existing_job_id"] == first and "another question" in busy.json()["error"]
        assert ask(base, "Which treatments work?", slug="ANKL_copy_1").status_code == 202
        many = ask(base, "Which treatments work?", slug="ANKL_copy_2")
        assert many.status_code == 429 and many.headers["retry-after"] == "5"
        unfinished = httpx.get(f"{base}/api/jobs/{first}/report")
        assert unfinished.status_code == 409 and unfinished.json()["error"].startswith("the job is queued")
        cancelled = httpx.post(f"{base}/api/jobs/{first}/cancel")
        assert cancelled.json() == {"job_id": first, "status": "cancelled"}
        assert httpx.post(f"{base}/api/jobs/nope/cancel").status_code == 404
        assert ask(base, "Which treatments work?", slug="ANKL_copy_2").status_code == 202


def test_pages_of_another_site_may_ask_when_allowed(built, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DMKB_RESEARCH_ORIGINS", "https://kb.example.org")
    with serving(built, tmp_path / "jobs.sqlite", start=False) as base:
        preflight = httpx.request("OPTIONS", f"{base}/api/jobs", headers={
            "origin": "https://kb.example.org", "access-control-request-method": "POST",
            "access-control-request-headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://kb.example.org"
        allowed = ask(base, origin="https://kb.example.org")
        assert allowed.status_code == 202 and allowed.headers["access-control-allow-origin"] == "https://kb.example.org"
        other = ask(base, "Which treatments work?", slug="ANKL_copy_1", origin="https://evil.example.org")
        assert "access-control-allow-origin" not in other.headers


def test_a_static_build_names_its_research_server_in_its_pages(built, tmp_path: Path, monkeypatch) -> None:
    root, _ = built
    monkeypatch.setenv("DMKB_RESEARCH_SERVER", "https://dmkb.example.org:8443/")
    out = tmp_path / "site"
    build_site([root], out)
    page = (out / "disorders" / f"{ANKL}.html").read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//div[@class='research-box']/@data-server") == ["https://dmkb.example.org:8443"]
    policy = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert policy.endswith("; connect-src 'self' https://dmkb.example.org:8443")
    assert "connect-src" not in (out / "index.html").read_text(encoding="utf-8")
    for bad in ("https://x.org; script-src *", "javascript:alert(1)", "ftp://x.org", "https://"):
        with pytest.raises(UsageError):
            content_security_policy(bad)


def test_twenty_clients_ask_and_poll_without_an_error(built, tmp_path: Path) -> None:
    root, _ = built
    slugs = sorted(p.stem for p in (root / "kb" / "disorders").glob("*.yaml"))
    with serving(built, tmp_path / "jobs.sqlite") as base:
        result = run_clients(base, clients=20, questions=3, slugs=slugs)
    assert result.errors == []
    assert result.answered == 60
    assert result.reused > 0  # several clients asked the same questions about the same disorders


def test_a_restart_in_the_middle_loses_no_job(built, tmp_path: Path) -> None:
    root, _ = built
    slugs = sorted(p.stem for p in (root / "kb" / "disorders").glob("*.yaml"))
    home = Path(os.environ["DMKB_HOME"])
    env = {**os.environ, "DMKB_RESEARCH_WORKERS": "1", "DMKB_RESEARCH_CLIENT_JOBS": "10",
           "PYTHONPATH": str(REPO / "src")}
    out, port = tmp_path / "site", free_port()
    base = f"http://127.0.0.1:{port}"
    jobs_db = library_dir(root) / "jobs.sqlite"
    assert jobs_db.is_relative_to(home)
    asked: list[str] = []
    # killed, then stopped as Ctrl-C stops it, each time in the middle of the work (a disorder has one
    # question in progress at a time: each round asks about disorders of its own)
    for round_, (sig, asking) in enumerate(((signal.SIGKILL, slugs[:3]), (signal.SIGTERM, slugs[3:]))):
        server = start_server(root, out, port, env)
        try:
            answers = [ask(base, "Which genes are mutated?", slug=slug) for slug in asking]
            assert [a.status_code for a in answers] == [202] * len(asking), answers[0].text
            asked += [a.json()["job_id"] for a in answers]
        finally:
            stop_server(server, sig)
        with contextlib.closing(sqlite3.connect(jobs_db)) as db:
            unfinished = db.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
        assert unfinished > 0, f"round {round_}: every job was done before the stop; nothing was tested"
    server = start_server(root, out, port, env)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            statuses = {}
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                statuses = {job: client.get(f"/api/jobs/{job}/status").json()["status"] for job in asked}
                if all(s == "completed" for s in statuses.values()):
                    break
                time.sleep(0.1)
            assert list(statuses.values()) == ["completed"] * len(asked) == ["completed"] * len(slugs)
            assert all(client.get(f"/api/jobs/{job}/report").text.startswith("---\nprovider: dmkb") for job in asked)
    finally:
        stop_server(server)
