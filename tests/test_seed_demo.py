from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from stores.models import Store
from telephony.models import PhoneNumber

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for app in ("accounts", "stores", "telephony", "ai", "billing", "notifications")
        for m in apps.get_app_config(app).get_models()
    }


def test_seed_demo_builds_three_stores_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    call_command("seed_demo", stdout=StringIO())

    assert counts() == first
    assert "demo@kalliky.local / kalliky-demo-2026" in out.getvalue()
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    assert pizzeria.products.count() >= 25
    assert pizzeria.products.filter(variations__type="size").distinct().count() >= 10
    assert pizzeria.resources.filter(type="table").count() >= 5
    salon = Store.objects.get(slug="elegance-hair-salon")
    assert salon.language == "en"
    assert salon.services.filter(pattern="FIXED_SLOTS").count() >= 3
    assert salon.resources.filter(type="staff").count() == 3
    assert Store.objects.get(slug="cabinet-conseil-durand").has_consultations
    numbers = PhoneNumber.objects.order_by("number")
    assert [n.number for n in numbers] == ["+33100000001", "+33100000002", "+33100000003"]
    assert {n.status for n in numbers} == {PhoneNumber.Status.ACTIVE}
    assert all(s.ai_config.greeting for s in Store.objects.all())


def test_the_demo_login_works():
    call_command("seed_demo", stdout=StringIO())
    client = Client()
    response = client.post(
        "/api/auth/login",
        {"email": "demo@kalliky.local", "password": "kalliky-demo-2026"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(client.get("/").context["cards"]) == 3
    assert Client().login(email="admin@kalliky.local", password="kalliky-demo-2026")


def test_history_fills_the_dashboard_once(client):
    from stores.models import Order
    from telephony.models import Call
    from telephony.selectors import call_id_of

    call_command("seed_demo", "--history", stdout=StringIO())
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    calls, orders = Call.objects.filter(store=pizzeria).count(), Order.objects.filter(store=pizzeria).count()
    assert calls > 300 and orders > 100
    assert all(call_id_of(o) and o.items.exists() for o in Order.objects.filter(store=pizzeria)[:20])
    call_command("seed_demo", "--history", stdout=StringIO())  # again: nothing more
    assert Call.objects.filter(store=pizzeria).count() == calls
    client.login(email="demo@kalliky.local", password="kalliky-demo-2026")
    board = client.get(f"/?store={pizzeria.pk}&period=30d").context["board"]
    assert board.metrics[1].value > 0 and sum(b.value for b in board.monthly) > 0
