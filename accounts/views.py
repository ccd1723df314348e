"""Login, register and logout pages. They reuse the services the JSON API uses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, RegisterForm
from kalliky.errors import AppError, RateLimited, ValidationFailed


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return "/"


def login_page(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    retry_after = 0
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(
                request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except RateLimited as exc:
            error, status, retry_after = exc.detail, 429, exc.retry_after
        except AppError as exc:
            error, status = exc.detail, 401
        else:
            login(request, user)
            return redirect(_safe_next(request, next_url))
    response = render(
        request, "accounts/login.html", {"form": form, "error": error, "next": next_url}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def register_page(request: HttpRequest) -> HttpResponse:
    from billing import stripe_client

    if stripe_client.configured():
        # With billing on, an account starts with a plan and a payment: the signup does both.
        return redirect("billing:signup")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(**form.cleaned_data, language=request.LANGUAGE_CODE or "fr")
        except ValidationFailed as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Kalliky! Create your first store to get a number."))
            return redirect("dashboard:home")
    return render(request, "accounts/register.html", {"form": form}, status=422 if form.errors else 200)


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
