"""What the tests that talk to a real Atrium server share: the server's
address and credentials from the environment, and a proxy that stands in
front of it and misbehaves on purpose.

The environment (set by the Go test cmd/atrium/pyclient_test.go, or by hand):

    ATRIUM_URL          the server, e.g. http://127.0.0.1:8420
    ATRIUM_TOKEN        an API token of a use-case owner
    ATRIUM_INGEST_KEY   an ingestion key of that use case
    ATRIUM_USECASE      its slug
    ATRIUM_MODEL        a model with at least one version, the key's model
    ATRIUM_PROMPT       a prompt whose champion alias points at a version

Without them these tests are skipped, unless ATRIUM_TEST_REQUIRE_SERVER=1,
when they fail: a run that was meant to test against a server must not pass
by testing nothing.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import unittest
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

NAMES = ("URL", "TOKEN", "INGEST_KEY", "USECASE", "MODEL", "PROMPT")


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    ingest_key: str
    usecase: str
    model: str
    prompt: str


def server() -> Server:
    """The server under test, or SkipTest (a failure when required)."""
    values = {n: os.environ.get("ATRIUM_" + n, "") for n in NAMES}
    missing = [n for n, v in values.items() if not v]
    if missing:
        msg = "no Atrium server to test against: set " + ", ".join("ATRIUM_" + n for n in missing)
        if os.environ.get("ATRIUM_TEST_REQUIRE_SERVER") == "1":
            raise AssertionError(msg)
        raise unittest.SkipTest(msg)
    return Server(**{n.lower(): v for n, v in values.items()})


# An action decides what the proxy does with one request: "forward",
# "503" / "429" (answer so, with Retry-After), "drop" (close the connection
# without an answer), "lose-answer" (forward, then close without relaying the
# answer: the server did the work, the client never hears), "hold" (wait
# until released, then forward).
Action = str


class Proxy:
    """A loopback HTTP proxy in front of the real server. ``plan`` is a list
    of actions used one per request, in order (then "forward"); ``match``
    limits the plan to the requests it returns True for."""

    def __init__(self, upstream: str, plan: Optional[List[Action]] = None,
                 match: Callable[[str, str], bool] = lambda method, path: True, retry_after: str = "0") -> None:
        self.upstream = upstream.rstrip("/")
        self.plan = list(plan or [])
        self.match = match
        self.retry_after = retry_after
        self.seen: List[Tuple[str, str, Action]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.holding = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    action = "forward"
                    if proxy.match(self.command, self.path) and proxy.plan:
                        action = proxy.plan.pop(0)
                    proxy.seen.append((self.command, self.path, action))
                if action in ("503", "429"):
                    doc = b'{"type":"about:blank","title":"busy","status":%s,"detail":"try again","code":"%s"}' % (
                        action.encode(), b"unavailable" if action == "503" else b"rate_limited")
                    self.send_response(int(action))
                    self.send_header("Content-Type", "application/problem+json")
                    self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("Content-Length", str(len(doc)))
                    self.end_headers()
                    self.wfile.write(doc)
                    return
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "hold":
                    proxy.holding.set()
                    proxy.release.wait(30)
                status, headers, data = proxy.forward(self.command, self.path, self.headers, body)
                if action == "lose-answer":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(status)
                for k, v in headers:
                    if k.lower() in ("content-type", "retry-after", "location"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, method: str, path: str, headers: object, body: Optional[bytes]) -> Tuple[int, List[Tuple[str, str]], bytes]:
        h = {}
        for k in ("Authorization", "Content-Type", "Content-Encoding", "Accept"):
            v = headers.get(k)  # type: ignore[attr-defined]
            if v:
                h[k] = v
        req = urllib.request.Request(self.upstream + path, data=body, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, list(r.headers.items()), r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, list(e.headers.items()), e.read()

    def actions(self) -> List[Action]:
        with self.lock:
            return [a for _, _, a in self.seen]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
