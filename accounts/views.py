"""Login and logout pages (register sends to the signup). They reuse the services the JSON API uses."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm
from kalliky.errors import AppError, RateLimited


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
    # One way to sign up: the plan, the first store, then the setup wizard. The signup lives in
    # billing (above accounts), so it is reached by its URL name, never imported.
    return redirect("billing:signup")


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
