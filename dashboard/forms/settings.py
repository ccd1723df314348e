"""Forms of the store settings page: they validate what the owner types (clear messages next to
the field) before the same services as the API write it."""

from __future__ import annotations

import re
from datetime import time
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
