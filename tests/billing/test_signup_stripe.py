# ruff: noqa: F811 - fixtures imported from the telephony suite are used by name
"""Signup and billing through the Stripe fake (the real `stripe` SDK on one side, our signed
webhook on the other): checkout → pay page → webhook → account, store, subscription, first
number at the Telnyx simulator, welcome email, one-time login; duplicated and reordered events;
plan change, cards and the billing portal; commissions reported once as meter events."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
import stripe
from django.core import mail
from django.utils import timezone

from accounts.models import User
from billing.models import Commission, PendingSignup, StripeEvent, Subscription
from kalliky import inbox
from kalliky.inbox import EventStatus
from stores.models import Store
from telephony.models import Call, PhoneNumber
from telephony.selectors import orders_of_call
from tests.ai.conftest import demo, demo_pizzeria  # noqa: F401 - fixtures
from tests.ai.test_analysis import ORDER, phone_call
from tests.billing.test_signup_trial import csrf_client, post_json, signup_body
from tests.conftest import PASSWORD
from tests.fakes.stripe import FakeStripe
from tests.telephony.conftest import PIZZERIA_NUMBER, line, settle, telnyx, wait_until  # noqa: F401 - fixtures

PRICES = {"STARTER": ("price_test_starter", 12900), "PRO": ("price_test_pro", 32900)}


@pytest.fixture
def stripe_api(settings) -> Iterator[FakeStripe]:
    """The Stripe fake, its events recorded only (no webhook target)."""
    with FakeStripe(
        webhook_url=None, webhook_secret="whsec_test_signup", secret_key="sk_test_signup"
    ) as fake:
        for price, amount in PRICES.values():
            fake.add_price(price, unit_amount=amount, currency="eur", recurring=True)
        settings.STRIPE_SECRET_KEY = fake.secret_key
        settings.STRIPE_API_BASE = fake.api_base
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        settings.STRIPE_PRICE_STARTER = PRICES["STARTER"][0]
        settings.STRIPE_PRICE_PRO = PRICES["PRO"][0]
        yield fake


@pytest.fixture
def stripe_fake(stripe_api, live_server, settings) -> FakeStripe:
    """The Stripe fake delivering its signed events to our webhook on a live server."""
    stripe_api.webhook_url = f"{live_server.url}/api/stripe/webhook"
    settings.PUBLIC_BASE_URL = live_server.url
    return stripe_api


def pay(checkout_url: str) -> str:
    """What the payer's browser does on the pay page: POST the form, get sent back to us."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return None

    opener = urllib.request.build_opener(NoRedirect)
    page = urllib.request.urlopen(checkout_url, timeout=10).read().decode()
    assert "<form" in page and "Pay" in page
    try:
        opener.open(urllib.request.Request(checkout_url, data=b"", method="POST"), timeout=10)
    except HTTPError as exc:  # the 303 back to our success page
        assert exc.code == 303, exc.code
        return exc.headers["Location"]
    raise AssertionError("the pay page did not redirect")


def retry_due_events() -> None:
    """What beat's retry_webhook_events does once the backoff has passed."""
    StripeEvent.objects.filter(status=EventStatus.RETRYING).update(next_attempt_at=timezone.now())
    inbox.process_due(StripeEvent)


@pytest.mark.django_db(transaction=True)
def test_full_signup_through_checkout(stripe_fake, telnyx):
    client, token = csrf_client()
    response = post_json(client, "/api/stripe/checkout-signup", signup_body(plan="PRO", language="fr"), token)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["provider"] == "stripe" and out["checkoutUrl"].startswith(f"{stripe_fake.api_base}/pay/")
    # Nothing exists before the payment; the password never went to Stripe.
    assert not User.objects.exists() and PendingSignup.objects.get().status == "open"
    session = next(iter(stripe_fake.checkout_sessions.values()))
    assert session["mode"] == "subscription" and session["customer_email"] == "nadia@trattoria.test"
    assert session["metadata"]["kalliky_pending_signup"] == str(PendingSignup.objects.get().pk)
    assert all(
        PASSWORD not in json.dumps(r.form if hasattr(r, "form") else r.body) for r in stripe_fake.requests
    )
    early = client.get("/billing/signup/success/")
    assert early.status_code == 200 and b"Paiement re" in early.content  # "Payment received", waiting

    back = pay(out["checkoutUrl"])
    assert back.startswith(f"{stripe_fake.api_base.split(':')[0]}") or "/billing/signup/success/" in back
    assert f"session_id={session['id']}" in back
    stripe_fake.drain(timeout=10)
    user = wait_until(lambda: User.objects.filter(email="nadia@trattoria.test").first(), what="the account")
    store = Store.objects.get(business__owner=user)
    sub = Subscription.objects.get(store=store)
    assert sub.status == Subscription.Status.ACTIVE and sub.plan == "PRO"
    assert sub.stripe_subscription_id in stripe_fake.subscriptions
    assert sub.stripe_customer_id and sub.current_period_end is not None
    number = wait_until(
        lambda: PhoneNumber.objects.filter(store=store, status=PhoneNumber.Status.ACTIVE).first(),
        what="the number",
    )
    assert number.number.startswith("+")
    assert any(r.path.endswith("/number_orders") for r in telnyx.requests)
    welcome = wait_until(lambda: [m for m in mail.outbox if m.to == [user.email]], what="the welcome email")
    assert welcome[0].subject.startswith("Bienvenue chez Kalliky")

    # The browser comes back: logged in once, into the setup wizard.
    landed = client.get(back.replace(stripe_fake.api_base, ""))
    assert landed.status_code == 302 and landed["Location"] == "/onboarding/"
    assert client.get("/api/auth/me").json()["email"] == user.email
    other, other_token = csrf_client()
    again = post_json(other, "/api/auth/auto-login-signup", {"token": out["signupToken"]}, other_token)
    assert again.status_code == 410
    # Every event was stored once and processed (the subscription's, sent before its checkout,
    # once beat retried it).
    retry_due_events()
    assert set(StripeEvent.objects.values_list("status", flat=True)) <= {"processed", "ignored"}
    assert StripeEvent.objects.count() == len(stripe_fake.events)

    # The owner's billing surfaces: the card, the portal, a plan change.
    token = client.get("/api/auth/csrf").json()["csrfToken"]  # logging in rotated it
    cards = client.get("/api/stripe/payment-methods").json()
    assert cards["billingConfigured"] and cards["items"][0]["last4"] == "4242"
    portal = post_json(client, "/api/stripe/portal", {}, token)
    assert portal.status_code == 200 and portal.json()["url"].startswith(stripe_fake.api_base)
    page = client.get("/billing/")
    assert page.status_code == 200 and b"4242" in page.content
    change = post_json(client, "/api/stripe/checkout", {"storeId": store.pk, "plan": "STARTER"}, token)
    assert change.status_code == 200 and change.json()["plan"] == "STARTER"
    stripe_fake.drain(timeout=10)
    remote = stripe_fake.subscriptions[sub.stripe_subscription_id]
    assert remote["items"]["data"][0]["price"]["id"] == PRICES["STARTER"][0]
    wait_until(lambda: Subscription.objects.get(pk=sub.pk).plan == "STARTER", what="the plan change")


@pytest.mark.django_db(transaction=True)
def test_duplicated_and_reversed_events_make_one_account_with_the_right_status(stripe_fake, telnyx):
    client, token = csrf_client()
    out = post_json(client, "/api/stripe/checkout-signup", signup_body(), token).json()
    stripe_fake.duplicate = True
    stripe_fake.hold()
    pay(out["checkoutUrl"])
    sub_id = next(iter(stripe_fake.subscriptions))
    stripe_fake.fail_payment(sub_id)
    stripe_fake.pay_invoice(sub_id)
    stripe_fake.fail_payment(sub_id)  # the last word: past due
    stripe_fake.release(order="reverse")
    stripe_fake.drain(timeout=15)
    wait_until(lambda: User.objects.filter(email="nadia@trattoria.test").exists(), what="the account")
    for _ in range(3):  # events that came before their checkout wait for the inbox's retry
        retry_due_events()
    assert User.objects.filter(email="nadia@trattoria.test").count() == 1
    assert Store.objects.count() == 1 and Subscription.objects.count() == 1
    sub = Subscription.objects.get()
    assert sub.status == Subscription.Status.PAST_DUE, sub.status
    assert stripe_fake.subscriptions[sub_id]["status"] == "past_due"
    assert StripeEvent.objects.count() == len({e["id"] for e in stripe_fake.events})
    assert not StripeEvent.objects.filter(status__in=(EventStatus.RETRYING, EventStatus.DEAD)).exists()
    # The past-due store's number was suspended (or never activated): no caller reaches it.
    assert not PhoneNumber.objects.filter(store=sub.store, status=PhoneNumber.Status.ACTIVE).exists()


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_checkout_creates_nothing(stripe_fake):
    client, token = csrf_client()
    post_json(client, "/api/stripe/checkout-signup", signup_body(), token)
    page = client.get("/billing/signup/cancelled/")
    assert page.status_code == 200
    assert not User.objects.exists() and not stripe_fake.events


@pytest.mark.django_db(transaction=True)
def test_stripe_down_means_a_clear_502_and_no_pending_signup(stripe_fake, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    client, token = csrf_client()
    response = post_json(client, "/api/stripe/checkout-signup", signup_body(), token)
    assert response.status_code == 502 and response.json()["code"] == "billing_unavailable"
    assert "Stripe" in response.json()["detail"] and "Network error" not in response.json()["detail"]
    assert not PendingSignup.objects.exists()


def test_commission_reported_once_as_a_meter_event_even_when_the_task_runs_twice(
    stripe_api, demo_pizzeria, django_capture_on_commit_callbacks
):
    from billing.tasks import report_commission

    Subscription.objects.filter(store=demo_pizzeria).update(
        plan="STARTER",
        status="active",
        stripe_customer_id="cus_test_pizzeria",
        stripe_subscription_id="sub_t",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call = phone_call(demo_pizzeria, ORDER)
    commission = Commission.objects.get(order__in=orders_of_call(call))
    assert commission.status == Commission.Status.REPORTED, commission.last_error
    report_commission.apply(args=(commission.pk,))  # a second run: already reported, nothing sent
    Commission.objects.filter(pk=commission.pk).update(status=Commission.Status.PENDING)  # a lost ack
    assert report_commission.apply(args=(commission.pk,)).get() == "reported"  # Stripe says: already have it
    events = [e for e in stripe_api.meter_events if e["identifier"] == commission.meter_event_identifier]
    assert len(events) == 1
    cents = str(int(commission.amount * 100))
    assert events[0]["payload"] == {"stripe_customer_id": "cus_test_pizzeria", "value": cents}
    assert Commission.objects.get(pk=commission.pk).status == Commission.Status.REPORTED


def test_unpaid_through_stripe_the_line_says_unavailable_paid_it_answers(line, demo, stripe_fake):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    remote = stripe_fake.create_subscription(
        price_id=PRICES["PRO"][0], metadata={"kalliky_store": str(pizzeria.pk)}
    )
    Subscription.objects.filter(store=pizzeria).update(
        status="active", stripe_subscription_id=remote["id"], stripe_customer_id=remote["customer"]
    )
    number = PhoneNumber.objects.get(number=PIZZERIA_NUMBER)

    stripe_fake.fail_payment(remote["id"])
    assert stripe_fake.drain(timeout=10)
    wait_until(lambda: Subscription.objects.get(store=pizzeria).status == "past_due", what="past due")
    wait_until(
        lambda: PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.SUSPENDED,
        what="suspension",
    )
    refused = line.place_call(from_="+33611999777", to=PIZZERIA_NUMBER)
    refused.wait_for(lambda c: c.state == "hangup", timeout=10)
    assert "indisponible" in refused.spoken[0]
    settle(line)

    stripe_fake.pay_invoice(remote["id"])
    assert stripe_fake.drain(timeout=10)
    wait_until(lambda: Subscription.objects.get(store=pizzeria).status == "active", what="active again")
    wait_until(
        lambda: PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.ACTIVE, what="reactivation"
    )
    answered = line.place_call(from_="+33611999777", to=PIZZERIA_NUMBER)
    answered.wait_for_speech(1, timeout=10)
    settle(line)
    assert Call.objects.get(call_control_id=answered.call_control_id).status == Call.Status.ANSWERED
    assert {d[1] for d in stripe_fake.deliveries} == {200}


def _sms_texts(telnyx) -> list[str]:  # noqa: ANN001 - the Telnyx fake
    return [str((r.body or {}).get("text", "")) for r in telnyx.requests if r.path.endswith("/messages")]


def test_a_large_call_order_gets_a_payment_link_by_sms_and_paying_marks_it_paid(
    stripe_fake, telnyx, demo_pizzeria
):
    from billing.models import PaymentLink
    from stores.models import Order

    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=True, payment_link_threshold=10)
    demo_pizzeria.refresh_from_db()
    call = phone_call(demo_pizzeria, ORDER)
    order = orders_of_call(call).get()
    assert order.total >= 10 and order.paid_at is None
    link = PaymentLink.objects.get(kind="order", object_id=order.pk)
    assert link.status == PaymentLink.Status.SENT, link.error
    session = stripe_fake.checkout_sessions[link.checkout_session_id]
    assert session["mode"] == "payment" and session["amount_total"] == int(order.total * 100)
    assert session["metadata"]["kalliky_deposit"] == str(link.pk) and session["url"] == link.url
    texts = _sms_texts(telnyx)
    assert any(link.url in text for text in texts), texts
    # The assistant was told a link went out, and nothing about cards.
    assert "4242" not in json.dumps([r.form for r in stripe_fake.requests])

    stripe_fake.duplicate = True
    stripe_fake.complete_checkout(link.checkout_session_id)
    assert stripe_fake.drain(timeout=10)
    wait_until(lambda: Order.objects.get(pk=order.pk).paid_at is not None, what="the order paid")
    link.refresh_from_db()
    assert link.status == PaymentLink.Status.PAID and link.paid_at is not None
    completed = StripeEvent.objects.get(event_type="checkout.session.completed")
    assert completed.status == EventStatus.PROCESSED  # two deliveries, stored and applied once


def test_no_link_below_the_threshold_when_off_or_without_billing(
    stripe_fake, telnyx, demo_pizzeria, settings
):
    from billing.models import PaymentLink

    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=True, payment_link_threshold=1000)
    demo_pizzeria.refresh_from_db()
    phone_call(demo_pizzeria, ORDER, caller="+33611000001")
    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=False, payment_link_threshold=1)
    demo_pizzeria.refresh_from_db()
    phone_call(demo_pizzeria, ORDER, caller="+33611000002")
    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=True)
    demo_pizzeria.refresh_from_db()
    settings.STRIPE_SECRET_KEY = ""
    phone_call(demo_pizzeria, ORDER, caller="+33611000003")
    assert not PaymentLink.objects.exists() and not stripe_fake.checkout_sessions


def test_a_reservation_on_a_call_gets_a_deposit_link(stripe_fake, telnyx, demo_pizzeria):
    from ai import context
    from ai import session as sessions
    from ai.tools import ToolContext, call_tool
    from billing.models import PaymentLink
    from stores.models import Reservation
    from tests.ai.conftest import FRIDAY_EVENING

    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=True, booking_deposit=20)
    demo_pizzeria.refresh_from_db()
    session = sessions.start(
        store=demo_pizzeria,
        channel="phone",
        lang="fr",
        caller_phone="+33622222222",
        sandbox=False,
        now=FRIDAY_EVENING,
    )
    tc = ToolContext(session=session, ctx=context.get_context(demo_pizzeria), store=demo_pizzeria)
    booked = call_tool(
        tc,
        "book_reservation",
        {"date": "2026-12-05", "time": "20:00", "party_size": 4, "customer_name": "Dupont"},
    )
    assert booked["ok"] and booked["deposit_link"] == "sent_by_sms", booked
    reservation = Reservation.objects.get(pk=int(booked["booking_ref"].split(":")[1]))
    link = PaymentLink.objects.get(kind="reservation", object_id=reservation.pk)
    assert stripe_fake.checkout_sessions[link.checkout_session_id]["amount_total"] == 2000
    assert any(link.url in text for text in _sms_texts(telnyx))
    stripe_fake.complete_checkout(link.checkout_session_id)
    assert stripe_fake.drain(timeout=10)
    wait_until(
        lambda: Reservation.objects.get(pk=reservation.pk).deposit_paid_at is not None,
        what="the deposit paid",
    )


@pytest.mark.django_db(transaction=True)
def test_an_expired_checkout_closes_the_pending_signup(stripe_fake):
    client, token = csrf_client()
    post_json(client, "/api/stripe/checkout-signup", signup_body(), token)
    pending = PendingSignup.objects.get()
    sdk = stripe.StripeClient(stripe_fake.secret_key, base_addresses={"api": stripe_fake.api_base})
    sdk.v1.checkout.sessions.expire(pending.checkout_session_id)
    assert stripe_fake.drain(timeout=10)
    wait_until(lambda: PendingSignup.objects.get().status == PendingSignup.Status.EXPIRED, what="expiry")
    assert not User.objects.exists()
    assert StripeEvent.objects.get(event_type="checkout.session.expired").status == EventStatus.PROCESSED


def test_an_expired_payment_page_marks_the_link_failed(stripe_fake, telnyx, demo_pizzeria):
    from billing.models import PaymentLink

    Store.objects.filter(pk=demo_pizzeria.pk).update(payment_links_enabled=True, payment_link_threshold=1)
    demo_pizzeria.refresh_from_db()
    phone_call(demo_pizzeria, ORDER)
    link = PaymentLink.objects.get()
    sdk = stripe.StripeClient(stripe_fake.secret_key, base_addresses={"api": stripe_fake.api_base})
    sdk.v1.checkout.sessions.expire(link.checkout_session_id)
    assert stripe_fake.drain(timeout=10)
    wait_until(lambda: PaymentLink.objects.get().status == PaymentLink.Status.FAILED, what="the link closed")
    assert "expired" in PaymentLink.objects.get().error
