"""Benchmark the website: `dmkb build` cold and unchanged (time and peak memory), the time to render
one page, and `dmkb serve` under 20 concurrent clients.

Builds run in fresh processes (start-up included), timed wall-clock; figures are medians. Peak
memory is the largest resident set of the build's processes (its forked workers included). The
HPO model and the scorer's arrays derived from it are built once before the timed runs (a one-time
cost of a new DMKB_HOME). The KB is laid out in a temporary folder (disorder files copied, caches
linked); with ``--copies 8`` each entry is there 8 times (336 entries from the shared corpus), the
size the goals are set for: cold at most 5 s and 250 MB, nothing changed at most 0.5 s.

    python benchmarks/site.py [--kb ../shared/corpus/dismech] [--runs 5] [--copies 8] [--requests 2000]

To compare with dismech's own site generator, give its command as a template, ``{kb}`` standing for
the KB root and ``{out}`` for a new output folder; the ratios are printed beside dmkb's figures:

    DMKB_BENCH_PEER_SITE_CMD='/opt/dismech/bin/python -m dismech.render {kb} {out}' python benchmarks/site.py

The server is measured with keep-alive connections from 20 client threads, each asking for
disorder pages in turn after one warm-up pass over every page.

On a machine shared with other work, figures of one run drift with the load; to compare two versions
of dmkb, give the other one's source folder (a checkout's ``src``): the goals' builds then alternate
between the two, each with a DMKB_HOME of its own, so that both meet the same load:

    python benchmarks/site.py --against /tmp/base/src
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from validate import DEFAULT_KB, lay_out

CLIENTS = 20


GOAL_COLD, GOAL_MB, GOAL_UNCHANGED = 5.0, 250, 0.5  # for ~340 entries


def build(kb: Path, out: Path, env: dict[str, str]) -> float:
    return measured([sys.executable, "-m", "dmkb", "build", str(kb), "--out", str(out), "-q"], env)[0]


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds and peak resident megabytes of one run of ``command`` (and its children)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    error = proc.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{error}")
    return elapsed, usage.ru_maxrss / 1024  # kilobytes on Linux


def page_times(out: Path) -> list[float]:
    """Seconds to render each disorder page from kb.sqlite, in this process (warm)."""
    from dmkb.site.render import Renderer
    from dmkb.site.similar import read_similar

    with contextlib.closing(sqlite3.connect(out / "kb.sqlite", check_same_thread=False)) as conn:
        renderer = Renderer(conn, read_similar(out))
        stems = [row.stem for row in renderer.index_rows]
        renderer.disorder(stems[0])  # templates compiled once
        times = []
        for stem in stems:
            started = time.perf_counter()
            renderer.disorder(stem)
            times.append(time.perf_counter() - started)
    return times


def serve_load(kb: Path, out: Path, env: dict[str, str], requests: int) -> dict[str, float]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "dmkb", "serve", str(kb), "--out", str(out), "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stdout:  # type: ignore[union-attr]
            if line.startswith("the site is ready at"):  # the address comes first, then the build
                break
        else:
            sys.exit(f"dmkb serve did not start:\n{server.stderr.read()}")  # type: ignore[union-attr]
        return _load(port, requests)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _load(port: int, requests: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/disorders")
    paths = [d["url"] for d in json.loads(conn.getresponse().read())["disorders"]]
    for path in paths:  # warm-up: every page rendered once
        conn.request("GET", path)
        conn.getresponse().read()
    conn.close()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_client = max(1, requests // CLIENTS)

    def client(k: int) -> None:
        mine = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(per_client):
            started = time.perf_counter()
            try:
                connection.request("GET", paths[(k * 7 + i) % len(paths)])
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "errors": errors[0], "median": statistics.median(latencies),
            "p95": latencies[int(len(latencies) * 0.95)], "per_second": len(latencies) / elapsed}


def _big(args: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    """The goals' size: each entry ``--copies`` times."""
    big = lay_out(args.kb, work / "big", copies=args.copies)
    count = len(list((big / "kb" / "disorders").glob("*.yaml")))
    command = [sys.executable, "-m", "dmkb", "build", str(big), "-q", "--out"]
    runs = max(3, args.runs // 2)
    cold = [measured([*command, str(work / f"big-{i}")], env) for i in range(runs)]
    unchanged = [measured([*command, str(work / "big-0")], env)[0] for _ in range(runs)]
    seconds, megabytes = statistics.median(t for t, _ in cold), statistics.median(m for _, m in cold)
    print(f"build, {count} entries, cold:      {seconds:.2f} s, peak {megabytes:.0f} MB "
          f"(goals {GOAL_COLD:g} s, {GOAL_MB} MB){_peer(big, work, env, seconds, megabytes)}")
    print(f"build, {count} entries, unchanged: {statistics.median(unchanged):.2f} s (goal {GOAL_UNCHANGED:g} s)")


def _against(args: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    """The goals' builds, cold and unchanged, alternating between this dmkb and the one in ``--against``."""
    big = lay_out(args.kb, work / "against-kb", copies=args.copies)
    count = len(list((big / "kb" / "disorders").glob("*.yaml")))
    command = [sys.executable, "-m", "dmkb", "build", str(big), "-q", "--out"]
    envs = {"this": env, "other": {**env, "DMKB_HOME": str(work / "home-other"), "PYTHONPATH": str(args.against)}}
    subprocess.run([sys.executable, "-c", "from dmkb.similarity.engine import Engine; Engine.load()"],
                   env=envs["other"], check=True)
    cold: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
    for i in range(max(3, args.runs)):
        for name, run_env in envs.items():
            out = work / f"against-{name}-{i}"
            cold[name].append(measured([*command, str(out)], run_env))
    for name, run_env in envs.items():
        again = [measured([*command, str(work / f"against-{name}-0")], run_env)[0] for _ in range(max(3, args.runs))]
        seconds, megabytes = statistics.median(t for t, _ in cold[name]), statistics.median(m for _, m in cold[name])
        print(f"build, {count} entries, cold, alternating, {'this dmkb' if name == 'this' else args.against}: "
              f"{seconds:.2f} s, peak {megabytes:.0f} MB; unchanged {statistics.median(again):.2f} s")


def _peer(kb: Path, work: Path, env: dict[str, str], seconds: float, megabytes: float) -> str:
    """dismech's site generator on the same KB (DMKB_BENCH_PEER_SITE_CMD), as ratios."""
    template = os.environ.get("DMKB_BENCH_PEER_SITE_CMD")
    if not template:
        return "; dismech's generator not measured (set DMKB_BENCH_PEER_SITE_CMD)"
    command = shlex.split(template.format(kb=shlex.quote(str(kb)), out=shlex.quote(str(work / "peer"))))
    peer_seconds, peer_megabytes = measured(command, env)
    return (f"; dismech {peer_seconds:.2f} s, {peer_megabytes:.0f} MB: dmkb {peer_seconds / seconds:.1f}x as fast, "
            f"with {megabytes / peer_megabytes:.2f}x its memory")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=8, help="also build a KB with each entry this many times")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--against", type=Path, help="another dmkb's src folder: alternate the goals' builds with it")
    args = parser.parse_args()
    if not (args.kb / "kb" / "disorders").is_dir():
        sys.exit(f"{args.kb}: not a KB root")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "DMKB_HOME": str(work / "home")}
        kb = lay_out(args.kb, work / "kb")
        subprocess.run([sys.executable, "-c", "from dmkb.similarity.engine import Engine; Engine.load()"],
                       env=env, check=True)  # the HPO model and the scorer's arrays, once for every run
        if args.against:
            _against(args, work, env)
            return
        entries = len(list((kb / "kb" / "disorders").glob("*.yaml")))
        cold = [build(kb, work / f"cold-{i}", env) for i in range(args.runs)]
        unchanged = [build(kb, work / "cold-0", env) for _ in range(args.runs)]
        pages = page_times(work / "cold-0")
        print(f"build, {entries} entries, cold:       {statistics.median(cold):.2f} s")
        print(f"build, {entries} entries, unchanged:  {statistics.median(unchanged):.2f} s")
        print(f"one page rendered from kb.sqlite: median {statistics.median(pages) * 1000:.1f} ms, "
              f"slowest {max(pages) * 1000:.1f} ms; cold build per page {statistics.median(cold) / entries * 1000:.0f} ms")
        if args.copies > 1:
            _big(args, work, env)
        load = serve_load(kb, work / "served", env, args.requests)
        print(f"serve, {CLIENTS} concurrent clients: {load['requests']:.0f} page requests, {load['errors']:.0f} errors, "
              f"median {load['median'] * 1000:.1f} ms, p95 {load['p95'] * 1000:.1f} ms, {load['per_second']:.0f}/s")


if __name__ == "__main__":
    main()
