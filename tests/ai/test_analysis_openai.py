"""The OpenAI analyzer through the real SDK against the local fake: the strict structured-output
request, a valid answer used as is, invalid answers retried then the local analyzer as fallback
with the reason recorded."""

from __future__ import annotations

import json

import pytest

from ai.analysis.openai import SCHEMA_NAME
from ai.analysis.schema import strict_json_schema
from telephony.analysis import analyze_call
from telephony.models import Call
from telephony.selectors import orders_of_call, suggestions_of_call
from tests.ai.test_analysis import ORDER, phone_call
from tests.fakes.openai import FakeOpenAI, error, text

GOOD = {
    "orders": [
        {
            "items": [
                {"name": "Margherita", "quantity": 2, "customizations": ["Grande"], "finalPrice": 27.0},
                {"name": "Coca-Cola 33 cl", "quantity": 1, "customizations": [], "finalPrice": 3.0},
            ],
            "total": 30.0,
            "deliveryType": "takeaway",
            "urgency": "normal",
        }
    ],
    "services": [],
    "consultations": [],
    "signalements": [],
    "conversation": {
        "sentiment": "positive",
        "satisfaction": 9,
        "summary": "Deux margherita grandes et un coca à emporter, 30 €.",
        "followUpRequired": False,
    },
}


@pytest.fixture
def fake(settings):
    with FakeOpenAI() as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = server.api_key
        settings.AI_ANALYZER = "openai"
        settings.OPENAI_ANALYSIS_ATTEMPTS = 2
        settings.OPENAI_ANALYSIS_TIMEOUT = 5.0
        yield server


def test_the_model_gets_a_strict_schema_and_its_answer_is_reconciled(fake, demo_pizzeria):
    call = phone_call(demo_pizzeria, ORDER)  # the local brain took the order during the call
    fake.queue(text(json.dumps(GOOD), prompt_tokens=1200, completion_tokens=150))
    analyze_call(call.pk)

    [request] = fake.chat_requests
    response_format = request["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == SCHEMA_NAME
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"] == strict_json_schema()
    system, user = request["messages"]
    assert "Pizzeria Bella Napoli" in system["content"] and "Margherita" in system["content"]
    assert "Client: Bonjour, je voudrais deux margherita" in user["content"]

    call.refresh_from_db()
    assert call.analysis["analyzer"] == "openai" and call.analysis["fallback_reason"] == ""
    assert call.ai_summary == GOOD["conversation"]["summary"] and call.satisfaction == 9
    assert call.analysis["tokens"] == {"in": 1200, "out": 150}
    assert float(call.analysis["cost"]) > 0
    # The model's order is the one the call confirmed: matched, not a second order.
    assert orders_of_call(call).count() == 1
    assert not suggestions_of_call(call).exists()


def test_invalid_json_is_retried_then_the_local_analyzer_answers_with_the_reason(fake, demo_pizzeria):
    call = phone_call(demo_pizzeria, ORDER)
    fake.queue(text("{not json"), text(json.dumps({**GOOD, "orders": "many"})))
    analyze_call(call.pk)
    assert len(fake.chat_requests) == 2
    call.refresh_from_db()
    assert call.analysis_status == Call.AnalysisStatus.DONE
    assert call.analysis["analyzer"] == "local"
    assert call.analysis["attempts"] == 2
    assert "invalid analysis from the model" in call.analysis["fallback_reason"]
    assert "Commande n°" in call.ai_summary  # the local analyzer's summary
    assert orders_of_call(call).count() == 1


def test_an_api_error_falls_back_without_losing_the_call(fake, demo_pizzeria):
    call = phone_call(demo_pizzeria, ORDER)
    fake.queue(error(500, "The server had an error"), error(503, "Overloaded"))
    analyze_call(call.pk)
    call.refresh_from_db()
    assert call.analysis["analyzer"] == "local"
    assert call.analysis["fallback_reason"].startswith("InternalServerError")  # the last attempt's 503
    assert call.analysis["attempts"] == 2
    assert call.analysis_status == Call.AnalysisStatus.DONE


def test_without_a_key_the_local_analyzer_answers_and_says_why(settings, demo_pizzeria):
    settings.AI_ANALYZER = "openai"
    settings.OPENAI_API_KEY = ""
    call = phone_call(demo_pizzeria, ORDER)
    analyze_call(call.pk)
    call.refresh_from_db()
    assert call.analysis["analyzer"] == "local"
    assert call.analysis["fallback_reason"] == "OPENAI_API_KEY is not set"
