"""Progress of long commands, on stderr: a Rich bar on a terminal; elsewhere (a log file, CI, a
pipe) a line every few seconds while a step runs, so that a silent minute never looks like a hang.
Steps that end sooner print nothing."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from rich.progress import Progress

EVERY_SETTING = "DMKB_PROGRESS_SECONDS"
EVERY = 5.0  # seconds between lines when stderr is not a terminal


def _every() -> float:
    try:
        return max(float(os.environ.get(EVERY_SETTING, EVERY)), 0.05)
    except ValueError:
        return EVERY


class StepProgress:
    """Report ``(step, done, total)`` updates: ``with StepProgress("building") as progress: progress(step, 3, 42)``.

    :param quiet: report nothing.
    :param bar_from: on a terminal, draw a bar only for steps of at least this many items (a bar for
        a handful of quick items only flickers).
    :param rate: also tell how many items a second are done, and the time left.
    """

    def __init__(self, label: str, *, quiet: bool = False, bar_from: int = 0, rate: bool = False) -> None:
        self.label = label
        self.quiet = quiet
        self.bar_from = bar_from
        self.rate = rate
        self.terminal = sys.stderr.isatty()
        self._bar: Progress | None = None
        self._tasks: dict[str, Any] = {}
        self._state: tuple[str, int, int] | None = None
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        if not self.quiet and not self.terminal:
            self._ticker = threading.Thread(target=self._tick, name="dmkb-progress", daemon=True)
            self._ticker.start()
        return self

    def __call__(self, step: str, done: int, total: int) -> None:
        self._state = (step, done, total)
        if self.quiet or not self.terminal or total < self.bar_from:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            rate = [TextColumn("{task.fields[rate]}"), TimeRemainingColumn()]
            # what a command writes to stdout meanwhile goes there, not into the bar's console on stderr
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), *(rate if self.rate else []), console=Console(stderr=True),
                                 transient=True, redirect_stdout=sys.stdout.isatty())
            self._bar.start()
        if step not in self._tasks:
            self._tasks[step] = self._bar.add_task(f"{self.label}: {step}", total=total, rate="")
        self._bar.update(self._tasks[step], completed=done, total=total, rate=self._speed(done, total)[0])

    def _speed(self, done: int, total: int) -> tuple[str, str]:
        """Items a second since the start, and the time left at that pace (empty before any is done)."""
        elapsed = time.monotonic() - self._started
        if not done or elapsed <= 0:
            return "", ""
        per_second = done / elapsed
        left = (total - done) / per_second
        return f"{per_second:,.0f}/s", f"{left / 60:.0f} min left" if left >= 120 else f"{left:.0f} s left"

    def _tick(self) -> None:
        while not self._stop.wait(_every()):
            if self._state is not None:
                step, done, total = self._state
                counted = f" {done} of {total}" if total else ""
                told = [f"{time.monotonic() - self._started:.0f} s"]
                if self.rate and total:
                    told += [part for part in self._speed(done, total) if part]
                print(f"{self.label}: {step}{counted} ({', '.join(told)})", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Stop reporting (also done on leaving the ``with`` block)."""
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=1)
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __exit__(self, *exc: object) -> None:
        self.close()
