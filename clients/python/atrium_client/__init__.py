"""atrium_client: report what a model does in production to Atrium, and read
its registry.

    from atrium_client import Client

    with Client("http://127.0.0.1:8420", ingest_key="atri_…") as atrium:
        pid = atrium.log_prediction("churn-scorer", features={"tenure": 14}, score=0.82)
        atrium.log_outcome(pid, label="churned")

Only the standard library is used. See README.md for the whole API.
"""

__version__ = "0.1.0"

from ._http import RetryPolicy, parse_retry_after
from .batcher import Stats
from .client import Client, file_digest
from .errors import (
    AtriumError,
    ClosedError,
    ConflictError,
    ForbiddenError,
    InternalError,
    InvalidError,
    NotFoundError,
    QueueFull,
    RateLimitedError,
    TooLargeError,
    TransportError,
    UnauthenticatedError,
    UnavailableError,
)
from .events import BatchResult, ItemResult, feedback, new_id, outcome, prediction
from .prompts import Prompt, render, variables

__all__ = [
    "__version__",
    "AtriumError",
    "BatchResult",
    "Client",
    "ClosedError",
    "ConflictError",
    "ForbiddenError",
    "InternalError",
    "InvalidError",
    "ItemResult",
    "NotFoundError",
    "Prompt",
    "QueueFull",
    "RateLimitedError",
    "RetryPolicy",
    "Stats",
    "TooLargeError",
    "TransportError",
    "UnauthenticatedError",
    "UnavailableError",
    "feedback",
    "file_digest",
    "new_id",
    "outcome",
    "parse_retry_after",
    "prediction",
    "render",
    "variables",
]
