"""Sandboxed message templates: plain text with `{{ name }}` placeholders and nothing else.

No tags, no filters, no attribute access, no expressions: an owner's template can only place the
values its action offers (notifications/actions.py). An unknown name is refused when the
template is saved, so a message never goes out with a hole in it. Values are inserted once (a
value that looks like a placeholder stays text) and HTML-escaped in the email's HTML part."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.translation import gettext as _

from kalliky.languages import SUPPORTED_LANGUAGES
from notifications import actions
from notifications.defaults import shipped_text
from notifications.models import Channel, NotificationTemplate

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TAGS = ("{%", "%}", "{#", "#}")
LANGUAGES = SUPPORTED_LANGUAGES
SUBJECT_MAX = 200
SMS_MAX = 1600  # ten concatenated parts: past that, carriers drop or truncate


class TemplateProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def placeholders(text: str, *, field: str = "body") -> list[str]:
    """The names used by `text`, or TemplateProblem on anything that is not a plain name."""
    for tag in _TAGS:
        if tag in text:
            raise TemplateProblem(
                field, _("Template tags and comments are not allowed; use {{ name }} only.")
            )
    names = []
    for match in _ANY_BRACES.finditer(text):
        inner = match.group(1)
        name = _PLACEHOLDER.fullmatch(match.group(0))
        if name is None:
            raise TemplateProblem(
                field,
                _("{{%(inner)s}} is not allowed: write a plain {{ name }}, without filters, dots or spaces.")
                % {"inner": inner},
            )
        names.append(name.group(1))
    leftover = _ANY_BRACES.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise TemplateProblem(field, _("A placeholder is not closed: write {{ name }}."))
    return names


def check_template(action: str, channel: str, language: str, subject: str, body: str) -> None:
    """Everything a saved template must satisfy, with the field at fault."""
    try:
        actions.check_action_channel(action, channel)
    except actions.RecipientError as exc:
        raise TemplateProblem(exc.field, exc.message) from None
    if channel == Channel.WEBHOOK:
        raise TemplateProblem("channel", _("Webhooks send the event's data as JSON: they have no template."))
    if language not in LANGUAGES:
        raise TemplateProblem("language", _("Write templates in fr or en."))
    if not body.strip():
        raise TemplateProblem("body", _("The body cannot be empty."))
    if channel == Channel.EMAIL and not subject.strip():
        raise TemplateProblem("subject", _("An email needs a subject."))
    if channel == Channel.SMS and subject.strip():
        raise TemplateProblem("subject", _("A text message has no subject: leave it empty."))
    allowed = actions.variables_of(action)
    for field, text in (("subject", subject), ("body", body)):
        unknown = sorted({name for name in placeholders(text, field=field) if name not in allowed})
        if unknown:
            raise TemplateProblem(
                field,
                _("Unknown variable(s): %(unknown)s. This action offers: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )


def render(text: str, values: Mapping[str, str]) -> str:
    """Put the values in; a name the values lack renders empty (checked names never do)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


def to_html(text: str) -> str:
    """The text part as HTML: everything escaped, then paragraphs and line breaks."""
    paragraphs = [p for p in escape(text).split("\n\n") if p.strip()]
    inner = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">{inner}</body></html>'


# While a dispatcher sends a batch, each template is read once (a batch is seconds long).
_BATCH: ContextVar[dict[tuple, tuple[str, str]] | None] = ContextVar("notification_templates", default=None)


@contextmanager
def templates_cached() -> Iterator[None]:
    token = _BATCH.set({})
    try:
        yield
    finally:
        _BATCH.reset(token)


def template_for(business_id: int | None, action: str, channel: str, language: str) -> tuple[str, str]:
    """(subject, body): the business's own template, else a default row, else the shipped text."""
    cache = _BATCH.get()
    key = (business_id, action, channel, language)
    if cache is not None and key in cache:
        return cache[key]
    found = _lookup(business_id, action, channel, language)
    if cache is not None:
        cache[key] = found
    return found


def _lookup(business_id: int | None, action: str, channel: str, language: str) -> tuple[str, str]:
    rows = NotificationTemplate.objects.filter(
        Q(business_id=business_id) | Q(business__isnull=True),
        action_type=action,
        channel=channel,
        language=language,
    ).only("business_id", "subject", "body")
    found = sorted(rows, key=lambda t: t.business_id is None)
    if found:
        return found[0].subject, found[0].body
    text = shipped_text(action, channel, language)
    if text is None:
        raise LookupError(f"no template for {action} by {channel}")
    return text.subject, text.body


def compose(
    *, business_id: int | None, action: str, channel: str, language: str, values: Mapping[str, str]
) -> Message:
    subject, body = template_for(business_id, action, channel, language)
    return render_message(channel, subject, body, values)


def render_message(channel: str, subject: str, body: str, values: Mapping[str, str]) -> Message:
    text = render(body, values)
    if channel == Channel.SMS:
        text = text[:SMS_MAX]
    # A header cannot hold a line break (and must not: header injection).
    one_line = " ".join(render(subject, values).split())
    return Message(subject=one_line[:SUBJECT_MAX], text=text, html=to_html(text))
