"""The Atrium client: events through an ingestion key, registry calls
through an API token."""

from __future__ import annotations

import atexit
import gzip
import hashlib
import json
import os
import threading
import weakref
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import events as ev
from ._http import RetryPolicy, Transport
from .batcher import GZIP_FROM, Batcher, Stats
from .errors import AtriumError, ClosedError, NotFoundError
from .events import BatchResult, ItemResult, Time
from .prompts import Prompt

__all__ = ["Client", "file_digest"]

API = ("api", "v1")

VersionRef = Union[Tuple[str, int], Mapping[str, Any]]


def file_digest(path: Union[str, "os.PathLike[str]"]) -> str:
    """The SHA-256 of a file as the registry takes it: ``sha256:<64 hex>``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


class Client:
    """A connection to one Atrium server.

    Events (``log_prediction``, ``log_outcome``, ``log_feedback``) need an
    ingestion key (``atri_…``, made by a use case's owner) and go through a
    background batcher; registry calls (``get_prompt``,
    ``register_model_version``) need an API token (``atr_…``). A client can
    hold both.

    Use it as a context manager, or call :meth:`close` before the program
    ends, so that queued events are sent::

        with Client("http://127.0.0.1:8420", ingest_key=key) as atrium:
            pid = atrium.log_prediction("churn-scorer", features={...}, score=0.82)
            atrium.log_feedback("thumbs", "up", prediction_id=pid)

    Args:
        url: the server's base URL.
        token: an API token, for registry calls.
        ingest_key: an ingestion key, for events.
        timeout: seconds one HTTP request may take.
        retry: how 429, 503 and failed connections are retried.
        batch_size: events per batch request (1…10,000).
        max_batch_bytes: JSON bytes per batch request before compression.
        flush_interval: seconds an event may wait in a batch being built.
        max_queue: events the queue holds before ``when_full`` applies.
        when_full: "drop" (default: count, log, go on), "block" (wait up to
            ``block_timeout`` seconds, then drop) or "raise" (QueueFull).
        compress: gzip batch bodies of 1 KiB or more.
        on_refused: called from the batcher thread as
            ``on_refused(kind, event_json, item_result)`` for each event the
            server refused.
        on_error: called as ``on_error(kind, count, error)`` when a batch was
            given up.
        close_at_exit: send what is queued when the interpreter exits (up to
            5 seconds) if the client was not closed.
    """

    def __init__(
        self,
        url: str,
        token: Optional[str] = None,
        ingest_key: Optional[str] = None,
        *,
        timeout: float = 10.0,
        retry: Optional[RetryPolicy] = None,
        batch_size: int = 500,
        max_batch_bytes: int = 4 << 20,
        flush_interval: float = 1.0,
        max_queue: int = 10_000,
        when_full: str = "drop",
        block_timeout: float = 1.0,
        compress: bool = True,
        on_refused: Optional[Callable[[str, bytes, ItemResult], None]] = None,
        on_error: Optional[Callable[[str, int, AtriumError], None]] = None,
        close_at_exit: bool = True,
    ) -> None:
        from . import __version__

        if timeout <= 0:
            raise ValueError("timeout must be more than 0 seconds")
        self.token = token
        self.ingest_key = ingest_key
        self._http = Transport(
            url, timeout=timeout, retry=retry or RetryPolicy(), user_agent="atrium-client-python/" + __version__
        )
        self._batch_options: Dict[str, Any] = dict(
            max_batch=batch_size,
            max_bytes=max_batch_bytes,
            interval=flush_interval,
            max_queue=max_queue,
            when_full=when_full,
            block_timeout=block_timeout,
            compress=compress,
            on_refused=on_refused,
            on_error=on_error,
        )
        # Checked now, so a wrong option fails here rather than at the first event.
        Batcher.check(batch_size, max_batch_bytes, flush_interval, max_queue, when_full)
        self._batcher: Optional[Batcher] = None
        self._lock = threading.Lock()
        self._closed = False
        self._atexit: Optional[Callable[[], None]] = None
        if close_at_exit:
            ref = weakref.ref(self)

            def at_exit() -> None:
                c = ref()
                if c is not None:
                    c.close(timeout=5.0)

            self._atexit = at_exit
            atexit.register(at_exit)

    @classmethod
    def from_env(cls, **options: Any) -> "Client":
        """A client for ``ATRIUM_URL`` with ``ATRIUM_TOKEN`` and
        ``ATRIUM_INGEST_KEY`` (each optional but the URL)."""
        url = os.environ.get("ATRIUM_URL")
        if not url:
            raise ValueError("ATRIUM_URL is not set")
        return cls(url, token=os.environ.get("ATRIUM_TOKEN") or None, ingest_key=os.environ.get("ATRIUM_INGEST_KEY") or None, **options)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self._http.base

    # Lifecycle.

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Send every event logged so far and wait for the answers; True
        when done within ``timeout`` seconds (None: no limit). Events the
        server refused or that were given up count as done (see
        :meth:`stats`)."""
        b = self._batcher
        return True if b is None else b.flush(timeout)

    def close(self, timeout: Optional[float] = 10.0) -> bool:
        """Send what is queued and stop the batcher; then logging raises
        :class:`ClosedError`. Retries are cut short after ``timeout``
        seconds. True when every queued event was sent. Safe to call twice."""
        with self._lock:
            self._closed = True
            b = self._batcher
            hook, self._atexit = self._atexit, None
        if hook is not None:
            atexit.unregister(hook)
        return True if b is None else b.close(timeout)

    def stats(self) -> Stats:
        """Counters of the background batcher: accepted, duplicates, refused,
        dropped, failed, requests, retries, still queued."""
        b = self._batcher
        if b is None:
            return Stats(0, 0, 0, 0, 0, 0, 0, self._http.retries)
        return b.stats()

    # Events, in the background.

    def log_prediction(self, model: Optional[str] = None, **fields: Any) -> str:
        """Queue one prediction and return its id (keep it for outcomes and
        feedback). Takes the arguments of :func:`atrium_client.prediction`:
        ``version``, ``features``, ``label``, ``score``, ``value``, ``subject``,
        ``segments``, ``latency_ms``, ``error``, ``explanation``, ``time``,
        ``id``. Returns at once; the event is sent with the next batch."""
        e = ev.prediction(model, **fields)
        self._submit("predictions", e)
        return str(e["id"])

    def log_outcome(self, prediction_id: str, *, label: Optional[str] = None, value: Optional[float] = None, time: Time = None) -> str:
        """Queue the actual label or value for an earlier prediction; returns
        the prediction id."""
        self._submit("outcomes", ev.outcome(prediction_id, label=label, value=value, time=time))
        return prediction_id

    def log_feedback(self, kind: str, value: Optional[str] = None, **fields: Any) -> str:
        """Queue one piece of feedback and return its id. Takes the arguments
        of :func:`atrium_client.feedback`: ``prediction_id``, ``text``,
        ``contact``, ``time``, ``id``."""
        e = ev.feedback(kind, value, **fields)
        self._submit("feedback", e)
        return str(e["id"])

    def _submit(self, kind: str, e: Mapping[str, Any]) -> None:
        data = ev.encode(e)
        self._need(self.ingest_key, "an ingestion key (ingest_key=)")
        self._running().submit(kind, data)

    def _running(self) -> Batcher:
        with self._lock:
            if self._closed:
                raise ClosedError("the client is closed; events can no longer be logged")
            if self._batcher is None:
                self._batcher = Batcher(self._post_batch, retries=lambda: self._http.retries, **self._batch_options)
            return self._batcher

    def _post_batch(self, kind: str, body: bytes, encoding: Optional[str], abort: threading.Event) -> BatchResult:
        a = self._http.request(
            "POST",
            API + ("ingest", kind, "batch"),
            credential=self.ingest_key,
            body=body,
            content_encoding=encoding,
            idempotent=True,
            abort=abort,
        )
        return BatchResult.from_json(a.json() or {})

    # Events, synchronously.

    def send_predictions(self, predictions: Iterable[Mapping[str, Any]], *, compress: bool = True) -> BatchResult:
        """Send predictions in one request and return the server's answer
        for each. Each item is a mapping as :func:`atrium_client.prediction`
        builds; one without an ``id`` is given a new one (in a copy).
        Retried on 429, 503 and failed connections like the batcher."""
        return self._send_batch("predictions", predictions, compress)

    def send_outcomes(self, outcomes: Iterable[Mapping[str, Any]], *, compress: bool = True) -> BatchResult:
        """Send outcomes (see :func:`atrium_client.outcome`) in one request."""
        return self._send_batch("outcomes", outcomes, compress)

    def send_feedback(self, items: Iterable[Mapping[str, Any]], *, compress: bool = True) -> BatchResult:
        """Send feedback (see :func:`atrium_client.feedback`) in one request."""
        return self._send_batch("feedback", items, compress)

    def send_prediction(self, prediction: Mapping[str, Any]) -> ItemResult:
        """Send one prediction to the single-event endpoint. Returns its
        ItemResult ("accepted", or "duplicate" when it was stored before);
        raises the server's error when it is refused."""
        return self._send_one("predictions", prediction)

    def send_outcome(self, outcome: Mapping[str, Any]) -> ItemResult:
        """Send one outcome to the single-event endpoint."""
        return self._send_one("outcomes", outcome)

    def send_one_feedback(self, item: Mapping[str, Any]) -> ItemResult:
        """Send one piece of feedback to the single-event endpoint."""
        return self._send_one("feedback", item)

    def _with_id(self, kind: str, e: Mapping[str, Any]) -> Dict[str, Any]:
        d = dict(e)
        if kind != "outcomes" and not d.get("id"):
            d["id"] = ev.new_id()
        return d

    def _send_batch(self, kind: str, items: Iterable[Mapping[str, Any]], compress: bool) -> BatchResult:
        self._need(self.ingest_key, "an ingestion key (ingest_key=)")
        parts = [ev.encode(self._with_id(kind, e)) for e in items]
        body = b"[" + b",".join(parts) + b"]"
        encoding = None
        if compress and len(body) >= GZIP_FROM:
            body, encoding = gzip.compress(body, compresslevel=5), "gzip"
        a = self._http.request(
            "POST", API + ("ingest", kind, "batch"), credential=self.ingest_key, body=body, content_encoding=encoding, idempotent=True
        )
        return BatchResult.from_json(a.json() or {})

    def _send_one(self, kind: str, e: Mapping[str, Any]) -> ItemResult:
        self._need(self.ingest_key, "an ingestion key (ingest_key=)")
        body = ev.encode(self._with_id(kind, e))
        a = self._http.request("POST", API + ("ingest", kind), credential=self.ingest_key, body=body, idempotent=True)
        return ItemResult.from_json(a.json() or {})

    # Reading what was stored (API token).

    def get_prediction(self, usecase: str, prediction_id: str) -> Dict[str, Any]:
        """A stored prediction as the server keeps it (subject pseudonymised,
        features while the retention keeps them). Needs a token with the
        viewer role."""
        return self._get(("usecases", usecase, "predictions", prediction_id))

    def get_feedback(self, usecase: str, feedback_id: str) -> Dict[str, Any]:
        """A stored piece of feedback with its triage state."""
        return self._get(("usecases", usecase, "feedback", feedback_id))

    # The registry (API token).

    def get_prompt(self, usecase: str, name: str, alias: Optional[str] = "champion", *, version: Optional[int] = None) -> Prompt:
        """A prompt version: the one ``alias`` points at (default
        "champion"), or ``version`` when given. Render it locally with
        :meth:`Prompt.render`."""
        base = ("usecases", usecase, "assets", "prompt", name)
        if version is None:
            if not alias:
                raise ValueError("name the prompt version by alias or by version")
            al = self._get(base + ("aliases", alias))
            version = int(al["version"])
        elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError("version must be a version number from 1")
        else:
            alias = None
        v = self._get(base + ("versions", str(version)))
        return Prompt.from_version(usecase, name, v, alias=alias)

    def render_prompt(
        self, usecase: str, name: str, variables: Mapping[str, str], *, alias: Optional[str] = None, version: Optional[int] = None
    ) -> Tuple[int, str]:
        """Render a prompt on the server; returns (version, text). Neither
        alias nor version: the newest version."""
        body: Dict[str, Any] = {"variables": dict(variables)}
        if alias is not None:
            body["alias"] = alias
        if version is not None:
            body["version"] = version
        out = self._post(("usecases", usecase, "assets", "prompt", name, "render"), body, idempotent=True)
        return int(out["version"]), str(out["text"])

    def register_model_version(
        self,
        usecase: str,
        name: str,
        *,
        uri: str,
        digest: str,
        size: int = 0,
        framework: Optional[str] = None,
        task: Optional[str] = None,
        parameters: Optional[Mapping[str, str]] = None,
        signature: Optional[Mapping[str, Any]] = None,
        training_data: Optional[Sequence[VersionRef]] = None,
        evaluation_data: Optional[Sequence[VersionRef]] = None,
        run_id: Optional[str] = None,
        release_notes: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        tags: Optional[Mapping[str, str]] = None,
        create_model: bool = True,
    ) -> Dict[str, Any]:
        """Register the next version of a model and return it as stored
        (its ``number`` among the rest). The model asset is created first if
        it does not exist and ``create_model`` is true. ``digest`` is the
        SHA-256 of the model's bytes (see :func:`file_digest`); Atrium keeps
        the URI and the digest and never fetches the URI. Dataset versions
        are ``("name", 3)`` or ``{"name": …, "version": …}``."""
        model: Dict[str, Any] = {}
        for k, v in (
            ("framework", framework),
            ("task", task),
            ("parameters", dict(parameters) if parameters is not None else None),
            ("signature", dict(signature) if signature is not None else None),
            ("training_data", _refs(training_data)),
            ("evaluation_data", _refs(evaluation_data)),
            ("run_id", run_id),
            ("release_notes", release_notes),
        ):
            if v is not None:
                model[k] = v
        body: Dict[str, Any] = {"uri": uri, "digest": digest, "size": size, "model": model}
        if description is not None:
            body["description"] = description
        if metadata is not None:
            body["metadata"] = dict(metadata)
        if tags is not None:
            body["tags"] = dict(tags)
        path = ("usecases", usecase, "assets", "model", name, "versions")
        try:
            return self._post(path, body, idempotent=False)
        except NotFoundError:
            if not create_model or self._exists(("usecases", usecase, "assets", "model", name)):
                raise
        self._post(("usecases", usecase, "assets"), {"kind": "model", "name": name}, idempotent=False, ok_conflict=True)
        return self._post(path, body, idempotent=False)

    def _exists(self, segments: Sequence[str]) -> bool:
        try:
            self._get(segments)
            return True
        except NotFoundError:
            return False

    # Plumbing.

    def _need(self, credential: Optional[str], what: str) -> str:
        if not credential:
            raise ValueError("this call needs %s" % what)
        return credential

    def _get(self, segments: Sequence[str]) -> Dict[str, Any]:
        token = self._need(self.token, "an API token (token=)")
        out = self._http.request("GET", API + tuple(segments), credential=token, idempotent=True).json()
        return out if isinstance(out, dict) else {}

    def _post(self, segments: Sequence[str], body: Mapping[str, Any], *, idempotent: bool, ok_conflict: bool = False) -> Dict[str, Any]:
        token = self._need(self.token, "an API token (token=)")
        data = json.dumps(body, allow_nan=False).encode("utf-8")
        try:
            out = self._http.request("POST", API + tuple(segments), credential=token, body=data, idempotent=idempotent).json()
        except AtriumError as e:
            if ok_conflict and e.code == "conflict":
                return {}
            raise
        return out if isinstance(out, dict) else {}


def _refs(refs: Optional[Sequence[VersionRef]]) -> Optional[List[Dict[str, Any]]]:
    if refs is None:
        return None
    out = []
    for r in refs:
        if isinstance(r, Mapping):
            out.append({"name": r["name"], "version": int(r["version"])})
        else:
            name, number = r
            out.append({"name": name, "version": int(number)})
    return out
