"""The one NinjaAPI. Each app contributes a router; errors share one shape."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kalliky.errors import AppError, RateLimited

api = NinjaAPI(
    title="Kalliky API",
    version="1.0.0",
    description="The AI phone receptionist: stores, catalog, bookings, orders, calls.",
    urls_namespace="api",
)


def _field_of(loc: list[Any]) -> str:
    # ninja locations look like ["body", "payload", "price"]; the person wants "price".
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form")]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        message = str(err.get("msg", "Invalid value.")).removeprefix("Value error, ")
        field = _field_of(list(err.get("loc", [])))
        # Cross-field validators name their field as "field: message".
        head, sep, rest = message.partition(": ")
        if field == "body" and sep and head.replace("_", "").replace(".", "").isalnum():
            field, message = head, rest
        errors.append({"field": field, "message": message})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid input."
    return api.create_response(
        request, {"detail": summary, "code": "validation_error", "errors": errors}, status=422
    )


@api.exception_handler(AppError)
def on_app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status_code)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    detail = str(exc) or "Not found."
    return api.create_response(request, {"detail": detail, "code": "not_found"}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Log in first (POST /api/auth/login).", "code": "not_authenticated"}, status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {403: "permission_denied", 404: "not_found", 409: "conflict"}.get(exc.status_code, "error")
    return api.create_response(request, {"detail": str(exc), "code": code}, status=exc.status_code)


def _mount() -> None:
    # Wiring, not a cycle (no app imports kalliky.api): local only to keep the router names out of the module.
    from accounts.api import router as accounts_router
    from ai.api import router as ai_router
    from ai.menu_api import router as menu_import_router
    from billing.api import auth_router as signup_login_router
    from billing.webhooks import router as stripe_webhook_router
    from notifications.api import router as notifications_router
    from stores.api import router as stores_router
    from telephony.analysis_api import router as analysis_router
    from telephony.api import router as numbers_router
    from telephony.webhooks import router as telnyx_webhook_router

    api.add_router("/auth", accounts_router)
    api.add_router("/auth", signup_login_router)  # the one-time login after a signup (billing's)
    api.add_router("/stores", stores_router)
    api.add_router("/stores", ai_router)
    api.add_router("/ai", analysis_router)
    api.add_router("/ai", menu_import_router)
    api.add_router("/telnyx", telnyx_webhook_router)
    api.add_router("/telnyx", numbers_router)
    api.add_router("/app/notifications", notifications_router)
    api.add_router("/stripe", stripe_webhook_router)


_mount()
