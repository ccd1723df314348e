"""Start-up checks: a real provider selected without its credentials is an error, not a
surprise on the first call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from kalliky import simulators


@register(Tags.security, deploy=False)
def provider_settings_check(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if settings.AI_BRAIN == "openai" and not settings.OPENAI_API_KEY:
        problems.append(
            Error(
                "AI_BRAIN=openai but OPENAI_API_KEY is empty.",
                hint="Set OPENAI_API_KEY, or use AI_BRAIN=local for the offline brain.",
                id="kalliky.E001",
            )
        )
    if settings.TELNYX_API_KEY and not settings.TELNYX_PUBLIC_KEY:
        problems.append(
            Error(
                "TELNYX_API_KEY is set but TELNYX_PUBLIC_KEY is empty: webhooks could not be verified.",
                hint="Copy the Ed25519 public key from the Telnyx portal (Keys & Credentials).",
                id="kalliky.E002",
            )
        )
    if settings.STRIPE_SECRET_KEY:
        missing = [
            name
            for name in ("STRIPE_WEBHOOK_SECRET", "STRIPE_PRICE_STARTER", "STRIPE_PRICE_PRO")
            if not getattr(settings, name)
        ]
        if missing:
            problems.append(
                Error(
                    f"STRIPE_SECRET_KEY is set but {', '.join(missing)} is empty.",
                    hint="Set the webhook signing secret (whsec_…) and the price ids of the plans.",
                    id="kalliky.E003",
                )
            )
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        problems.append(
            Error(
                "DEBUG is off but SECRET_KEY is the development default.",
                hint="Set SECRET_KEY to a long random value.",
                id="kalliky.E004",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def simulator_credentials_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A deployment never runs on the simulators' credentials: they are derived from constants in
    the source, so anyone could sign a Telnyx or Stripe event the app would trust."""
    in_use = simulators.credentials_in_use(settings)
    if not in_use:
        return []
    return [
        Error(
            f"{', '.join(in_use)} hold the development simulator's credentials.",
            hint="Set the keys of your Telnyx and Stripe accounts (or leave them empty outside production).",
            id="kalliky.E005",
        )
    ]


def fail_on_provider_errors() -> None:
    errors = [p for p in provider_settings_check(None) if isinstance(p, Error)]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))
