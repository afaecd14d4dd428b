"""HTTP to an Atrium server with urllib: one request, its error answer turned
into an exception, and retries with exponential backoff and jitter for the
answers worth retrying."""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

from .errors import AtriumError, TransportError, error_for

# Answers that say "not now": a rate limit and a busy or unavailable server.
# Nothing was stored, so sending the same request again is safe.
RETRY_STATUSES = frozenset({429, 503})

# How much of an answer the client reads: a batch answer for 10,000 events
# is well under it.
MAX_ANSWER = 16 << 20


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request the server answered with
    429 or 503, or that got no answer.

    The wait before retry n (from 0) is drawn uniformly from
    [0, min(max_delay, base_delay * 2**n)] ("full jitter", so that many
    clients that failed together do not come back together), and is at least
    what the server's Retry-After asked for. A request is given up after
    ``max_attempts`` tries or once waiting again would pass ``max_elapsed``
    seconds since the first try.
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_elapsed: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_elapsed < 0:
            raise ValueError("delays must not be negative")

    def delay(self, attempt: int, retry_after: Optional[float], rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first
        retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt, 30)))
        wait = rng.uniform(0, ceiling)
        if retry_after is not None:
            # A little jitter on top, so that every client the server told
            # "1 second" does not return in the same millisecond.
            wait = max(wait, retry_after + rng.uniform(0, min(1.0, 0.1 * retry_after + 0.05)))
        return wait


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date.
    None when absent or unreadable; never negative."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Answer:
    """A successful answer: its status, headers and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


class Transport:
    """Sends requests to one server. Safe to share between threads: urllib
    opens a connection per request and the transport holds no per-request
    state."""

    def __init__(self, url: str, *, timeout: float, retry: RetryPolicy, user_agent: str) -> None:
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ValueError("url must be an http or https URL such as http://127.0.0.1:8420, not %r" % url)
        if u.query or u.fragment:
            raise ValueError("url must not have a query or fragment: %r" % url)
        self.base = urllib.parse.urlunsplit((u.scheme, u.netloc, u.path.rstrip("/"), "", ""))
        self.timeout = timeout
        self.retry = retry
        self.user_agent = user_agent
        self._rng = random.Random()
        self._rng_lock = threading.Lock()
        # Counted for Client.stats(): retries made, across threads.
        self.retries = 0

    def url(self, segments: Sequence[str], query: Optional[Mapping[str, Any]] = None) -> str:
        """The base URL with each segment escaped (a '/' in a name cannot
        reach another route) and an optional query."""
        path = "".join("/" + urllib.parse.quote(str(s), safe="") for s in segments)
        out = self.base + path
        if query:
            out += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return out

    def request(
        self,
        method: str,
        segments: Sequence[str],
        *,
        credential: Optional[str],
        body: Optional[bytes] = None,
        content_type: str = "application/json",
        content_encoding: Optional[str] = None,
        query: Optional[Mapping[str, Any]] = None,
        idempotent: bool,
        retry: Optional[RetryPolicy] = None,
        abort: Optional[threading.Event] = None,
    ) -> Answer:
        """Send one request and return its answer, or raise the server's
        error as an :class:`AtriumError`.

        429 is retried always (the server refused before doing anything);
        503 and transport failures only when ``idempotent`` — sending the
        request twice must do no harm, as with events that carry their id.
        ``abort`` cuts the waits short (the client is closing): the last
        error is raised at once.
        """
        policy = retry or self.retry
        url = self.url(segments, query)
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if credential:
            headers["Authorization"] = "Bearer " + credential
        if body is not None:
            headers["Content-Type"] = content_type
            if content_encoding:
                headers["Content-Encoding"] = content_encoding
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return self._once(method, url, headers, body)
            except AtriumError as err:
                retryable = err.status == 429 or (idempotent and (err.status == 503 or err.status is None))
                if not retryable or attempt + 1 >= policy.max_attempts:
                    raise
                with self._rng_lock:
                    wait = policy.delay(attempt, err.retry_after, self._rng)
                if time.monotonic() - started + wait > policy.max_elapsed:
                    raise
                with self._rng_lock:
                    self.retries += 1
                if abort is not None:
                    if abort.wait(wait):
                        raise
                else:
                    time.sleep(wait)
                attempt += 1

    def _once(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes]) -> Answer:
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = resp.read(MAX_ANSWER + 1)
                if len(data) > MAX_ANSWER:
                    raise TransportError("the answer is larger than %d bytes" % MAX_ANSWER)
                return Answer(resp.status, dict(resp.headers.items()), data)
        except urllib.error.HTTPError as e:
            raise _problem(e) from None
        except urllib.error.URLError as e:
            raise TransportError("%s %s: %s" % (method, url, e.reason)) from e
        except (http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError, OSError) as e:
            raise TransportError("%s %s: %s" % (method, url, e or type(e).__name__)) from e


def _problem(e: urllib.error.HTTPError) -> AtriumError:
    """The error an HTTP error answer stands for, read from its problem
    document (``code``, ``detail``) when it has one."""
    try:
        raw = e.read(1 << 20)
    except (OSError, http.client.HTTPException):
        raw = b""
    finally:
        e.close()
    retry_after = parse_retry_after(e.headers.get("Retry-After") if e.headers else None)
    code, message, problem = "", "", {}
    try:
        doc = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        doc = None
    if isinstance(doc, dict):
        problem = doc
        code = str(doc.get("code") or "")
        message = str(doc.get("detail") or doc.get("message") or doc.get("title") or "")
    if not message:
        text = raw.decode("utf-8", "replace").strip()
        message = text[:200] if text else (e.reason or "HTTP %d" % e.code)
    return error_for(e.code, code, str(message), retry_after=retry_after, problem=problem)

