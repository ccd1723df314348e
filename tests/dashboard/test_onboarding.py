"""The onboarding wizard through its pages: a template fills the store without replacing what
the owner entered, progress is saved between visits, the number is bought, the setup ends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import ActionType, NotificationConfig
from stores.models import OnboardingProgress, Product
from telephony.models import PhoneNumber
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_the_three_steps_and_resuming(alice_client, pizzeria):
    ProductFactory(store=pizzeria, name="Soda", price=Decimal("4.20"))  # the owner's own price
    OnboardingProgress.objects.create(store=pizzeria)
    url = f"/stores/{pizzeria.pk}/onboarding/"

    home = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is not fully set up yet (step 1 of 3)" in home
    assert alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["step"] == 1
    assert alice_client.get(f"{url}?step=3").context["step"] == 1  # no jumping ahead

    applied = alice_client.post(url, {"action": "sector", "sector": "restaurant"})
    assert applied.status_code == 302
    pizzeria.refresh_from_db()
    assert pizzeria.has_products and pizzeria.has_reservations
    assert pizzeria.opening_intervals.count() == 12  # lunch and dinner, Tuesday to Sunday
    assert Product.objects.get(store=pizzeria, name="Soda").price == Decimal("4.20")  # kept
    assert pizzeria.categories.filter(name="Entrées").exists()  # the store speaks French
    assert not NotificationConfig.objects.get(store=pizzeria, action_type=ActionType.NEW_BOOKING).is_active
    assert NotificationConfig.objects.get(store=pizzeria, action_type=ActionType.NEW_ORDER).is_active

    # A later visit resumes at the saved step.
    assert alice_client.get(url).context["step"] == 2
    alice_client.post(url, {"action": "catalog", "catalog": "template"})
    assert alice_client.get(url).context["step"] == 3

    alice_client.post(url, {"action": "number", "country": "FR"})
    assert PhoneNumber.objects.filter(store=pizzeria).count() == 1
    done = alice_client.post(url, {"action": "finish"})
    assert done["Location"] == f"/?store={pizzeria.pk}"
    assert OnboardingProgress.objects.get(store=pizzeria).completed_at is not None
    assert "is not fully set up" not in alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert alice_client.get("/onboarding/")["Location"] == "/"


def test_applying_a_template_twice_adds_nothing_twice(alice_client, pizzeria):
    url = f"/stores/{pizzeria.pk}/onboarding/"
    alice_client.post(url, {"action": "sector", "sector": "salon"})
    def counts() -> tuple[int, int, int]:
        return pizzeria.services.count(), pizzeria.resources.count(), pizzeria.opening_intervals.count()

    first = counts()
    alice_client.post(url, {"action": "sector", "sector": "salon"})
    assert counts() == first
    assert first[0] == 3


def test_bad_choices_are_explained_and_strangers_kept_out(alice_client, bob_client, carol_client, pizzeria):
    url = f"/stores/{pizzeria.pk}/onboarding/"
    response = alice_client.post(url, {"action": "sector", "sector": "spaceport"}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose the trade closest to yours." in response.content.decode()
    assert not pizzeria.services.exists() and not pizzeria.products.exists()
    assert carol_client.get(url).status_code == 404
    assert bob_client.get(url).status_code == 403  # staff: not theirs to set up
