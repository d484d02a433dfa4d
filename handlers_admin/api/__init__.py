"""The product's API in the panel's words: the client, what its answers hold, and every outcome a caller can meet."""

from handlers_admin.api.answers import Handler, ListAnswer, State, WriteAnswer
from handlers_admin.api.client import LARGEST_PAGE, ApiClient, api_client
from handlers_admin.api.errors import (
    ApiError,
    BadAnswer,
    CannotChange,
    NotAnApi,
    NotConfigured,
    NotDone,
    NotFound,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    Refused,
    ServerFault,
    TimedOut,
    Unconfirmed,
    Unreachable,
    UpdateRefused,
)

__all__ = [
    "LARGEST_PAGE",
    "ApiClient",
    "ApiError",
    "BadAnswer",
    "CannotChange",
    "Handler",
    "ListAnswer",
    "NotAnApi",
    "NotConfigured",
    "NotDone",
    "NotFound",
    "NotSent",
    "OutcomeUnknown",
    "RateLimited",
    "Refused",
    "ServerFault",
    "State",
    "TimedOut",
    "Unconfirmed",
    "Unreachable",
    "UpdateRefused",
    "WriteAnswer",
    "api_client",
]
