# ruff: noqa: F811 - fixtures imported from other suites are used by name
"""One way to sign up: whoever arrives at the signup — a visitor, an owner whose account came
from the API and has no store yet, someone with no business at all — chooses a plan for a first
store and lands in that store's setup wizard; with Stripe, after paying. No page bounces back."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import Business, Membership
from billing.models import PendingSignup, Subscription
from stores.models import OnboardingProgress, Store
from telephony.models import PhoneNumber
from tests.billing.test_signup_stripe import pay, stripe_api, stripe_fake  # noqa: F401 - fixtures
from tests.conftest import PASSWORD
from tests.telephony.conftest import telnyx, wait_until  # noqa: F401 - fixtures

STORE = {"store_name": "Pizzeria Alice Nantes", "store_address": "1 quai de la Fosse", "has_products": "on"}


def logged_in(user) -> Client:  # noqa: ANN001 - a User
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.mark.django_db(transaction=True)
def test_an_owner_without_a_store_opens_one_and_lands_in_its_wizard(alice_client, alice_business, telnyx):
    # /onboarding/ and the dashboard send a store-less owner to the signup, which never bounces.
    assert alice_client.get("/onboarding/")["Location"] == "/billing/signup/"
    page = alice_client.get("/billing/signup/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="first-store-intro"' in html
    assert "choisissez son offre" in html  # the French intro
    assert 'name="email"' not in html and 'name="business_name"' not in html  # known already

    response = alice_client.post("/billing/signup/", {**STORE, "plan": "PRO"})
    store = Store.objects.get(business=alice_business)
    assert response.status_code == 302 and response["Location"] == f"/stores/{store.pk}/onboarding/"
    assert store.name == "Pizzeria Alice Nantes" and store.has_products
    sub = Subscription.objects.get(store=store)
    assert sub.plan == "PRO" and sub.status == Subscription.Status.TRIALING
    assert OnboardingProgress.objects.get(store=store).completed_at is None
    assert PhoneNumber.objects.get(store=store).status == PhoneNumber.Status.ACTIVE
    # From now on the signup and /onboarding/ both lead to the wizard of that store.
    assert alice_client.get("/billing/signup/")["Location"] == "/onboarding/"
    assert alice_client.get("/onboarding/")["Location"] == f"/stores/{store.pk}/onboarding/"
    assert alice_client.get(f"/stores/{store.pk}/onboarding/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_someone_without_a_business_names_one(alice, telnyx):
    client = logged_in(alice)
    html = client.get("/billing/signup/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="business_name"' in html and 'name="email"' not in html

    missing = client.post("/billing/signup/", {**STORE, "plan": "STARTER"}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 422
    assert missing.context["form"].errors["business_name"]
    assert not Business.objects.exists() and not Store.objects.exists()

    response = client.post(
        "/billing/signup/",
        {**STORE, "plan": "STARTER", "business_name": "Chez Alice", "business_type": "restaurant"},
    )
    business = Business.objects.get(owner=alice)
    assert business.type == "restaurant"
    assert Membership.objects.get(user=alice, business=business).role == Membership.Role.OWNER
    store = Store.objects.get(business=business)
    assert response["Location"] == f"/stores/{store.pk}/onboarding/"


@pytest.mark.django_db(transaction=True)
def test_with_stripe_an_owner_pays_then_lands_in_the_wizard(alice, alice_business, stripe_fake, telnyx):
    client = logged_in(alice)
    response = client.post("/billing/signup/", {**STORE, "plan": "STARTER"})
    assert response.status_code == 302 and response["Location"].startswith(f"{stripe_fake.api_base}/pay/")
    assert not Store.objects.exists()  # nothing before the payment
    assert client.get("/billing/signup/success/").status_code == 200  # waits, does not bounce

    back = pay(response["Location"])
    stripe_fake.drain(timeout=10)
    store = wait_until(lambda: Store.objects.filter(business=alice_business).first(), what="the store")
    assert PendingSignup.objects.get(store=store).status == "completed"
    assert Subscription.objects.get(store=store).status == Subscription.Status.ACTIVE
    back_url = urlsplit(back)
    assert back_url.path == "/billing/signup/success/"
    landed = client.get(f"{back_url.path}?{back_url.query}")
    assert landed.status_code == 302 and landed["Location"] == f"/stores/{store.pk}/onboarding/"
