"""Load on the research-question service of a real ``dmkb serve``: many clients asking and polling.

    python benchmarks/research_jobs.py [ROOT] [--clients 20] [--questions 3] [--workers 2]

ROOT (default: the bundled example, with copies of its entry under other names so that clients
ask about several disorders) is served by ``dmkb serve`` in a process of its own, with a fresh
``DMKB_HOME``. Each client has an address of its own (127.0.0.2, 127.0.0.3, …: the service limits
questions per address) and asks its questions one after the other, as a page does: ``POST
/api/jobs``, then ``/status`` every 0.2 s until the job is done, then ``/report?format=html``; a
409 (another question about that disorder in progress) is waited out on the job it names, then
asked again; a 429 or 503 is asked again after a pause. Some questions are asked by several
clients, so answers are reused. Printed: questions answered, errors (transport errors, 5xx,
other 4xx, failed jobs, reports without a cited reference), the 409/429 waits, reused answers,
seconds from asking to the report (median, 95th percentile) and questions answered a second.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ankl"
ANKL = "Aggressive_NK-cell_Leukemia"
QUESTIONS = (
    "What drives JAK-STAT activation in this leukemia?",
    "Which treatments improve survival?",
    "How is the disease diagnosed by flow cytometry?",
    "What is the role of Epstein-Barr virus?",
    "Which genes are mutated?",
    "What is the prognosis after stem cell transplantation?",
)
FINAL = ("completed", "failed", "cancelled")


@dataclass
class LoadResult:
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    waits: Counter = field(default_factory=Counter)  # 409, 429, 503
    reused: int = 0
    seconds: list[float] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def example_with_copies(root: Path, copies: int) -> Path:
    """The bundled example, with its entry also under ``copies`` other names (other disorders to ask about)."""
    shutil.copytree(EXAMPLE, root)
    entry = (root / "kb" / "disorders" / f"{ANKL}.yaml").read_text(encoding="utf-8")
    for n in range(1, copies + 1):
        text = entry.replace("name: Aggressive NK-cell Leukemia", f"name: Aggressive NK-cell Leukemia copy {n}", 1)
        (root / "kb" / "disorders" / f"ANKL_copy_{n}.yaml").write_text(text, encoding="utf-8")
    return root


def ask_one(base: str, client: httpx.Client, slug: str, question: str, result: LoadResult,
            timeout: float = 120.0) -> None:
    """Ask one question as a page does and follow it to its report."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.post(f"{base}/api/jobs", json={"disease_slug": slug, "disease_name": "", "mondo_id": "",
                                                         "question": question})
        if response.status_code in (409, 429, 503):
            with result.lock:
                result.waits[response.status_code] += 1
            existing = response.json().get("existing_job_id")
            if existing:
                _follow(base, client, existing, deadline)
            else:
                time.sleep(0.5)
            continue
        if response.status_code not in (200, 202):
            result.error(f"POST {response.status_code}: {response.text[:200]}")
            return
        body = response.json()
        if not {"job_id", "view_url"} <= set(body):
            result.error(f"POST answered {body}")
            return
        status = _follow(base, client, body["job_id"], deadline)
        if status.get("status") != "completed":
            result.error(f"job {body['job_id']} ended {status}")
            return
        report = client.get(f"{base}/api/jobs/{body['job_id']}/report", params={"format": "html"})
        if report.status_code != 200 or 'class="cite"' not in report.text:
            result.error(f"report {report.status_code}: {report.text[:200]}")
            return
        with result.lock:
            result.answered += 1
            result.reused += bool(body.get("reused"))
            result.seconds.append(time.perf_counter() - started)
            result.job_ids.append(body["job_id"])
        return
    result.error(f"no answer to {question!r} about {slug} within {timeout:.0f} s")


def _follow(base: str, client: httpx.Client, job_id: str, deadline: float) -> dict:
    while time.monotonic() < deadline:
        status = client.get(f"{base}/api/jobs/{job_id}/status")
        if status.status_code != 200:
            return {"status": f"HTTP {status.status_code}"}
        body = status.json()
        if body["status"] in FINAL:
            return body
        time.sleep(0.2)
    return {"status": "timed out"}


def run_clients(base: str, clients: int, questions: int, slugs: list[str], seed: int = 7) -> LoadResult:
    """``clients`` threads, each from an address of its own, asking ``questions`` questions."""
    result = LoadResult()
    rng = random.Random(seed)
    plans = [[(rng.choice(slugs), rng.choice(QUESTIONS)) for _ in range(questions)] for _ in range(clients)]

    def client_thread(n: int, plan: list[tuple[str, str]]) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{2 + n}")
        try:
            with httpx.Client(transport=transport, timeout=30) as client:
                for slug, question in plan:
                    ask_one(base, client, slug, question, result)
        except httpx.HTTPError as exc:
            result.error(f"client {n}: {exc!r}")

    threads = [threading.Thread(target=client_thread, args=(n, plan)) for n, plan in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, out: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """``dmkb serve ROOT --out OUT --port PORT`` in a process of its own, once it answers."""
    process = subprocess.Popen([sys.executable, "-m", "dmkb", "serve", str(root), "--out", str(out), "--port",
                                str(port), "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dmkb serve stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/disorders", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("dmkb serve did not answer within 120 s")


def stop_server(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", type=Path, help="a KB root (default: the example with 9 copies)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3, help="questions each client asks")
    parser.add_argument("--workers", type=int, default=2, help="DMKB_RESEARCH_WORKERS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        root = args.root or example_with_copies(work / "kb", 9)
        slugs = sorted(p.stem for p in (root / "kb" / "disorders").glob("*.yaml"))
        env = {**os.environ, "DMKB_HOME": str(work / "home"), "DMKB_RESEARCH_WORKERS": str(args.workers),
               "PYTHONPATH": str(REPO / "src")}
        port = free_port()
        process = start_server(root, work / "site", port, env)
        try:
            base = f"http://127.0.0.1:{port}"
            ask_one(base, httpx.Client(timeout=60), slugs[0], "warm-up: which genes are mutated?", LoadResult())
            started = time.perf_counter()
            result = run_clients(base, args.clients, args.questions, slugs)
            elapsed = time.perf_counter() - started
        finally:
            stop_server(process)
    seconds = sorted(result.seconds)
    print(f"clients: {args.clients} (one address each), {args.questions} questions each, about {len(slugs)} "
          f"disorders; {args.workers} workers")
    print(f"answered: {result.answered} of {args.clients * args.questions}; errors: {len(result.errors)}")
    for error in result.errors[:10]:
        print(f"  {error}")
    print(f"waited out: {result.waits[409]} x 409 (disorder busy), {result.waits[429]} x 429, "
          f"{result.waits[503]} x 503; answers reused: {result.reused}")
    if seconds:
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
        print(f"seconds from asking to the report: median {statistics.median(seconds):.2f}, 95th percentile "
              f"{p95:.2f}; {result.answered / elapsed:.1f} questions answered a second ({elapsed:.1f} s in all)")


if __name__ == "__main__":
    main()
