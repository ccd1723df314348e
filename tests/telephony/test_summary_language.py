"""A call's summary in the reader's language: the summaries our own phrases write (the local
analyzer's, the demo history's) are kept as parts and put into words when read, in French or
English; an LLM's free summary stays as written, and the call page says in which language."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from ai.analysis.summary import part, render, when_text
from stores.models import Store
from telephony.analysis import analyze_call
from telephony.models import Call
from tests.ai.test_analysis import ORDER, phone_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def pizzeria() -> Store:
    call_command("seed_demo", stdout=StringIO())
    return Store.objects.get(slug="pizzeria-bella-napoli")


def reader(store: Store, language: str) -> Client:
    client = Client()
    client.force_login(store.business.owner)
    client.cookies["django_language"] = language
    return client


def test_parts_read_in_either_language():
    parts = [
        part(
            "order", number=12, lines=[[2, "Margherita", ["sans olives"]]], total="23.00", delivery="takeaway"
        ),
        part("reservation", n=4, when="2026-12-06T20:30:00+01:00"),
        part("complaint", category="delay", severity="high", text="Livraison en retard."),
        part("transfer"),
    ]
    assert render(parts, "fr") == (
        "Commande n°12 : 2 × Margherita (sans olives), 23,00 € (à emporter)."
        " Réservation d'une table pour 4 le 6 déc. à 20:30."
        " Réclamation (retard, gravité élevée) : Livraison en retard."
        " L'appelant a demandé à parler à l'équipe : appel transféré."
    )
    assert render(parts, "en") == (
        "Order #12: 2 × Margherita (sans olives), €23.00 (takeaway)."
        " Table for 4 on 6 Dec at 20:30."
        " Complaint (delay, severity high): Livraison en retard."
        " The caller asked to speak to the team: call transferred."
    )
    assert render(parts, "de") == render(parts, "fr")  # a language we do not write: French
    assert when_text("2026-05-01", "en") == "1 May 2026"


def test_a_damaged_or_unknown_part_is_left_out():
    parts = [{"k": "future_key", "a": {}}, part("order", number=1), part("missed")]
    assert render(parts, "en") == "Missed call."


def test_the_local_analysis_keeps_its_summary_as_parts(pizzeria):
    call = phone_call(pizzeria, ORDER)
    analysed = analyze_call(call.pk)
    assert analysed is not None
    written = analysed.analysis["summary"]
    assert written["lang"] == "fr" and written["parts"][0]["k"] == "order"
    assert analysed.ai_summary.startswith("Commande n°")  # what exports and notifications read
    with translation.override("en"):
        assert analysed.summary.startswith("Order #") and "(takeaway)" in analysed.summary
        assert analysed.summary_language == ""
    with translation.override("fr"):
        assert analysed.summary == analysed.ai_summary


def test_call_pages_show_our_summary_in_the_readers_language(pizzeria):
    call = phone_call(pizzeria, ORDER)
    analyze_call(call.pk)
    english = reader(pizzeria, "en")
    page = english.get(f"/calls/{call.pk}/").content.decode()
    assert 'id="call-summary"' in page and "Order #" in page and "Commande n°" not in page
    assert 'id="summary-language"' not in page
    french = reader(pizzeria, "fr").get(f"/calls/{call.pk}/").content.decode()
    assert "Commande n°" in french


def test_an_llm_summary_stays_as_written_and_says_its_language(pizzeria):
    call = phone_call(pizzeria, ORDER)
    Call.objects.filter(pk=call.pk).update(
        ai_summary="Le client commande deux pizzas à emporter.",
        analysis={"summary": {"lang": "fr"}},
        analysis_status=Call.AnalysisStatus.DONE,
    )
    page = reader(pizzeria, "en").get(f"/calls/{call.pk}/").content.decode()
    assert "Le client commande deux pizzas à emporter." in page
    assert 'lang="fr"' in page and "Summary written in French." in page
    page = reader(pizzeria, "fr").get(f"/calls/{call.pk}/").content.decode()
    assert "Résumé rédigé en" not in page  # the reader's own language: nothing to say


def test_the_calls_list_shows_summaries_in_the_readers_language(pizzeria):
    call = phone_call(pizzeria, ["Bonjour, vous êtes ouverts ce soir ?", "merci au revoir"])
    analyze_call(call.pk)
    call.refresh_from_db()
    assert call.analysis["summary"]["parts"]
    with translation.override("en"):
        english_text = call.summary
    page = reader(pizzeria, "en").get(f"/calls/?store={pizzeria.pk}").content.decode()
    assert english_text[:40] in page
