from __future__ import annotations

import pytest
from django.test import Client

from accounts import ratelimit
from accounts.models import Business, Membership, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "email": "Dora@Trattoria.test",
    "password": "a-long-Secret-pass-99",
    "first_name": "Dora",
    "last_name": "Rossi",
    "phone": "06 12 34 56 78",
    "business_name": "Trattoria Dora",
    "business_type": "restaurant",
}


def post(client: Client, url: str, body: dict, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def test_register_creates_owner_business_and_membership_and_logs_in():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = post(client, "/api/auth/register", REGISTRATION)

    assert response.status_code == 201, response.content
    user = User.objects.get(email="dora@trattoria.test")
    assert user.phone == "+33612345678"
    assert user.password.startswith("argon2")
    business = Business.objects.get(owner=user)
    assert business.type == Business.Type.RESTAURANT
    assert Membership.objects.get(user=user, business=business).role == Membership.Role.OWNER
    me = client.get("/api/auth/me").json()
    assert me["email"] == "dora@trattoria.test"
    assert me["businesses"] == [
        {
            "business_id": business.pk,
            "business_name": "Trattoria Dora",
            "business_type": "restaurant",
            "role": "owner",
        }
    ]


def test_register_then_logout_then_login_again():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    post(client, "/api/auth/register", REGISTRATION)
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401

    response = post(
        client, "/api/auth/login", {"email": "DORA@trattoria.test", "password": REGISTRATION["password"]}
    )

    assert response.status_code == 200
    assert client.get("/api/auth/me").json()["email"] == "dora@trattoria.test"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"password": "123"}, "password", "too short"),
        ({"password": "password123"}, "password", "too common"),
        ({"phone": "12ab"}, "phone", "not a phone number"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"business_type": "casino"}, "business_type", "restaurant"),
        ({"business_name": ""}, "business_name", "at least 1"),
    ],
)
def test_invalid_registration_is_refused_per_field_and_writes_nothing(change, field, fragment):
    response = post(Client(HTTP_ACCEPT_LANGUAGE="en"), "/api/auth/register", {**REGISTRATION, **change})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert any(e["field"] == field and fragment in e["message"].lower() for e in body["errors"]), body
    assert not User.objects.exists()
    assert not Business.objects.exists()


def test_an_email_already_used_is_refused(alice):
    response = post(
        Client(HTTP_ACCEPT_LANGUAGE="en"),
        "/api/auth/register",
        {**REGISTRATION, "email": "ALICE@pizzeria.test"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "An account with this email already exists."}
    ]
    assert User.objects.count() == 1


def test_wrong_password_is_401_with_a_readable_message(alice):
    response = post(
        Client(HTTP_ACCEPT_LANGUAGE="en"), "/api/auth/login", {"email": alice.email, "password": "nope"}
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}


def test_me_needs_a_session():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_csrf_is_enforced_on_login_and_works_with_the_token(alice):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    refused = post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"

    token = client.get("/api/auth/csrf").json()["csrfToken"]
    accepted = post(
        client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}, HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200


def test_csrf_is_enforced_on_register_and_works_with_the_token():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert post(client, "/api/auth/register", REGISTRATION).status_code == 403
    assert not User.objects.exists()

    token = client.get("/api/auth/csrf").json()["csrfToken"]
    assert client.cookies["csrftoken"].value
    assert post(client, "/api/auth/register", REGISTRATION, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_csrf_is_enforced_on_logout_for_a_session(alice):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice)
    assert client.post("/api/auth/logout").status_code == 403
    assert client.get("/api/auth/me").status_code == 200


class Clock:
    """The rate limiter's clock, moved by hand so waits are exact and no test sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit, "_now", fake)
    return fake


def fail_logins(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        assert post(client, "/api/auth/login", {"email": email, "password": "wrong"}).status_code == 401


def test_five_failures_lock_the_account_even_for_the_right_password(alice, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail_logins(client, alice.email, 5)

    locked = post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD})

    assert locked.status_code == 429
    assert locked.json() == {
        "detail": "Too many failed attempts. Try again in 15 minutes.",
        "code": "rate_limited",
    }
    assert locked["Retry-After"] == "900"


def test_the_wait_counts_from_the_first_failure_and_the_lock_lifts_when_the_window_ends(alice, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail_logins(client, alice.email, 1)
    clock.now += 600
    fail_logins(client, alice.email, 4)

    clock.now += 241
    late = post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD})
    assert late.status_code == 429
    assert late["Retry-After"] == "59"
    assert late.json()["detail"] == "Too many failed attempts. Try again in 1 minute."

    clock.now += 59
    assert post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 200


def test_the_lock_message_is_in_french_by_default(alice, clock):
    client = Client()
    fail_logins(client, alice.email, 5)
    locked = post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD})
    assert locked.json()["detail"] == "Trop de tentatives échouées. Réessayez dans 15 minutes."


def test_failures_after_a_window_ends_start_a_new_count(alice, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail_logins(client, alice.email, 4)
    clock.now += 901
    fail_logins(client, alice.email, 4)
    assert post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 200


def test_the_account_lock_ignores_email_case(alice, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail_logins(client, "Alice@Pizzeria.TEST", 5)
    assert post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 429


def test_the_lock_is_per_account(alice, carol):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        post(client, "/api/auth/login", {"email": alice.email, "password": "wrong"})
    assert post(client, "/api/auth/login", {"email": carol.email, "password": PASSWORD}).status_code == 200


def test_a_success_resets_the_account_counter(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(4):
        post(client, "/api/auth/login", {"email": alice.email, "password": "wrong"})
    assert post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 200
    for _ in range(4):
        post(client, "/api/auth/login", {"email": alice.email, "password": "wrong"})
    assert post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 200


def test_twenty_failures_from_one_ip_lock_that_ip_across_accounts(alice, clock):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        fail_logins(client, f"guess{n}@example.com", 1)

    from_same_ip = post(client, "/api/auth/login", {"email": alice.email, "password": PASSWORD})
    from_elsewhere = post(
        Client(REMOTE_ADDR="198.51.100.7"), "/api/auth/login", {"email": alice.email, "password": PASSWORD}
    )

    assert from_same_ip.status_code == 429
    assert from_elsewhere.status_code == 200


def test_errors_are_in_french_by_default(alice):
    response = post(Client(), "/api/auth/login", {"email": alice.email, "password": "nope"})
    assert response.json()["detail"] == "E-mail ou mot de passe incorrect."


def test_registration_errors_follow_the_visitors_language():
    response = post(
        Client(HTTP_ACCEPT_LANGUAGE="fr"), "/api/auth/register", {**REGISTRATION, "phone": "12ab"}
    )
    assert response.json()["errors"] == [
        {
            "field": "phone",
            "message": "« 12ab » n’est pas un numéro de téléphone ; écrivez-le comme +33 6 12 34 56 78.",
        }
    ]


def test_register_remembers_the_visitors_language():
    post(Client(HTTP_ACCEPT_LANGUAGE="en"), "/api/auth/register", REGISTRATION)
    assert User.objects.get().language == "en"
