"""carol cannot reach anything of alice's notifications: every route, every method, with
alice's ids in the path, the query or the body, answers 404 (decision 0005)."""

from __future__ import annotations

import json
import re

import pytest

from kalliky.api import api
from notifications.models import NotificationConfig, NotificationQueueItem, NotificationTemplate
from tests.notifications.conftest import api as call

pytestmark = pytest.mark.django_db
PREFIX = "/api/app/notifications"
# Routes that hold no tenant data: the catalogue of actions, the same for everyone.
PUBLIC = {("GET", "/actions")}
# How alice's ids reach each route that has none in its path: query or body.
QUERIES = {
    ("GET", "/configs"): {"store_id": "store"},
    ("GET", "/templates"): {"business_id": "business"},
    ("GET", "/queue"): {"store_id": "store"},
}
BODIES = {
    ("POST", "/configs"): {
        "store_id": "store",
        "action_type": "new_order",
        "channel": "webhook",
        "recipients": ["https://x.example.com/h"],
    },
    ("PUT", "/configs/{config_id}"): {"recipients": ["a@b.test"]},
    ("POST", "/templates"): {
        "business_id": "business",
        "action_type": "missed_call",
        "channel": "sms",
        "body": "{{ customer_phone }}",
    },
    ("PUT", "/templates/{template_id}"): {"action_type": "missed_call", "channel": "sms", "body": "x"},
    ("POST", "/templates/preview"): {
        "store_id": "store",
        "action_type": "missed_call",
        "channel": "sms",
        "body": "{{ customer_phone }}",
    },
    ("POST", "/trigger"): {"store_id": "store", "action_type": "new_order"},
    ("PUT", "/stores/{store_id}/settings"): {"digest_hour": 7},
}
PLACEHOLDERS = {"store_id": "store", "config_id": "config", "template_id": "template", "item_id": "item"}


def routes() -> list[tuple[str, str]]:
    found = []
    for prefix, router in api._routers:
        if prefix.strip("/") != PREFIX.removeprefix("/api/"):
            continue
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                found += [(method, path) for method in operation.methods]
    return found


@pytest.fixture
def alices(pizzeria, alice_business) -> dict:
    config = NotificationConfig.objects.filter(store=pizzeria).first()
    return {
        "store": pizzeria,
        "business": alice_business,
        "config": config,
        "template": NotificationTemplate.objects.create(
            business=alice_business, action_type="missed_call", channel="sms", language="fr", body="x"
        ),
        "item": NotificationQueueItem.objects.create(
            business=alice_business,
            store=pizzeria,
            config=config,
            action_type="new_order",
            channel="email",
            recipient="alice@pizzeria.test",
            status="dead",
            scheduled_at=pizzeria.created_at,
            dedupe_key="order:1:new_order:email:x",
        ),
    }


def ids_in(value: dict, objects: dict) -> dict:
    return {k: objects[v].pk if k in ("store_id", "business_id") else v for k, v in value.items()}


def test_the_walk_knows_how_to_call_every_route():
    walked = routes()
    assert len(walked) >= 16
    for method, path in walked:
        names = re.findall(r"\{(\w+)\}", path)
        assert all(name in PLACEHOLDERS for name in names), path
        assert names or (method, path) in PUBLIC | set(QUERIES) | set(BODIES), (method, path)


def test_carol_gets_404_on_every_route_with_alices_ids(carol_client, salon, alices):
    checked = 0
    for method, path in routes():
        if (method, path) in PUBLIC:
            continue
        url = PREFIX + re.sub(r"\{(\w+)\}", lambda m: str(alices[PLACEHOLDERS[m.group(1)]].pk), path)
        query = ids_in(QUERIES.get((method, path), {}), alices)
        body = ids_in(BODIES.get((method, path), {}), alices) if method in ("POST", "PUT") else None
        if query:
            response = carol_client.get(url, query)
        else:
            response = call(carol_client, method, url, body)
        assert response.status_code == 404, f"{method} {url} → {response.status_code} {response.content!r}"
        assert response.json()["code"] == "not_found"
        checked += 1
    assert checked >= 15
    alices["item"].refresh_from_db()
    assert alices["item"].status == "dead"
    assert NotificationTemplate.objects.get(pk=alices["template"].pk).body == "x"


def test_carols_lists_do_not_show_alices_rows(carol_client, alices):
    for path in ("/configs", "/templates", "/queue"):
        listed = carol_client.get(PREFIX + path).json()
        assert listed == {"items": [], "count": 0} or all(
            row.get("store_id") != alices["store"].pk for row in listed["items"]
        ), path


def test_anonymous_requests_are_401(client):
    response = client.get(f"{PREFIX}/queue")
    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "not_authenticated"
