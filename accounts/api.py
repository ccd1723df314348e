"""Auth API: session cookie, CSRF enforced on every unsafe method (login and register too,
so a third-party page cannot log a visitor into an attacker's account)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Router, Status
from ninja.security import django_auth
from ninja.utils import check_csrf

from accounts import services
from accounts.models import User
from accounts.schemas import CsrfOut, LoginIn, RegisterIn, UserOut
from kalliky.errors import AppError

router = Router(tags=["auth"])


def _require_csrf(request: HttpRequest) -> None:
    failure = check_csrf(request)
    if failure is not None:
        raise AppError(
            "CSRF token missing or incorrect: GET /api/auth/csrf and send it as X-CSRFToken.",
            code="csrf_failed",
            status=403,
        )


def _language(request: HttpRequest) -> str:
    code = (getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE)[:2]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _user_out(user: User) -> dict:
    memberships = user.memberships.select_related("business").order_by("business__name")
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "language": user.language,
        "businesses": [
            {
                "business_id": m.business_id,
                "business_name": m.business.name,
                "business_type": m.business.type,
                "role": m.role,
            }
            for m in memberships
        ],
    }


@router.get("/csrf", response=CsrfOut, summary="Get a CSRF token (also set as the csrftoken cookie)")
def csrf(request: HttpRequest) -> dict:
    return {"csrfToken": get_token(request)}


@router.post("/register", response={201: UserOut}, summary="Create an owner account and its business")
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    _require_csrf(request)
    data = payload.dict()
    data["language"] = data["language"] or _language(request)
    user = services.user_register(**data)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return Status(201, _user_out(user))


@router.post("/login", response=UserOut, summary="Log in with email and password")
def login_view(request: HttpRequest, payload: LoginIn) -> dict:
    _require_csrf(request)
    user = services.user_authenticate(request=request, email=payload.email, password=payload.password)
    login(request, user)
    return _user_out(user)


@router.post("/logout", response={204: None}, auth=django_auth, summary="Log out")
def logout_view(request: HttpRequest) -> Status:
    logout(request)
    return Status(204, None)


@router.get("/me", response=UserOut, auth=django_auth, summary="The logged-in user and their businesses")
def me(request: HttpRequest) -> dict:
    return _user_out(request.user)
