"""Templates: the owner overrides the shipped texts, only with the variables the action offers;
a bad template is refused when saved (API 422, admin form), never sent with a hole in it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from notifications import templating
from notifications.actions import variables_of
from notifications.defaults import TEMPLATES
from notifications.models import NotificationTemplate
from tests.notifications.conftest import api

pytestmark = pytest.mark.django_db
URL = "/api/app/notifications/templates"


def template(business_id: int, **overrides: str) -> dict:
    return {
        "business_id": business_id,
        "action_type": "new_order",
        "channel": "email",
        "language": "en",
        "subject": "Order {{ order_number }}",
        "body": "{{ customer_name }} ordered:\n{{ order_lines }}\nTotal {{ total }}",
        **overrides,
    }


def test_every_shipped_text_is_a_valid_template():
    assert len(TEMPLATES) == 44
    for (action, channel, language), text in TEMPLATES.items():
        templating.check_template(action, channel, language, text.subject, text.body)


def test_alice_overrides_a_template_then_changes_and_deletes_it(alice_client, alice_business):
    created = api(alice_client, "POST", URL, template(alice_business.pk))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["variables"] == list(variables_of("new_order"))
    assert "customer_name" in body["variables"]

    changed = api(
        alice_client,
        "PUT",
        f"{URL}/{body['id']}",
        {**template(alice_business.pk), "subject": "#{{ order_number }}"},
    )
    assert changed.status_code == 200
    assert NotificationTemplate.objects.get().subject == "#{{ order_number }}"
    listed = alice_client.get(URL).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]

    assert api(alice_client, "DELETE", f"{URL}/{body['id']}").status_code == 204
    assert not NotificationTemplate.objects.exists()


def test_an_unknown_variable_is_refused_with_the_names_allowed(alice_client, alice_business):
    response = api(alice_client, "POST", URL, template(alice_business.pk, body="Hello {{ first_name }}"))

    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["errors"] == [{"field": "body", "message": error["detail"]}]
    assert "Unknown variable(s): first_name." in error["detail"]
    assert "customer_name" in error["detail"]
    assert not NotificationTemplate.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{{ customer.name }}",
        "{{ customer_name|upper }}",
        "{% if total %}x{% endif %}",
        "{# note #}",
        "{{ customer_name }",
        "{{ customer_name() }}",
    ],
)
def test_only_plain_placeholders_are_allowed(alice_client, alice_business, body):
    response = api(alice_client, "POST", URL, template(alice_business.pk, body=body))

    assert response.status_code == 422, body
    assert response.json()["errors"][0]["field"] == "body"


def test_subjects_and_channels_follow_the_rules(alice_client, alice_business):
    no_subject = api(alice_client, "POST", URL, template(alice_business.pk, subject=""))
    sms_subject = api(alice_client, "POST", URL, template(alice_business.pk, channel="sms"))
    webhook = api(alice_client, "POST", URL, template(alice_business.pk, channel="webhook"))
    welcome = api(alice_client, "POST", URL, template(alice_business.pk, action_type="welcome"))
    bad_subject = api(alice_client, "POST", URL, template(alice_business.pk, subject="{{ party_size }}"))

    assert no_subject.json()["errors"][0]["field"] == "subject"
    assert sms_subject.json()["errors"][0]["field"] == "subject"
    assert webhook.json()["errors"][0]["field"] == "channel"
    assert welcome.json()["errors"][0]["field"] == "action_type"
    assert bad_subject.json()["errors"][0]["field"] == "subject"
    assert not NotificationTemplate.objects.exists()


def test_a_second_template_for_the_same_slot_is_a_conflict(alice_client, alice_business):
    first = api(alice_client, "POST", URL, template(alice_business.pk)).json()

    again = api(alice_client, "POST", URL, template(alice_business.pk))

    assert again.status_code == 409
    assert f"(id {first['id']})" in again.json()["detail"]


def test_the_model_refuses_an_unknown_variable_too(alice_business):
    bad = NotificationTemplate(
        business=alice_business, action_type="missed_call", channel="sms", language="fr", body="{{ total }}"
    )

    with pytest.raises(ValidationError) as refused:
        bad.full_clean()

    assert "Unknown variable(s): total" in str(refused.value.message_dict["body"])


def test_staff_may_read_templates_but_not_write_them(bob_client, alice_business):
    assert bob_client.get(URL).status_code == 200
    refused = api(bob_client, "POST", URL, template(alice_business.pk))
    assert refused.status_code == 403


def test_preview_renders_sample_data_escaped_for_html(alice_client, pizzeria):
    response = api(
        alice_client,
        "POST",
        f"{URL}/preview",
        {
            "action_type": "new_order",
            "channel": "email",
            "language": "en",
            "subject": "<b>{{ store_name }}</b>\nBcc: x@evil.test",
            "body": "<script>{{ customer_name }}</script> owes {{ total }}\n\n{{ order_lines }}",
            "store_id": pizzeria.pk,
        },
    )

    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["subject"] == "<b>Pizzeria Alice</b> Bcc: x@evil.test"  # one line: no header injection
    assert preview["text"].startswith("<script>Marie Dupont</script> owes €33.50")
    assert "<script>" not in preview["html"]
    assert "&lt;script&gt;Marie Dupont&lt;/script&gt;" in preview["html"]
    assert "2 × Margherita (Grande)<br>1 × Tiramisu" in preview["html"]


def test_preview_refuses_what_a_save_would_refuse(alice_client):
    response = api(
        alice_client,
        "POST",
        f"{URL}/preview",
        {"action_type": "complaint", "channel": "sms", "language": "fr", "body": "{{ order_lines }}"},
    )

    assert response.status_code == 422
    assert "order_lines" in response.json()["detail"]


def test_a_value_that_looks_like_a_placeholder_stays_text():
    assert templating.render("Hi {{ customer_name }}", {"customer_name": "{{ total }}"}) == "Hi {{ total }}"


def test_errors_are_in_french_for_a_french_owner(alice_client, alice_business):
    response = api(
        alice_client,
        "POST",
        URL,
        template(alice_business.pk, body="{{ prenom }}"),
    )
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = api(alice_client, "POST", URL, template(alice_business.pk, body="{{ prenom }}"))

    assert response.json()["detail"].startswith("Unknown variable(s): prenom.")
    assert french.json()["detail"].startswith("Variable(s) inconnue(s) : prenom.")
