"""Research questions as background jobs: kept in SQLite, answered by a bounded pool of workers.

A job is ``queued``, then ``running``, then ``completed``, ``failed`` or ``cancelled``. Every change
of state is committed before it is acted on, so a server stopped at any moment (even killed) loses
no job: when it starts again, jobs left running are queued again and every queued job is answered.
Asking again what was answered recently, about an entry that has not changed since, gets that
answer; asking while the same question is waiting gets the waiting job. A disorder has one job in
progress at a time (another question about it is refused, naming that job, as upstream's service
does), and a client at most ``per_client`` waiting or running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError

logger = logging.getLogger(__name__)

FINAL = ("completed", "failed", "cancelled")
OPEN = ("queued", "running")
MAX_QUEUED = 1_000  # jobs waiting in all
KEEP_DAYS = 30  # finished jobs are forgotten after this

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    disease_slug TEXT NOT NULL,         -- the disorder's stem: it decides what is asked about
    disease_name TEXT,
    mondo_id TEXT,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,         -- the question folded: case and spacing do not make it another
    revision TEXT,                      -- the entry's digest when it was asked
    client TEXT NOT NULL,               -- who asked (an address)
    status TEXT NOT NULL,               -- queued | running | completed | failed | cancelled
    current_iteration INTEGER NOT NULL DEFAULT 0,
    max_iterations INTEGER NOT NULL,
    error_message TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    report TEXT,                        -- the answer as a stored report (markdown)
    content TEXT,                       -- the same, ready to render (JSON)
    answer TEXT                         -- dmkb ask's answer (JSON)
);
CREATE INDEX IF NOT EXISTS jobs_open ON jobs (status, created);
CREATE INDEX IF NOT EXISTS jobs_asked ON jobs (disease_slug, question_key, status);
"""


@dataclass(frozen=True)
class Job:
    id: str
    disease_slug: str
    disease_name: str | None
    mondo_id: str | None
    question: str
    status: str
    current_iteration: int
    max_iterations: int
    error_message: str | None
    created: float
    finished: float | None
    report: str | None
    content: dict[str, Any] | None
    answer: dict[str, Any] | None

    def status_json(self) -> dict[str, Any]:
        """The status as upstream's service gives it (with what was asked)."""
        return {"job_id": self.id, "status": self.status, "current_iteration": self.current_iteration,
                "max_iterations": self.max_iterations, "error_message": self.error_message,
                "disease_slug": self.disease_slug, "question": self.question}


@dataclass(frozen=True)
class Answered:
    """What a run gives: the report (markdown), its content ready to render, and the answer."""

    report: str
    content: dict[str, Any]
    answer: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    job_id: str
    status: str
    reused: bool  # an earlier job (waiting, or answered recently) was given instead of a new one


class JobRefused(DmkbError):
    """A question that cannot be taken now: ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str, hint: str | None = None, existing: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.existing = existing


Progress = Callable[[int], None]  # the step a run has reached
Runner = Callable[[Job, Progress], Answered]


def question_key(question: str) -> str:
    return " ".join(question.casefold().split())


class JobStore:
    """The jobs' SQLite file (WAL: readers never wait for the workers' writes)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed job survives a crash of the machine too
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def submit(self, *, slug: str, name: str | None, mondo_id: str | None, question: str, revision: str | None,
               client: str, steps: int, per_client: int, reuse_seconds: float) -> Submitted:
        """Take a question, or say which job already answers it.

        :raises JobRefused: 409 when another question about the disorder is in progress, 429 when the
            client has ``per_client`` questions waiting, 503 when the queue is full.
        """
        key = question_key(question)
        now = time.time()
        with self._transaction() as db:
            same = db.execute(
                "SELECT id, status FROM jobs WHERE disease_slug = ? AND question_key = ? AND revision IS ? AND "
                "(status IN ('queued', 'running') OR (status = 'completed' AND finished >= ?)) "
                "ORDER BY status = 'completed', created DESC LIMIT 1",
                (slug, key, revision, now - reuse_seconds)).fetchone()
            if same:
                return Submitted(same["id"], same["status"], True)
            busy = db.execute("SELECT id FROM jobs WHERE disease_slug = ? AND status IN ('queued', 'running') "
                              "ORDER BY created LIMIT 1", (slug,)).fetchone()
            if busy:
                raise JobRefused(409, f"another question about {slug} is being answered",
                                 "ask again when it is done", existing=busy["id"])
            waiting = db.execute("SELECT count(*) FROM jobs WHERE client = ? AND status IN ('queued', 'running')",
                                 (client,)).fetchone()[0]
            if waiting >= per_client:
                raise JobRefused(429, f"{waiting} of your questions are still being answered",
                                 "ask again when one of them is done")
            if db.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()[0] >= MAX_QUEUED:
                raise JobRefused(503, "too many questions are waiting", "ask again in a minute")
            job_id = secrets.token_hex(16)
            db.execute("INSERT INTO jobs (id, disease_slug, disease_name, mondo_id, question, question_key, revision, "
                       "client, status, max_iterations, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
                       (job_id, slug, name, mondo_id, question, key, revision, client, steps, now))
        return Submitted(job_id, "queued", False)

    def claim(self, job_id: str) -> Job | None:
        """Mark a queued job running and return it; ``None`` when it is no longer queued (cancelled)."""
        with self._transaction() as db:
            changed = db.execute("UPDATE jobs SET status = 'running', started = ?, current_iteration = 0 "
                                 "WHERE id = ? AND status = 'queued'", (time.time(), job_id)).rowcount
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone() if changed else None
        return _job(row) if row else None

    def progress(self, job_id: str, step: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET current_iteration = ? WHERE id = ? AND status = 'running'", (step, job_id))

    def finish(self, job_id: str, answered: Answered | None, error: str | None = None) -> None:
        """Record a run's answer (or its error); nothing changes for a job cancelled meanwhile."""
        with self._transaction() as db:
            if answered is not None:
                db.execute("UPDATE jobs SET status = 'completed', current_iteration = max_iterations, finished = ?, "
                           "report = ?, content = ?, answer = ? WHERE id = ? AND status = 'running'",
                           (time.time(), answered.report, json.dumps(answered.content, ensure_ascii=False),
                            json.dumps(answered.answer, ensure_ascii=False), job_id))
            else:
                db.execute("UPDATE jobs SET status = 'failed', error_message = ?, finished = ? "
                           "WHERE id = ? AND status = 'running'", (error, time.time(), job_id))

    def cancel(self, job_id: str) -> str | None:
        """Cancel a waiting or running job; the job's status afterwards (``None``: no such job)."""
        with self._transaction() as db:
            db.execute("UPDATE jobs SET status = 'cancelled', finished = ? WHERE id = ? AND "
                       "status IN ('queued', 'running')", (time.time(), job_id))
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row["status"] if row else None

    def recover(self) -> list[str]:
        """After a stop: jobs left running are queued again; the queued jobs, oldest first."""
        with self._transaction() as db:
            db.execute("UPDATE jobs SET status = 'queued', current_iteration = 0 WHERE status = 'running'")
            db.execute("DELETE FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished < ?",
                       (time.time() - KEEP_DAYS * 86400,))
            return [row["id"] for row in db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created")]


def _job(row: sqlite3.Row) -> Job:
    return Job(row["id"], row["disease_slug"], row["disease_name"], row["mondo_id"], row["question"], row["status"],
               row["current_iteration"], row["max_iterations"], row["error_message"], row["created"],
               row["finished"], row["report"], json.loads(row["content"]) if row["content"] else None,
               json.loads(row["answer"]) if row["answer"] else None)


class JobQueue:
    """The store and its workers: ``workers`` threads, each answering one job at a time."""

    def __init__(self, store: JobStore, run: Runner, *, workers: int = 2, steps: int = 3) -> None:
        self.store = store
        self.run = run
        self.steps = steps
        self.workers = max(1, workers)
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Queue again what an earlier server left unfinished, then start the workers."""
        for job_id in self.store.recover():
            self._queue.put(job_id)
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"dmkb-research-{n + 1}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Let the workers finish the jobs they are on (a job still running is queued again at the next start)."""
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def submit(self, **question: Any) -> Submitted:
        """See :meth:`JobStore.submit`; a new job goes to the workers."""
        submitted = self.store.submit(steps=self.steps, **question)
        if not submitted.reused:
            self._queue.put(submitted.job_id)
        return submitted

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            job = self.store.claim(job_id)
            if job is None:
                continue
            try:
                answered = self.run(job, lambda step, i=job_id: self.store.progress(i, step))
            except DmkbError as exc:
                self.store.finish(job_id, None, exc.message + (f" ({exc.hint})" if exc.hint else ""))
            except Exception as exc:  # noqa: BLE001 - one question must not stop the worker
                logger.exception("research job %s failed", job_id)
                self.store.finish(job_id, None, f"internal error ({exc.__class__.__name__}); the server logged it")
            else:
                self.store.finish(job_id, answered)
