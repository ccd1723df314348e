"""The terminal doors: `chat` (scripted on a pipe) and `assistant_selftest`; the self-test API
and its re-run after catalog edits."""

from __future__ import annotations

import io
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from ai.models import AIConversationSession, AssistantSelfTest
from stores.models import Order, Product, Reservation


def _chat(monkeypatch, lines: list[str], *args: str) -> tuple[list[str], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    out, err = io.StringIO(), io.StringIO()
    call_command("chat", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def test_chat_reads_one_line_and_prints_one_reply(demo_pizzeria, monkeypatch):
    replies, greeting = _chat(
        monkeypatch,
        [
            "Bonjour, je voudrais deux margherita grandes et un coca",
            "non merci c'est tout",
            "à emporter",
            "oui",
        ],
        "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T19:00", "--phone", "06 12 34 56 78",
    )  # fmt: skip
    assert "Pizzeria Bella Napoli" in greeting
    assert len(replies) == 4
    assert "Margherita" in replies[0] and "30 euros" in replies[2] and "confirm" in replies[3].lower()
    order = Order.objects.get(store=demo_pizzeria)
    assert order.source == "test" and order.total == Decimal("30.00")
    assert order.customer.phone == "+33612345678"
    assert AIConversationSession.objects.get(store=demo_pizzeria, channel="cli").is_active is False


def test_chat_live_writes_real_orders(demo_pizzeria, monkeypatch):
    _chat(
        monkeypatch,
        ["un tiramisu", "non c'est tout", "à emporter", "oui"],
        "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T19:00", "--live",
    )  # fmt: skip
    assert Order.objects.get(store=demo_pizzeria).source == "call"


def test_chat_stops_when_the_assistant_transfers(demo_pizzeria, monkeypatch):
    replies, _ = _chat(
        monkeypatch, ["je veux parler à un responsable", "encore là ?"], "--store", "pizzeria-bella-napoli"
    )
    assert len(replies) == 1 and "collègue" in replies[0]


def test_chat_returning_caller_gets_the_usual(demo_pizzeria, monkeypatch):
    from stores.services.orders import order_create

    margherita = Product.objects.get(store=demo_pizzeria, name="Margherita")
    large = margherita.variations.get(value="Grande")
    for _ in range(2):
        order_create(
            store=demo_pizzeria,
            items=[{"product_id": margherita.pk, "quantity": 1, "variation_ids": [large.pk]}],
            customer_phone="+33699999999",
            customer_name="Paul Martin",
        )
    replies, greeting = _chat(
        monkeypatch,
        ["oui", "non c'est tout", "à emporter", "oui"],
        "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T19:00", "--phone", "+33699999999",
    )  # fmt: skip
    assert "Paul" in greeting and "Margherita" in greeting
    assert "Margherita" in replies[0]
    assert Order.objects.filter(store=demo_pizzeria, source="test").get().total == Decimal("13.50")


def test_chat_explains_bad_arguments(demo):
    with pytest.raises(CommandError, match="No store with slug 'nope'"):
        call_command("chat", "--store", "nope")
    with pytest.raises(CommandError, match="--phone"):
        call_command("chat", "--store", "pizzeria-bella-napoli", "--phone", "12")


def test_selftest_command_reports_each_scenario(demo, capsys):
    out = io.StringIO()
    call_command(
        "assistant_selftest", "--store", "pizzeria-bella-napoli", "--now", "2026-12-04T15:00", stdout=out
    )
    text = out.getvalue()
    assert "PASS  order Margherita (Grande)" in text and "10/10 scenarios passed" in text
    # nothing it did survives: no order, no reservation, no changed stock
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert not Product.objects.filter(status="out_of_stock").exists()
    report = AssistantSelfTest.objects.get()
    assert report.status == "passed" and report.trigger == "command" and len(report.results) == 10


@pytest.mark.parametrize("slug", ["elegance-hair-salon", "cabinet-conseil-durand"])
def test_selftest_covers_services_and_consultations(demo, slug):
    out = io.StringIO()
    call_command("assistant_selftest", "--store", slug, "--now", "2026-12-04T15:00", stdout=out)
    report = AssistantSelfTest.objects.get()
    assert report.total >= 2 and report.passed == report.total, out.getvalue()


def test_selftest_api_runs_and_shows_the_report(demo_pizzeria, carol):
    owner = User.objects.get(email="demo@kalliky.local")
    client = Client()
    client.force_login(owner)
    url = f"/api/stores/{demo_pizzeria.pk}/assistant/selftest"
    assert client.get(url).status_code == 404
    started = client.post(url)
    assert started.status_code == 202, started.content
    latest = client.get(url).json()
    assert latest["status"] in ("passed", "failed") and latest["total"] >= 5
    other = Client()
    other.force_login(carol)
    assert other.get(url).status_code == 404 and other.post(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_selftest_reruns_once_after_a_burst_of_edits(demo_pizzeria, settings):
    settings.ASSISTANT_SELFTEST_ON_CHANGE = True
    settings.SELFTEST_DEBOUNCE_SECONDS = 0
    product = Product.objects.get(store=demo_pizzeria, name="Tiramisu")
    from django.core.cache import cache

    cache.delete(f"ai:selftest:pending:{demo_pizzeria.pk}")
    product.price = Decimal("7.50")
    product.save()  # eager Celery: the self-test runs now
    assert AssistantSelfTest.objects.filter(store=demo_pizzeria, trigger="change").count() == 1
    product.price = Decimal("7.00")
    product.save()  # still inside the debounce window (its key is kept until the run ends)
    assert AssistantSelfTest.objects.filter(store=demo_pizzeria, trigger="change").count() <= 2
