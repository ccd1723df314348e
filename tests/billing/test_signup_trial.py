# ruff: noqa: F811 - fixtures imported from the telephony suite are used by name
"""Signup without Stripe (the trial provider `make run` uses): the public door creates the whole
account at once on a 14-day trial, buys the first number at the Telnyx simulator, welcomes the
owner, and the one-time login works once. Bad input: 422 per field, nothing written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Business, User
from ai.models import IntelligentAIConfig
from billing.models import PendingSignup, Subscription
from notifications.models import NotificationConfig
from stores.models import Store
from telephony.models import PhoneNumber
from tests.conftest import PASSWORD
from tests.telephony.conftest import telnyx  # noqa: F401 - fixture


def signup_body(**overrides: object) -> dict:
    body = {
        "userData": {
            "firstName": "Nadia",
            "lastName": "Benali",
            "email": "nadia@trattoria.test",
            "password": PASSWORD,
            "phone": "06 12 34 56 78",
        },
        "businessData": {"name": "Trattoria Nadia", "type": "restaurant"},
        "storeData": {
            "name": "Trattoria Nadia Lyon",
            "address": "3 place Bellecour, Lyon",
            "hasProducts": True,
            "hasReservations": True,
            "hasConsultations": False,
        },
        "plan": "STARTER",
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            body[section][field] = value  # type: ignore[index]
        else:
            body[section] = value
    return body


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    return client, token


def post_json(client: Client, url: str, body: dict, token: str):  # noqa: ANN201
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)


@pytest.mark.django_db(transaction=True)
def test_trial_signup_creates_everything_and_logs_in_once(telnyx, settings):
    settings.LANGUAGE_CODE = "fr"
    client, token = csrf_client()
    response = post_json(client, "/api/stripe/checkout-signup", signup_body(language="en"), token)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["provider"] == "trial"
    assert out["checkoutUrl"].endswith("/billing/signup/success/")
    user = User.objects.get(email="nadia@trattoria.test")
    assert user.check_password(PASSWORD) and user.phone == "+33612345678"
    business = Business.objects.get(owner=user)
    assert business.type == "restaurant" and business.memberships.filter(user=user, role="owner").exists()
    store = Store.objects.get(business=business)
    assert store.has_reservations and not store.has_consultations and store.address.startswith("3 place")
    sub = Subscription.objects.get(store=store)
    assert sub.status == Subscription.Status.TRIALING and sub.plan == "STARTER"
    assert sub.stripe_subscription_id is None
    assert timedelta(days=13) < sub.current_period_end - timezone.now() <= timedelta(days=14)
    assert IntelligentAIConfig.objects.filter(store=store).exists()
    assert NotificationConfig.objects.filter(store=store).exists()
    pending = PendingSignup.objects.get(email=user.email)
    assert PASSWORD not in pending.password_hash and pending.status == "completed"
    # The first number was bought at the Telnyx simulator.
    number = PhoneNumber.objects.get(store=store)
    assert number.status == PhoneNumber.Status.ACTIVE, number.error
    assert any(r.path.endswith("/number_orders") for r in telnyx.requests)
    # Welcome email in the signup's language, mentioning the trial.
    welcome = [m for m in mail.outbox if m.to == [user.email]]
    assert len(welcome) == 1 and "Welcome to Kalliky" in welcome[0].subject
    assert "14-day trial" in welcome[0].body

    # The one-time login: works once, then says so.
    login = post_json(client, "/api/auth/auto-login-signup", {"token": out["signupToken"]}, token)
    assert login.status_code == 200, login.content
    assert login.json()["email"] == user.email
    assert client.get("/api/auth/me").json()["businesses"][0]["business_name"] == "Trattoria Nadia"
    other, other_token = csrf_client()
    again = post_json(other, "/api/auth/auto-login-signup", {"token": out["signupToken"]}, other_token)
    assert again.status_code == 410 and again.json()["code"] == "token_used"
    assert other.get("/api/auth/me").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_signup_page_with_french_welcome_and_success_redirect():
    client = Client()
    client.cookies["django_language"] = "fr"
    page = client.get("/billing/signup/")
    assert page.status_code == 200 and b"data-billing-not-configured" in page.content
    form = {
        "first_name": "Louise",
        "last_name": "Perrin",
        "email": "louise@salon.test",
        "password": PASSWORD,
        "phone": "+33 6 11 22 33 44",
        "business_name": "Salon Louise",
        "business_type": "salon",
        "store_name": "Salon Louise Nantes",
        "store_address": "",
        "has_consultations": "on",
        "plan": "PRO",
    }
    response = client.post("/billing/signup/", form)
    # Back on this very host, whatever PUBLIC_BASE_URL says (it may name another address).
    assert response.status_code == 302 and response["Location"] == "/billing/signup/success/"
    landed = client.get(response["Location"])
    assert landed.status_code == 302 and landed["Location"] == "/onboarding/"
    assert client.get("/api/auth/me").json()["email"] == "louise@salon.test"
    sub = Subscription.objects.get(store__name="Salon Louise Nantes")
    # …into the setup wizard of the new store.
    wizard = client.get("/onboarding/")
    assert wizard["Location"] == f"/stores/{sub.store_id}/onboarding/"
    assert sub.plan == "PRO" and sub.status == "trialing"
    welcome = [m for m in mail.outbox if m.to == ["louise@salon.test"]]
    assert welcome and "Bienvenue" in welcome[0].subject
    # The billing page labels the trial.
    billing = client.get("/billing/")
    assert billing.status_code == 200 and b"data-billing-not-configured" in billing.content
    # A second visit to the success page does not log anyone in again.
    client.logout()
    assert client.get("/billing/signup/success/").status_code == 200
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.django_db
def test_expired_and_unknown_tokens_refused():
    client, token = csrf_client()
    out = post_json(client, "/api/stripe/checkout-signup", signup_body(), token).json()
    PendingSignup.objects.update(login_token_expires_at=timezone.now() - timedelta(seconds=1))
    expired = post_json(client, "/api/auth/auto-login-signup", {"token": out["signupToken"]}, token)
    assert expired.status_code == 410 and expired.json()["code"] == "token_expired"
    unknown = post_json(client, "/api/auth/auto-login-signup", {"token": "nope"}, token)
    assert unknown.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"userData__email": "not-an-email"}, "userData.email"),
        ({"userData__password": "123"}, "userData.password"),
        ({"userData__phone": "12"}, "userData.phone"),
        ({"plan": "GOLD"}, "plan"),
        ({"storeData__name": ""}, "storeData.name"),
        ({"businessData__type": "spaceship"}, "businessData.type"),
    ],
)
def test_bad_input_is_422_per_field_and_writes_nothing(overrides, field):
    client, token = csrf_client()
    response = post_json(client, "/api/stripe/checkout-signup", signup_body(**overrides), token)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert not User.objects.exists() and not PendingSignup.objects.exists() and not Store.objects.exists()


@pytest.mark.django_db
def test_taken_email_and_missing_csrf(alice):
    client, token = csrf_client()
    taken = post_json(client, "/api/stripe/checkout-signup", signup_body(userData__email=alice.email), token)
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "userData.email"
    no_csrf = Client(enforce_csrf_checks=True).post(
        "/api/stripe/checkout-signup", json.dumps(signup_body()), content_type="application/json"
    )
    assert no_csrf.status_code == 403
    assert not PendingSignup.objects.exists()


@pytest.mark.django_db
def test_existing_owner_adds_a_store_on_trial(alice_client, alice_business, pizzeria):
    response = alice_client.post(
        "/api/stripe/checkout",
        json.dumps({"plan": "PRO", "store": {"name": "Pizzeria Alice Gare", "hasReservations": True}}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    store = Store.objects.get(name="Pizzeria Alice Gare")
    assert store.business == alice_business and response.json()["storeId"] == store.pk
    assert Subscription.objects.get(store=store).status == "trialing"
    methods = alice_client.get("/api/stripe/payment-methods").json()
    assert methods == {"billingConfigured": False, "items": []}
    portal = alice_client.post("/api/stripe/portal", "{}", content_type="application/json")
    assert portal.status_code == 409 and portal.json()["code"] == "billing_not_configured"
    neither = alice_client.post(
        "/api/stripe/checkout", json.dumps({"plan": "PRO"}), content_type="application/json"
    )
    assert neither.status_code == 422


@pytest.mark.django_db
def test_another_tenants_store_is_not_found(alice_client, salon):
    response = alice_client.post(
        "/api/stripe/checkout",
        json.dumps({"plan": "PRO", "storeId": salon.pk}),
        content_type="application/json",
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_billing_page_switches_a_trial_store_plan(alice_client, pizzeria):
    Subscription.objects.create(store=pizzeria, business=pizzeria.business, plan="STARTER", status="trialing")
    page = alice_client.get("/billing/")
    assert page.status_code == 200 and b"Pizzeria Alice" in page.content
    moved = alice_client.post("/billing/plan/", {"store_id": pizzeria.pk, "plan": "PRO"})
    assert moved.status_code == 302 and moved["Location"].endswith(f"/billing/?store={pizzeria.pk}")
    assert Subscription.objects.get(store=pizzeria).plan == "PRO"
    assert Subscription.objects.count() == 1
    portal = alice_client.post("/billing/portal/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert portal.redirect_chain == [("/billing/", 302)]
    assert "no Stripe subscription to manage yet" in portal.content.decode()


@pytest.mark.django_db
def test_the_billing_page_needs_a_login_and_hides_other_tenants(client, carol_client, pizzeria):
    assert client.get("/billing/").status_code == 302
    assert b"Pizzeria Alice" not in carol_client.get("/billing/").content
    refused = carol_client.post("/billing/plan/", {"store_id": pizzeria.pk, "plan": "PRO"})
    assert refused.status_code == 404
