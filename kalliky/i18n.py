"""Language of a WebSocket's viewer (a socket has no LocaleMiddleware)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def socket_language(scope: dict[str, Any]) -> str:
    """The page's language: the language cookie, else Accept-Language, else the default."""
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    headers = dict(scope.get("headers", []))
    header = headers.get(b"accept-language", b"").decode("latin-1")
    accepted = [code for code, _q in parse_accept_lang_header(header)]
    for code in [cookie, *accepted]:
        if not code or code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
