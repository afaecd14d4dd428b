"""Building the events the ingestion API takes: predictions, outcomes and
feedback, as the JSON objects the server decodes.

Each builder checks what is cheap to check here — the id's form, flat
features, finite numbers, the feedback kind — so that a programming mistake
fails at the call, in the caller's thread, rather than as a refused event
later. The server checks everything again (limits, times, values) and
answers for each event.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Union

Time = Union[_dt.datetime, float, int, None]

# The server's rule for client-chosen ids (telemetry.CheckID).
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

FEEDBACK_KINDS = ("thumbs", "rating", "correction", "bug", "comment")


def new_id() -> str:
    """A fresh event id: 32 lower-case hex digits, random (UUID 4). Ids are
    made on the client so that sending an event again — after a timeout, a
    503, a restart — stores it once."""
    return uuid.uuid4().hex


def format_time(t: Time) -> str:
    """RFC 3339 in UTC with microseconds. ``t`` is an aware datetime, a naive
    one (taken as UTC), seconds since the epoch, or None for now."""
    if t is None:
        d = _dt.datetime.now(_dt.timezone.utc)
    elif isinstance(t, _dt.datetime):
        d = t.replace(tzinfo=_dt.timezone.utc) if t.tzinfo is None else t.astimezone(_dt.timezone.utc)
    elif isinstance(t, (int, float)) and not isinstance(t, bool):
        if not math.isfinite(t):
            raise ValueError("time must be a finite number of seconds, not %r" % t)
        d = _dt.datetime.fromtimestamp(t, _dt.timezone.utc)
    else:
        raise TypeError("time must be a datetime or seconds since the epoch, not %s" % type(t).__name__)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_id(what: str, value: str) -> str:
    """``value`` if it is a valid event id, else ValueError."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ValueError(
            "%s must be 1–128 letters, digits or . _ : - starting with a letter or digit, not %r" % (what, value)
        )
    return value


def _number(what: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError("%s must be a number, not %s" % (what, type(v).__name__))
    if not math.isfinite(v):
        raise ValueError("%s must be finite, not %r" % (what, v))
    return v


def _strings(what: str, m: Optional[Mapping[str, Any]]) -> Optional[Dict[str, str]]:
    if m is None:
        return None
    out = {}
    for k, v in m.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError("%s must map names to strings; %r: %r is not" % (what, k, v))
        out[k] = v
    return out


def _features(m: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if m is None:
        return None
    out: Dict[str, Any] = {}
    for k, v in m.items():
        if not isinstance(k, str):
            raise TypeError("feature names must be strings, not %r" % (k,))
        if v is None or isinstance(v, (bool, str)):
            out[k] = v
        elif isinstance(v, (int, float)):
            out[k] = _number("feature %r" % k, v)
        else:
            raise TypeError(
                "feature %r must be a number, string, boolean or None (features are flat), not %s" % (k, type(v).__name__)
            )
    return out


def prediction(
    model: Optional[str] = None,
    *,
    version: Union[str, int, None] = None,
    features: Optional[Mapping[str, Any]] = None,
    label: Optional[str] = None,
    score: Optional[float] = None,
    value: Optional[float] = None,
    subject: Optional[str] = None,
    segments: Optional[Mapping[str, str]] = None,
    latency_ms: Optional[float] = None,
    error: Optional[str] = None,
    explanation: Optional[Mapping[str, float]] = None,
    time: Time = None,
    id: Optional[str] = None,
) -> Dict[str, Any]:
    """One prediction event as the API takes it.

    Args:
        model: the model asset's name; None for the ingestion key's model.
        version: a version number or an alias ("champion"); None resolves
            to the champion alias if set, else the newest version.
        features: the model's inputs, a flat mapping of numbers, strings,
            booleans and None.
        label, score, value: the output — a class label, a score in [0, 1],
            a regression value (any that apply).
        subject: who or what the prediction is about; the server keeps only
            a keyed hash of it.
        segments: a few attributes to slice by (``{"region": "north"}``).
        latency_ms: how long the model took.
        error: "timeout" or "error" when the call failed (no output then).
        explanation: per-feature contributions to the output.
        time: when it was made (default now).
        id: the event id (default a new one); keep it to send outcomes and
            feedback about this prediction.
    """
    ev: Dict[str, Any] = {"id": check_id("id", id) if id is not None else new_id(), "time": format_time(time)}
    if model is not None:
        ev["model"] = model
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, (str, int)):
            raise TypeError("version must be a number or an alias name")
        ev["version"] = str(version)
    if subject is not None:
        ev["subject"] = str(subject)
    seg = _strings("segments", segments)
    if seg:
        ev["segments"] = seg
    feats = _features(features)
    if feats:
        ev["features"] = feats
    out: Dict[str, Any] = {}
    if label is not None:
        out["label"] = str(label)
    if score is not None:
        out["score"] = _number("score", score)
    if value is not None:
        out["value"] = _number("value", value)
    ev["output"] = out
    if latency_ms is not None:
        ev["latency_ms"] = _number("latency_ms", latency_ms)
    if error is not None:
        ev["error"] = error
    if explanation:
        ev["explanation"] = {str(k): _number("explanation %r" % k, v) for k, v in explanation.items()}
    return ev


def outcome(
    prediction_id: str,
    *,
    label: Optional[str] = None,
    value: Optional[float] = None,
    time: Time = None,
) -> Dict[str, Any]:
    """The actual label or value for an earlier prediction. A prediction has
    one outcome: sending it again is a duplicate, not a change."""
    if label is None and value is None:
        raise ValueError("an outcome needs a label or a value")
    ev: Dict[str, Any] = {"prediction_id": check_id("prediction_id", prediction_id), "time": format_time(time)}
    if label is not None:
        ev["label"] = str(label)
    if value is not None:
        ev["value"] = _number("value", value)
    return ev


def feedback(
    kind: str,
    value: Optional[str] = None,
    *,
    prediction_id: Optional[str] = None,
    text: Optional[str] = None,
    contact: Optional[str] = None,
    time: Time = None,
    id: Optional[str] = None,
) -> Dict[str, Any]:
    """What a person said about the model or one prediction.

    Args:
        kind: "thumbs" (value "up"/"down"), "rating" (value "1"…"5"),
            "correction" (value: what the output should have been), "bug" or
            "comment" (text).
        prediction_id: the prediction it is about, if any.
        text: free text; the server masks e-mail addresses, phone numbers,
            IBANs and card numbers in it when the use case's policy says so.
        contact: where the person wants to hear what became of it.
    """
    if kind not in FEEDBACK_KINDS:
        raise ValueError("kind must be one of %s, not %r" % (", ".join(FEEDBACK_KINDS), kind))
    ev: Dict[str, Any] = {"id": check_id("id", id) if id is not None else new_id(), "kind": kind, "time": format_time(time)}
    if value is not None:
        ev["value"] = str(value)
    if prediction_id is not None:
        ev["prediction_id"] = check_id("prediction_id", prediction_id)
    if text is not None:
        ev["text"] = text
    if contact is not None:
        ev["contact"] = contact
    return ev


def encode(ev: Mapping[str, Any]) -> bytes:
    """One event as compact JSON. NaN and infinities are refused here (JSON
    has no such numbers)."""
    return json.dumps(ev, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class ItemResult:
    """The server's answer for one event.

    Attributes:
        index: the event's position in the request.
        id: its id (for outcomes, the prediction's id).
        status: "accepted" (stored now), "duplicate" (stored before; nothing
            changed) or "refused" (not stored; ``code`` and ``error`` say why).
    """

    index: int
    id: str
    status: str
    code: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the event is stored (now or before)."""
        return self.status in ("accepted", "duplicate")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ItemResult":
        """Read one ItemResult of an answer."""
        return cls(
            index=int(d.get("index", 0)),
            id=str(d.get("id", "")),
            status=str(d.get("status", "")),
            code=str(d.get("code", "")),
            error=str(d.get("error", "")),
        )


@dataclass(frozen=True)
class BatchResult:
    """The server's answer for a batch: counts and one ItemResult per event,
    in request order."""

    accepted: int
    duplicates: int
    refused: int
    items: List[ItemResult]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "BatchResult":
        """Read a batch answer."""
        items = sorted((ItemResult.from_json(i) for i in d.get("items") or []), key=lambda r: r.index)
        return cls(
            accepted=int(d.get("accepted", 0)),
            duplicates=int(d.get("duplicates", 0)),
            refused=int(d.get("refused", 0)),
            items=items,
        )

    @property
    def refused_items(self) -> List[ItemResult]:
        """The events that were not stored."""
        return [i for i in self.items if i.status == "refused"]
