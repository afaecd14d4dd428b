"""Errors raised by the client.

Every answer of the server that is not a success becomes an
:class:`AtriumError` carrying the problem document's ``code`` (``invalid``,
``not_found``, ``rate_limited`` …), its ``detail`` as the message, and the
HTTP status. A subclass per code lets callers catch what they can handle::

    try:
        client.register_model_version("churn", "scorer", uri=..., digest=...)
    except atrium_client.InvalidError as e:
        print("refused:", e.message)
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type


class AtriumError(Exception):
    """A request the server refused or could not answer.

    Attributes:
        message: what went wrong, in the server's words when it answered.
        code: the problem code (``invalid``, ``unauthenticated``, ``forbidden``,
            ``not_found``, ``conflict``, ``too_large``, ``rate_limited``,
            ``unavailable``, ``internal``), or ``transport`` when no answer
            came.
        status: the HTTP status, or None when no answer came.
        retry_after: seconds the server asked to wait (429, 503), if it said.
        problem: the whole problem document, for members beyond the usual ones.
    """

    code_name = ""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: Optional[int] = None,
        retry_after: Optional[float] = None,
        problem: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code_name
        self.status = status
        self.retry_after = retry_after
        self.problem: Dict[str, Any] = problem or {}

    def __str__(self) -> str:
        if self.status is not None:
            return "%s (%d %s)" % (self.message, self.status, self.code)
        return "%s (%s)" % (self.message, self.code) if self.code else self.message


class InvalidError(AtriumError, ValueError):
    """The request or one of its values is not allowed (400)."""

    code_name = "invalid"


class UnauthenticatedError(AtriumError):
    """No credential, or a wrong, expired or revoked one (401)."""

    code_name = "unauthenticated"


class ForbiddenError(AtriumError):
    """The credential may see the object but not change it (403)."""

    code_name = "forbidden"


class NotFoundError(AtriumError, LookupError):
    """It does not exist, or the credential may not see it (404)."""

    code_name = "not_found"


class ConflictError(AtriumError):
    """A duplicate, a stale version, or a move the state does not allow (409)."""

    code_name = "conflict"


class TooLargeError(AtriumError):
    """The body is over the server's limit (413)."""

    code_name = "too_large"


class RateLimitedError(AtriumError):
    """Too many requests; ``retry_after`` says how long to wait (429)."""

    code_name = "rate_limited"


class UnavailableError(AtriumError):
    """The server is busy or its database is not answering (503)."""

    code_name = "unavailable"


class InternalError(AtriumError):
    """The server failed (500)."""

    code_name = "internal"


class TransportError(AtriumError):
    """No answer came: the connection failed, was cut or timed out."""

    code_name = "transport"


class QueueFull(AtriumError):
    """The client's event queue is full and it was told to raise
    (``when_full="raise"``)."""

    code_name = "queue_full"


class ClosedError(AtriumError, RuntimeError):
    """An event was logged after :meth:`Client.close`."""

    code_name = "closed"


_BY_CODE: Dict[str, Type[AtriumError]] = {
    c.code_name: c
    for c in (
        InvalidError,
        UnauthenticatedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        TooLargeError,
        RateLimitedError,
        UnavailableError,
        InternalError,
    )
}

_BY_STATUS: Dict[int, Type[AtriumError]] = {
    400: InvalidError,
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: TooLargeError,
    429: RateLimitedError,
    503: UnavailableError,
}


def error_for(
    status: int,
    code: str,
    message: str,
    retry_after: Optional[float] = None,
    problem: Optional[Dict[str, Any]] = None,
) -> AtriumError:
    """The exception for an error answer: chosen by the problem code, else by
    the status (500 and unknown statuses are :class:`InternalError` or the
    base class)."""
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if cls is None:
        cls = InternalError if status >= 500 else AtriumError
    return cls(message, code=code or cls.code_name, status=status, retry_after=retry_after, problem=problem)


def error_for_item(code: str, message: str) -> AtriumError:
    """The exception for one refused event of a batch (no HTTP status of its
    own)."""
    cls = _BY_CODE.get(code, AtriumError)
    return cls(message, code=code or cls.code_name)
