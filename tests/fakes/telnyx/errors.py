"""Telnyx's error body, `{"errors": [{"code", "title", "detail", "source"?, "meta"?}]}`, and the codes we use.

Codes 10004/10005/10007/10009/10015 come from Telnyx's published error list and 90018 from the Call Control
docs. The call-state codes (invalid client_state, command not valid in the call's state) are our guesses:
real clients should branch on the HTTP status and on 90018 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOCS_URL = "https://developers.telnyx.com/docs/overview/errors/{code}"


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    title: str
    detail: str
    pointer: str | None = None  # JSON pointer of the offending field, e.g. "/payload"

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "meta": {"url": DOCS_URL.format(code=self.code)},
        }
        if self.pointer is not None:
            error["source"] = {"pointer": self.pointer}
        return {"errors": [error]}


class Refused(Exception):
    """Raised by a handler to answer with a Telnyx error body."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(f"{error.status} {error.code} {error.title}: {error.detail}")
        self.error = error


def authentication_failed() -> ApiError:
    return ApiError(
        401,
        "10009",
        "Authentication failed",
        "The required authentication headers were either invalid or not included in the request.",
    )


def not_found(detail: str = "The requested resource or URL could not be found.") -> ApiError:
    return ApiError(404, "10005", "Resource not found", detail)


def unexpected(status: int = 500, detail: str = "An unexpected error occured.") -> ApiError:
    return ApiError(status, "10007", "Unexpected error", detail)


def missing(field: str) -> ApiError:
    return ApiError(
        422, "10004", "Missing required parameter", f"The '{field}' parameter is required.", f"/{field}"
    )


def invalid(field: str, detail: str) -> ApiError:
    return ApiError(422, "10015", "Bad Request", detail, f"/{field}")


def malformed_json() -> ApiError:
    return ApiError(400, "10015", "Bad Request", "The request failed because it was not well-formed.")


def call_ended() -> ApiError:
    return ApiError(
        422,
        "90018",
        "Call has already ended",
        "This call is no longer active and can't receive commands.",
    )


INVALID_CLIENT_STATE_CODE = "90015"  # unverified
INVALID_CALL_STATE_CODE = "90022"  # unverified


def invalid_client_state() -> ApiError:
    return ApiError(
        422,
        INVALID_CLIENT_STATE_CODE,
        "Invalid client_state",
        "The client_state parameter must be a valid Base-64 encoded string.",
        "/client_state",
    )


def invalid_call_state(detail: str) -> ApiError:
    return ApiError(422, INVALID_CALL_STATE_CODE, "Invalid call state", detail)
