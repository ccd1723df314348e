"""One application error type and one error shape on the API: {"detail": ..., "code": ...}."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self, detail: str, *, code: str | None = None, field: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status_code = status
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.field:
            body["errors"] = [{"field": self.field, "message": self.detail}]
        return body


class ValidationFailed(AppError):
    """Input that passed the schema but breaks a business rule (past booking, full slot…)."""

    status_code = 422
    code = "validation_error"


class PermissionDenied(AppError):
    status_code = 403
    code = "permission_denied"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
