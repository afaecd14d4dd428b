"""The background batcher behind ``log_prediction``, ``log_outcome`` and
``log_feedback``.

Events go into one bounded queue. A single worker thread takes them out and
sends them per kind as JSON arrays to the batch endpoints: a batch leaves
when it holds ``max_batch`` events or ``max_bytes`` of JSON, or when its
oldest event has waited ``interval`` seconds, whichever comes first. A batch
the server answers with 429 or 503, or that gets no answer, is sent again
after a backoff (see :class:`RetryPolicy`); because every event carries its
id, a batch that was stored but whose answer was lost is answered as
duplicates the second time, never stored twice.

When the queue is full the ``when_full`` policy decides: ``"drop"`` (the
default) drops the new event, counts it and logs a warning — a model
serving requests should not wait for its telemetry; ``"block"`` waits up to
``block_timeout`` seconds for room and then drops; ``"raise"`` raises
:class:`QueueFull` so the caller decides.
"""

from __future__ import annotations

import gzip
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from .errors import AtriumError, ClosedError, QueueFull, TooLargeError
from .events import BatchResult, ItemResult

log = logging.getLogger("atrium_client")

KINDS = ("predictions", "outcomes", "feedback")

# The server takes at most 10,000 events and 8 MiB on the wire per request.
MAX_BATCH = 10_000
MAX_BYTES = 8 << 20

WHEN_FULL = ("drop", "block", "raise")

# Bodies above this many bytes are gzipped when compression is on: below it
# the header costs more than it saves.
GZIP_FROM = 1024


@dataclass(frozen=True)
class Stats:
    """What the batcher has done since the client was made.

    Attributes:
        queued: events waiting in the queue or in a batch being built.
        accepted, duplicates, refused: events by the server's answer.
        dropped: events dropped because the queue was full.
        failed: events given up after the retries (or refused as a whole
            batch), never stored as far as the client knows.
        requests: batch requests sent (each try counts).
        retries: requests sent again after a 429, 503 or failed connection.
    """

    queued: int
    accepted: int
    duplicates: int
    refused: int
    dropped: int
    failed: int
    requests: int
    retries: int


# SendFunc posts one batch body (JSON array, maybe gzipped) of a kind and
# returns the server's answer; abort cuts its retries short.
SendFunc = Callable[[str, bytes, Optional[str], threading.Event], BatchResult]
RefusedFunc = Callable[[str, bytes, ItemResult], None]
ErrorFunc = Callable[[str, int, AtriumError], None]


class _Flush:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class _Pending:
    __slots__ = ("items", "size", "since")

    def __init__(self) -> None:
        self.items: List[bytes] = []
        self.size = 0
        self.since = 0.0


class Batcher:
    """Queues encoded events and sends them in batches from one thread."""

    def __init__(
        self,
        send: SendFunc,
        *,
        max_batch: int = 500,
        max_bytes: int = 4 << 20,
        interval: float = 1.0,
        max_queue: int = 10_000,
        when_full: str = "drop",
        block_timeout: float = 1.0,
        compress: bool = True,
        on_refused: Optional[RefusedFunc] = None,
        on_error: Optional[ErrorFunc] = None,
        retries: Callable[[], int] = lambda: 0,
    ) -> None:
        self.check(max_batch, max_bytes, interval, max_queue, when_full)
        self._send = send
        self._max_batch, self._max_bytes, self._interval = max_batch, max_bytes, interval
        self._when_full, self._block_timeout = when_full, block_timeout
        self._compress = compress
        self._on_refused, self._on_error = on_refused, on_error
        self._retries = retries
        self._q: "queue.Queue[object]" = queue.Queue(maxsize=max_queue)
        self._abort = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._counts: Dict[str, int] = dict.fromkeys(
            ("accepted", "duplicates", "refused", "dropped", "failed", "requests", "building"), 0
        )
        self._last_drop_warning = 0.0
        self._thread = threading.Thread(target=self._run, name="atrium-client-batcher", daemon=True)
        self._thread.start()

    @staticmethod
    def check(max_batch: int, max_bytes: int, interval: float, max_queue: int, when_full: str) -> None:
        """Refuse options the batcher cannot work with (ValueError)."""
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError("batch_size must be 1…%d" % MAX_BATCH)
        if not 1024 <= max_bytes <= MAX_BYTES:
            raise ValueError("max_batch_bytes must be 1 KiB…8 MiB")
        if not 0.001 <= interval <= 3600:
            raise ValueError("flush_interval must be 0.001…3600 seconds")
        if not 1 <= max_queue <= 10_000_000:
            raise ValueError("max_queue must be 1…10,000,000")
        if when_full not in WHEN_FULL:
            raise ValueError("when_full must be one of %s, not %r" % (", ".join(WHEN_FULL), when_full))

    # The caller's side.

    def submit(self, kind: str, event: bytes) -> bool:
        """Queue one encoded event; False if it was dropped (queue full)."""
        if self._closed:
            raise ClosedError("the client is closed; events can no longer be logged")
        try:
            if self._when_full == "block":
                self._q.put((kind, event), timeout=self._block_timeout)
            else:
                self._q.put_nowait((kind, event))
            return True
        except queue.Full:
            pass
        if self._when_full == "raise":
            raise QueueFull("the event queue is full (%d events); the server is slow or unreachable" % self._q.maxsize)
        with self._lock:
            self._counts["dropped"] += 1
            dropped = self._counts["dropped"]
            now = time.monotonic()
            warn = now - self._last_drop_warning >= 10
            if warn:
                self._last_drop_warning = now
        if warn:
            log.warning("atrium_client: event queue full (%d events), dropped %d so far", self._q.maxsize, dropped)
        return False

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Send everything queued before this call; True when done within
        ``timeout`` seconds (None: wait as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        marker = _Flush()
        try:
            self._q.put(marker, timeout=timeout)
        except queue.Full:
            return False
        if not self._thread.is_alive():
            return False
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return marker.done.wait(left)

    def close(self, timeout: Optional[float] = 10.0) -> bool:
        """Refuse new events, send what is queued, stop the thread. After
        ``timeout`` seconds the retries are cut short and what is left is
        counted as failed. True when everything queued was sent."""
        with self._lock:
            if self._closed:
                already = True
            else:
                self._closed, already = True, False
        if already:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            self._q.put(_STOP, timeout=timeout)
        except queue.Full:
            self._abort.set()
            self._q.put(_STOP)
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        self._thread.join(left)
        if self._thread.is_alive():
            self._abort.set()
            self._thread.join()
        s = self.stats()
        return s.failed == 0 and s.queued == 0

    def stats(self) -> Stats:
        """A snapshot of the counters."""
        with self._lock:
            c = dict(self._counts)
        return Stats(
            queued=self._q.qsize() + c["building"],
            accepted=c["accepted"],
            duplicates=c["duplicates"],
            refused=c["refused"],
            dropped=c["dropped"],
            failed=c["failed"],
            requests=c["requests"],
            retries=self._retries(),
        )

    # The worker's side.

    def _run(self) -> None:
        pending = {k: _Pending() for k in KINDS}
        while True:
            due = [p.since + self._interval for p in pending.values() if p.items]
            timeout = max(0.0, min(due) - time.monotonic()) if due else None
            try:
                item = self._q.get(timeout=timeout)
            except queue.Empty:
                now = time.monotonic()
                for kind, p in pending.items():
                    if p.items and now >= p.since + self._interval:
                        self._ship(kind, p)
                continue
            if isinstance(item, _Flush):
                for kind, p in pending.items():
                    self._ship(kind, p)
                item.done.set()
                continue
            if item is _STOP:
                for kind, p in pending.items():
                    self._ship(kind, p)
                self._drain_after_stop()
                return
            kind, data = item  # type: ignore[misc]
            p = pending[kind]
            if p.items and p.size + len(data) + 2 > self._max_bytes:
                self._ship(kind, p)
            if not p.items:
                p.since = time.monotonic()
            p.items.append(data)
            p.size += len(data) + 1
            with self._lock:
                self._counts["building"] += 1
            if len(p.items) >= self._max_batch:
                self._ship(kind, p)

    def _drain_after_stop(self) -> None:
        # Flush markers that raced with close() must not wait forever.
        while True:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Flush):
                item.done.set()

    def _ship(self, kind: str, p: _Pending) -> None:
        if not p.items:
            return
        items, p.items, p.size = p.items, [], 0
        try:
            self._deliver(kind, items)
        except Exception:  # a callback failed; the batcher must go on
            log.exception("atrium_client: sending %d %s failed", len(items), kind)
        finally:
            with self._lock:
                self._counts["building"] -= len(items)

    def _deliver(self, kind: str, items: List[bytes]) -> None:
        """Send items, halving the batch when the server says it is too
        large, and account for every event."""
        body = b"[" + b",".join(items) + b"]"
        encoding = None
        if self._compress and len(body) >= GZIP_FROM:
            body, encoding = gzip.compress(body, compresslevel=5), "gzip"
        with self._lock:
            self._counts["requests"] += 1
        try:
            res = self._send(kind, body, encoding, self._abort)
        except TooLargeError as err:
            if len(items) > 1:
                half = len(items) // 2
                self._deliver(kind, items[:half])
                self._deliver(kind, items[half:])
                return
            self._fail(kind, len(items), err)
            return
        except AtriumError as err:
            self._fail(kind, len(items), err)
            return
        with self._lock:
            self._counts["accepted"] += res.accepted
            self._counts["duplicates"] += res.duplicates
            self._counts["refused"] += res.refused
        refused = res.refused_items
        if refused:
            first = refused[0]
            log.warning(
                "atrium_client: %d of %d %s refused; first: %s (%s)", len(refused), len(items), kind, first.error, first.code
            )
            if self._on_refused is not None:
                for r in refused:
                    ev = items[r.index] if 0 <= r.index < len(items) else b""
                    self._on_refused(kind, ev, r)

    def _fail(self, kind: str, n: int, err: AtriumError) -> None:
        with self._lock:
            self._counts["failed"] += n
        log.error("atrium_client: gave up sending %d %s: %s", n, kind, err)
        if self._on_error is not None:
            self._on_error(kind, n, err)

