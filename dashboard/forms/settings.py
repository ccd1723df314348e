"""Forms of the store settings page: they validate what the owner types (clear messages next to
the field) before the same services as the API write it."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ai.models import IntelligentAIConfig
from ai.voice.preview import OPENAI_VOICES, PHONE_VOICES, openai_configured
from kalliky.languages import SUPPORTED_LANGUAGES
from kalliky.phones import to_e164
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
        self.fields["phone"].label = _("Phone number (e.g. +33 6 12 34 56 78)")
        self.fields["phone"].help_text = _(
            "The number customers know; write it with the country code, spaces are fine."
        )
        self.fields["country"].help_text = _("Two letters, like FR: used for the public holidays.")
        self.fields["timezone"].help_text = _("Like Europe/Paris: the store's clock for hours and bookings.")
        self._style()

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return to_e164(raw)
        except ValueError:
            raise forms.ValidationError(_("Write a phone number like +33 6 12 34 56 78.")) from None

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
    """Plain words for the owner; the voice and language picked from lists. The OpenAI voice is
    offered only when OpenAI is configured (otherwise it is kept as it was)."""

    voice_type = forms.ChoiceField(
        label=_("Voice on the phone"),
        choices=list(PHONE_VOICES.items()),
        help_text=_("Press “Listen” to hear a sample sentence in the store's language."),
    )
    voice_style = forms.ChoiceField(
        label=_("Voice when OpenAI answers"),
        choices=[(v, v.capitalize()) for v in OPENAI_VOICES],
    )
    language = forms.ChoiceField(label=_("Language the assistant speaks"), choices=())

    class Meta:
        model = IntelligentAIConfig
        fields = [
            "is_active", "personality", "voice_type", "voice_style", "language", "greeting",
            "custom_instructions", "automation_level", "upsell_enabled", "brain", "turn_detection",
        ]  # fmt: skip
        widgets = {"custom_instructions": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "is_active": _("The assistant answers calls"),
            "personality": _("Tone"),
            "greeting": _("First sentence callers hear"),
            "custom_instructions": _("What the assistant should know (your own words)"),
            "automation_level": _("What the assistant may do"),
            "upsell_enabled": _("Suggest a side or a drink"),
            "brain": _("Who answers: local assistant or OpenAI"),
            "turn_detection": _("Wait before answering (silence at the end of a sentence)"),
        }
        help_texts = {
            "greeting": _("Leave empty for the usual greeting with the store's name."),
            "brain": _("The local assistant works offline; OpenAI understands more but needs its key."),
            "turn_detection": _(
                "How the assistant knows the caller has finished: a short pause, or a finished thought."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (code, get_language_info(code)["name_local"].capitalize()) for code in SUPPORTED_LANGUAGES
        ]
        if not openai_configured():
            del self.fields["voice_style"]
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
