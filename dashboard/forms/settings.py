"""Forms of the store settings page: they validate what the owner types (clear messages next to
the field) before the same services as the API write it."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ai.models import IntelligentAIConfig
from stores.holidays import is_supported
from stores.models import Store

INPUT = (
    "mt-1 w-full rounded border border-slate-300 bg-white px-2 py-1 text-slate-900 "
    "dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100"
)
CHECK = "mr-2 h-4 w-4 align-middle"


class Styled:
    """Tailwind classes on every widget (inputs full width, checkboxes small)."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs.setdefault("class", CHECK if checkbox else INPUT)


class StoreDetailsForm(Styled, forms.ModelForm):
    class Meta:
        model = Store
        fields = [
            "name", "address", "phone", "timezone", "country", "language", "currency", "tax_rate",
            "has_products", "has_reservations", "has_consultations", "delivery_enabled", "record_calls",
            "payment_links_enabled", "payment_link_threshold", "booking_deposit", "is_active",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_country(self) -> str:
        # The same rule as the API: a code whose public holidays we know, or empty for none.
        code = (self.cleaned_data.get("country") or "").strip().upper()
        if code and not is_supported(code):
            raise forms.ValidationError(
                _("%(code)s is not a country whose public holidays we know; use a code like FR, GB or US."),
                params={"code": code},
            )
        return code


class AssistantForm(Styled, forms.ModelForm):
    class Meta:
        model = IntelligentAIConfig
        fields = [
            "is_active", "personality", "voice_style", "language", "greeting", "custom_instructions",
            "automation_level", "upsell_enabled", "brain", "turn_detection",
        ]  # fmt: skip
        widgets = {"custom_instructions": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


SPAN = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*[-–]\s*(\d{1,2})[:h](\d{2})\s*$")


def parse_spans(text: str, weekday: int) -> list[dict[str, Any]]:
    """'11:30-14:30, 18:30-22:30' → opening intervals; empty means closed that day."""
    intervals = []
    for part in [p for p in text.split(",") if p.strip()]:
        match = SPAN.match(part)
        if not match:
            raise forms.ValidationError(
                _("Write opening hours like 11:30-14:30, 18:30-22:30 (or leave empty when closed).")
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise forms.ValidationError(_("%(part)s is not a time of day.") % {"part": part.strip()})
        opens, closes = time(h1, m1), time(h2, m2)
        if opens == closes:
            raise forms.ValidationError(_("An opening cannot start and end at the same time."))
        intervals.append({"weekday": weekday, "opens": opens, "closes": closes})
    return intervals


SPECIAL_LINE = re.compile(r"^(\S+)\s+((?:\d{1,2}[:h]\d{2}\s*[-–]\s*\d{1,2}[:h]\d{2}[\s,]*)+)(.*)$")


def parse_special(text: str) -> list[dict[str, Any]]:
    """One date a line with its hours: '2026-12-24 10:00-16:00, 18:00-20:00 Christmas Eve'."""
    special = []
    for line in [line.strip() for line in text.splitlines() if line.strip()]:
        match = SPECIAL_LINE.match(line)
        try:
            on = date.fromisoformat(match.group(1)) if match else None
            intervals = parse_spans(match.group(2).strip(" ,"), 0) if match else []
        except (ValueError, forms.ValidationError):
            on, intervals = None, []
        if on is None or not intervals:
            raise forms.ValidationError(
                _("%(line)s: write special hours as YYYY-MM-DD 10:00-16:00, then the reason.")
                % {"line": line}
            )
        reason = match.group(3).strip()[:200] if match else ""
        special += [
            {"date": on, "opens": i["opens"], "closes": i["closes"], "reason": reason} for i in intervals
        ]
    return special


def special_of(rows: list[Any]) -> str:
    """The special hours as the textarea shows them, one date a line."""
    by_day: dict[date, list[Any]] = {}
    for row in rows:
        by_day.setdefault(row.date, []).append(row)
    lines = []
    for day, spans in sorted(by_day.items()):
        hours = ",".join(f"{r.opens:%H:%M}-{r.closes:%H:%M}" for r in spans)
        lines.append(f"{day.isoformat()} {hours} {spans[0].reason}".strip())
    return "\n".join(lines)


def parse_closed(text: str) -> list[dict[str, Any]]:
    """One closed date a line: '2026-12-25 Christmas'."""
    closed = []
    for line in [line.strip() for line in text.splitlines() if line.strip()]:
        day, _sep, reason = line.partition(" ")
        try:
            closed.append({"date": date.fromisoformat(day), "reason": reason.strip()[:200]})
        except ValueError:
            raise forms.ValidationError(
                _("%(line)s: write a closed date as YYYY-MM-DD, then the reason.") % {"line": line}
            ) from None
    return closed


def spans_of(intervals: list[Any], weekday: int) -> str:
    return ", ".join(f"{i.opens:%H:%M}-{i.closes:%H:%M}" for i in intervals if i.weekday == weekday)
