"""Research questions as background jobs, answered by dmkb ask's engine: kept in SQLite, answered by a
bounded pool of workers, reused when asked again, limited per disorder and per client, and never
lost when the server stops."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from research_helpers import copy_example

from dmkb.compile.incremental import compile_kb
from dmkb.research.job_answer import STEPS, make_runner
from dmkb.research.jobs import FINAL, JobQueue, JobRefused, JobStore

ANKL = "Aggressive_NK-cell_Leukemia"
QUESTION = "What drives JAK-STAT activation in aggressive NK-cell leukemia?"


@pytest.fixture
def kb(tmp_path: Path) -> tuple[Path, Path]:
    """The example (with a second disorder) and its compiled kb.sqlite."""
    root = copy_example(tmp_path)
    entry = (root / "kb" / "disorders" / f"{ANKL}.yaml").read_text(encoding="utf-8")
    (root / "kb" / "disorders" / "Second.yaml").write_text(entry.replace("name: Aggressive", "name: Second", 1),
                                                           encoding="utf-8")
    db = tmp_path / "kb.sqlite"
    compile_kb([root], db)
    return root, db


def new_queue(kb: tuple[Path, Path], path: Path, workers: int = 2) -> JobQueue:
    root, db = kb
    return JobQueue(JobStore(path), make_runner(root, db), workers=workers, steps=STEPS)


def ask(queue: JobQueue, question: str = QUESTION, slug: str = ANKL, client: str = "10.0.0.1",
        revision: str = "r1", per_client: int = 3, reuse_seconds: float = 3600):
    return queue.submit(slug=slug, name=None, mondo_id=None, question=question, revision=revision, client=client,
                        per_client=per_client, reuse_seconds=reuse_seconds)


def wait(queue: JobQueue, job_id: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.store.get(job_id)
        if job.status in FINAL:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is still {queue.store.get(job_id).status}")


def test_a_question_is_answered_as_a_stored_report(kb, tmp_path: Path) -> None:
    queue = new_queue(kb, tmp_path / "jobs.sqlite")
    queue.start()
    try:
        submitted = ask(queue)
        assert submitted.status == "queued" and not submitted.reused
        job = wait(queue, submitted.job_id)
    finally:
        queue.stop()
    assert job.status_json() == {"job_id": job.id, "status": "completed", "current_iteration": 3,
                                 "max_iterations": 3, "error_message": None, "disease_slug": ANKL,
                                 "question": QUESTION}
    assert job.report.startswith("---\nprovider: dmkb\n") and "\n## Question\n\n" + QUESTION in job.report
    assert job.answer["question"] == QUESTION and job.answer["evidence"]
    content = job.content
    assert content["provider"] == "dmkb" and content["question"] == QUESTION
    assert content["entries"] and all(e["source"] for e in content["entries"])  # every source is the KB's
    assert "## References" not in content["body"]


def test_asking_again_reuses_the_answer_or_the_waiting_job(kb, tmp_path: Path) -> None:
    queue = new_queue(kb, tmp_path / "jobs.sqlite")
    first = ask(queue)  # not started: the job waits
    again = ask(queue, "  what DRIVES jak-stat activation in aggressive nk-cell   leukemia? ", client="10.0.0.9")
    assert (again.job_id, again.reused) == (first.job_id, True)
    queue.start()
    try:
        wait(queue, first.job_id)
        assert ask(queue).job_id == first.job_id  # answered recently: the same answer
        fresh = ask(queue, reuse_seconds=0)  # reuse turned off: asked again
        assert fresh.job_id != first.job_id and not fresh.reused
        wait(queue, fresh.job_id)
        changed = ask(queue, revision="r2")  # the entry changed since: asked again
        assert changed.job_id not in (first.job_id, fresh.job_id)
        wait(queue, changed.job_id)
    finally:
        queue.stop()


def test_one_question_per_disorder_at_a_time_and_a_few_per_client(kb, tmp_path: Path) -> None:
    queue = new_queue(kb, tmp_path / "jobs.sqlite")
    first = ask(queue, per_client=2)
    with pytest.raises(JobRefused) as busy:
        ask(queue, "Which treatments work?", per_client=2)
    assert (busy.value.status, busy.value.existing) == (409, first.job_id)
    ask(queue, "Which treatments work?", slug="Second", per_client=2)
    with pytest.raises(JobRefused) as many:
        ask(queue, "Which genes are mutated?", slug="Third", per_client=2)
    assert many.value.status == 429 and many.value.existing is None
    ask(queue, "Which genes are mutated?", slug="Third", client="10.0.0.2", per_client=2)  # another client


def test_a_cancelled_job_is_never_answered(kb, tmp_path: Path) -> None:
    queue = new_queue(kb, tmp_path / "jobs.sqlite")
    submitted = ask(queue)
    assert queue.store.cancel(submitted.job_id) == "cancelled"
    assert queue.store.cancel("no-such-job") is None
    queue.start()
    try:
        later = ask(queue, "Which treatments work?")  # the disorder is free again
        wait(queue, later.job_id)
    finally:
        queue.stop()
    assert queue.store.get(submitted.job_id).status == "cancelled"


def test_jobs_left_unfinished_by_a_stopped_server_are_answered_at_the_next_start(kb, tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    before = new_queue(kb, path)
    running = ask(before)
    waiting = ask(before, "Which treatments work?", slug="Second")
    assert before.store.claim(running.job_id).status == "running"  # a worker had taken it when it stopped
    before.store.close()
    after = new_queue(kb, path, workers=1)
    after.start()
    try:
        assert [wait(after, job_id).status for job_id in (running.job_id, waiting.job_id)] == ["completed"] * 2
    finally:
        after.stop()


def test_a_question_that_cannot_be_answered_fails_with_the_reason(tmp_path: Path, kb) -> None:
    _, db = kb
    empty = tmp_path / "no_literature"
    (empty / "kb" / "disorders").mkdir(parents=True)
    queue = JobQueue(JobStore(tmp_path / "jobs.sqlite"), make_runner(empty, db), workers=1, steps=STEPS)
    queue.start()
    try:
        job = wait(queue, ask(queue).job_id)
    finally:
        queue.stop()
    assert job.status == "failed" and "no cached references" in job.error_message
