"""Many URLs fetched at once: a pool of threads, a per-host gate, results handed over in order.

The pool runs at most `workers` items at a time and never reaches more than `window` items past
the one the caller is waiting for, so at most `window` finished results wait to be handed over
and a slow item holds back the others only once the window is full. A worker takes the first
waiting item whose host has a slot free, so items of a busy host do not idle the workers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class HostGate:
    """At most `per_host` items open on one host, each starting `delay` s after the one before.

    Not thread-safe by itself: the pool calls it under its own lock.
    """

    def __init__(
        self, per_host: int, delay: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self._clock = clock
        self._open = Counter[str]()
        self._next_start: dict[str, float] = {}

    def take(self, host: str) -> float:
        """Take a slot on `host` and return 0, or return how long to wait (inf: for a release)."""
        if self._open[host] >= self.per_host:
            return math.inf
        now = self._clock()
        wait = self._next_start.get(host, now) - now
        if wait > 0:
            return wait
        self._open[host] += 1
        self._next_start[host] = now + self.delay
        return 0.0

    def release(self, host: str) -> None:
        """Give back a slot taken on `host`."""
        self._open[host] -= 1


class _InOrder(Generic[Item, Result]):
    """The shared state of one map_in_order: the window of items, the results not handed over."""

    def __init__(
        self,
        work: Callable[[Item], Result],
        items: Sequence[Item],
        key: Callable[[Item], str],
        gate: HostGate,
        window: int,
    ) -> None:
        self.work, self.items, self.key, self.gate = work, items, key, gate
        self.window = max(1, window)
        self.changed = threading.Condition()
        self.waiting: list[tuple[int, str]] = []  # index and host of items not started yet
        self.results: dict[int, tuple[bool, Result | BaseException]] = {}
        self.queued = 0  # items let into the window
        self.handed = 0  # results handed over
        self.stopped = False

    def fill(self) -> None:
        """Let items into the window up to its size (lock held)."""
        while self.queued < len(self.items) and self.queued - self.handed < self.window:
            self.waiting.append((self.queued, self.key(self.items[self.queued])))
            self.queued += 1

    def next_job(self) -> tuple[int, str] | float:
        """Return the first waiting item whose host has a slot, or how long to wait (lock held)."""
        soonest = math.inf
        for position, (index, host) in enumerate(self.waiting):
            wait = self.gate.take(host)
            if wait == 0:
                del self.waiting[position]
                return index, host
            soonest = min(soonest, wait)
        return soonest

    def run_worker(self) -> None:
        """Run items until none are left or the caller has stopped."""
        while True:
            with self.changed:
                while not isinstance(job := self.next_job(), tuple):
                    if self.stopped or (self.queued == len(self.items) and not self.waiting):
                        return
                    self.changed.wait(None if math.isinf(job) else job)
            index, host = job
            try:
                outcome: tuple[bool, Result | BaseException] = (True, self.work(self.items[index]))
            except BaseException as exc:  # handed to the caller in its turn
                outcome = (False, exc)
            with self.changed:
                self.gate.release(host)
                self.results[index] = outcome
                self.changed.notify_all()

    def hand_over(self) -> tuple[bool, Result | BaseException] | None:
        """Wait for the next result in order and return it, or None when all are handed over."""
        with self.changed:
            while self.handed not in self.results:
                if self.handed == len(self.items):
                    return None
                self.changed.wait()
            outcome = self.results.pop(self.handed)
            self.handed += 1
            self.fill()
            self.changed.notify_all()
            return outcome


def map_in_order(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int,
    window: int,
    key: Callable[[Item], str] = lambda item: "",
    gate: HostGate | None = None,
) -> Iterator[Result]:
    """Yield `work(item)` for every item in input order, run on up to `workers` threads."""
    state = _InOrder(work, items, key, gate or HostGate(per_host=workers), window)
    state.fill()
    count = max(1, min(workers, window, len(items)))
    threads = [
        threading.Thread(target=state.run_worker, name="newslake-fetch") for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    try:
        while (outcome := state.hand_over()) is not None:
            done, value = outcome
            if not done:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:  # also when the caller stops early: waiting items are dropped, running ones finish
        with state.changed:
            state.stopped = True
            state.changed.notify_all()
        for thread in threads:
            thread.join()
