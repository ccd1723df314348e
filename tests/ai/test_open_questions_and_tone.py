"""Through `manage.py chat`: a plain "oui" to an open question picks nothing for the caller, and an
urgent matter at the practice is stored as urgent before the caller is put through.
The YAML scenarios open_questions.yaml and ends_and_tone.yaml cover the rest."""

from __future__ import annotations

import io
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management import call_command

from stores.models import Consultation, CustomerExchange, Reservation


def _chat(monkeypatch, lines: list[str], *args: str) -> list[str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    out = io.StringIO()
    call_command("chat", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def test_yes_to_what_time_books_nothing_until_the_time_is_said(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        ["je voudrais réserver une table pour 4 demain", "oui", "20h", "Dupont", "oui"],
        "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T15:00",
    )  # fmt: skip
    assert "quelle heure vous conviendrait" in replies[1].lower()
    assert "nom" not in replies[1]
    reservation = Reservation.objects.get(store=demo_pizzeria)
    paris = ZoneInfo("Europe/Paris")
    assert reservation.starts_at == datetime(2026, 12, 5, 20, 0, tzinfo=paris)
    assert (reservation.party_size, reservation.customer_name) == (4, "Dupont")


def test_an_urgent_matter_is_recorded_urgent_then_put_through(demo, monkeypatch):
    replies = _chat(
        monkeypatch,
        ["contrôle fiscal ce matin, je dois parler à maître Durand aujourd'hui", "allô ?"],
        "--store", "cabinet-conseil-durand", "--now", "2026-12-04T09:30", "--phone", "06 44 00 01 01",
    )  # fmt: skip
    assert len(replies) == 1  # the chat stops at the hand-over
    assert "urgence (contrôle fiscal)" in replies[0]
    consultation = Consultation.objects.get(store=demo["cabinet-conseil-durand"])
    assert consultation.urgency == Consultation.Urgency.HIGH
    assert "contrôle fiscal" in consultation.problem.lower()
    assert consultation.customer_phone == "+33644000101"


def test_an_angry_english_caller_hears_sorry_and_is_offered_a_person(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        ["this is ridiculous, I've been waiting an hour", "yes please"],
        "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T20:30",
    )  # fmt: skip
    assert replies[0].startswith("I understand you're upset, and I'm really sorry")
    assert "put you through" in replies[0]
    assert "putting you through" in replies[1]
    assert CustomerExchange.objects.get(store=demo_pizzeria, type="complaint").severity == "high"
