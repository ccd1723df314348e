"""The owner's dashboard pages through HTTP: numbers that match the database, lists that
filter and paginate in a fixed number of queries, status changes, tenancy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ai.models import AIConversationSession, AnalysisSuggestion
from stores.models import Order, PreparationTicket, Source
from telephony import produced
from telephony.models import Call, CallbackTicket
from tests.factories import CustomerFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _order(store, days_ago: float, total: str, call: Call | None = None, **fields) -> Order:
    order = OrderFactory(store=store, total=Decimal(total), status=Order.Status.CONFIRMED, **fields)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    if call is not None:
        produced.record(call, order)
    return order


def _call(store, days_ago: float, status: str = Call.Status.COMPLETED, **fields) -> Call:
    n = Call.objects.count()
    return Call.objects.create(
        business=store.business,
        store=store,
        call_control_id=f"v3:test-{n}",
        from_number="+33612345678",
        to_number="+33100000001",
        status=status,
        started_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def _metrics(response) -> dict[str, object]:
    return {m.label: m for m in response.context["board"].metrics}


def test_the_dashboard_numbers_match_the_database(alice_client, pizzeria, salon):
    call_1 = _call(pizzeria, 1, satisfaction=8)
    _call(pizzeria, 2, satisfaction=6)
    _call(pizzeria, 1, status=Call.Status.MISSED)
    _call(pizzeria, 9, satisfaction=4)  # previous period
    _order(pizzeria, 1, "30.00", call=call_1, source=Source.CALL)
    _order(pizzeria, 2, "10.00")
    _order(pizzeria, 9, "20.00")  # previous period
    _order(pizzeria, 1, "99.00", source=Source.TEST)  # assistant test: not business
    cancelled = _order(pizzeria, 1, "50.00")
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    _order(salon, 1, "500.00")  # Carol's: never counted for Alice
    _call(salon, 1)

    response = alice_client.get("/?period=7d", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    m = _metrics(response)
    assert m["Revenue"].value == Decimal("40.00") and m["Revenue"].previous == Decimal("20.00")
    assert m["Revenue"].change == 100.0
    assert (m["Orders"].value, m["Orders"].previous) == (2, 1)
    assert m["Average basket"].value == Decimal("20.00")
    assert m["Unique customers"].value == 2
    assert (m["Calls answered"].value, m["Calls missed"].value) == (2, 1)
    assert m["Calls missed"].change is None  # none missed before: nothing to compare with
    assert m["Calls → orders"].value == 50.0  # one of the two answered calls ordered
    assert m["Average satisfaction"].value == 7.0 and m["Average satisfaction"].previous == 4.0
    board = response.context["board"]
    assert board.monthly[-1].value >= 40.0  # this month holds at least this week's revenue
    assert sum(bar.value for bar in board.hourly) == 3
    html = response.content.decode()
    assert "+100.0 %" in html and 'id="chart-monthly"' in html and "<rect" in html
    assert "500.00" not in html


def test_fewer_missed_calls_is_good_news():
    from dashboard.metrics import Metric

    assert Metric("missed", 1, 4, lower_is_better=True).good
    assert not Metric("missed", 4, 1, lower_is_better=True).good
    assert Metric("orders", 4, 1).good and not Metric("orders", 1, 4).good


def test_the_period_switch_and_a_bad_custom_range(alice_client, pizzeria):
    _order(pizzeria, 0, "12.00")
    _order(pizzeria, 20, "8.00")
    today = timezone.localdate()

    assert _metrics(alice_client.get("/?period=today", HTTP_ACCEPT_LANGUAGE="en"))["Orders"].value == 1
    assert _metrics(alice_client.get("/?period=30d", HTTP_ACCEPT_LANGUAGE="en"))["Orders"].value == 2
    start = (today - timedelta(days=25)).isoformat()
    end = (today - timedelta(days=15)).isoformat()
    custom = alice_client.get(f"/?period=custom&start={start}&end={end}", HTTP_ACCEPT_LANGUAGE="en")
    assert _metrics(custom)["Revenue"].value == Decimal("8.00")
    backwards = alice_client.get(f"/?period=custom&start={end}&end={start}", HTTP_ACCEPT_LANGUAGE="en")
    assert backwards.status_code == 200
    assert "The start date must be on or before the end date." in backwards.content.decode()
    assert backwards.context["board"].period.key == "7d"


def test_the_dashboard_costs_the_same_queries_with_more_data(alice_client, pizzeria, settings):
    settings.DASHBOARD_CHART_CACHE_SECONDS = 0  # count the chart queries every time
    _order(pizzeria, 1, "10.00", call=_call(pizzeria, 1), source=Source.CALL)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        _order(pizzeria, n % 12, "10.00", call=_call(pizzeria, n % 12), source=Source.CALL)
    assert queries() == few


def test_the_charts_are_cached_a_minute_and_the_figures_stay_live(alice_client, pizzeria):
    _order(pizzeria, 0, "10.00")
    first = alice_client.get("/?period=today", HTTP_ACCEPT_LANGUAGE="en")
    _order(pizzeria, 0, "5.00")
    with CaptureQueriesContext(connection) as cached:
        second = alice_client.get("/?period=today", HTTP_ACCEPT_LANGUAGE="en")
    assert _metrics(second)["Revenue"].value == Decimal("15.00")  # live
    assert second.context["board"].monthly[-1].value == first.context["board"].monthly[-1].value == 10.0
    chart_sql = ("django_datetime_extract", "EXTRACT")
    assert not any(word in q["sql"] for q in cached.captured_queries for word in chart_sql)
    french = alice_client.get("/?period=today", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "commandes" in french  # the cached hints are per language


def test_the_dashboard_speaks_french(alice_client, pizzeria):
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Chiffre d'affaires" in html
    assert "Appels par heure" in html


def test_orders_list_filters_paginates_and_hides_test_orders(alice_client, pizzeria, salon):
    for n in range(30):
        _order(pizzeria, n / 10, "10.00")
    _order(pizzeria, 0, "10.00", source=Source.TEST)
    ready = _order(pizzeria, 0, "15.00")
    Order.objects.filter(pk=ready.pk).update(status=Order.Status.READY)
    _order(salon, 0, "77.00")

    first = alice_client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en")
    assert first.context["page"].paginator.count == 31
    assert len(first.context["rows"]) == 25
    assert "77.00" not in first.content.decode()
    second = alice_client.get("/orders/?page=2", HTTP_ACCEPT_LANGUAGE="en")
    assert len(second.context["rows"]) == 6
    only_ready = alice_client.get("/orders/?status=ready", HTTP_ACCEPT_LANGUAGE="en")
    assert [o.pk for o, _b, _n in only_ready.context["rows"]] == [ready.pk]
    with_tests = alice_client.get("/orders/?source=all", HTTP_ACCEPT_LANGUAGE="en")
    assert with_tests.context["page"].paginator.count == 32
    by_number = alice_client.get(f"/orders/?q=%23{ready.number}", HTTP_ACCEPT_LANGUAGE="en")
    assert [o.pk for o, _b, _n in by_number.context["rows"]] == [ready.pk]
    empty = alice_client.get("/orders/?status=pending", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No order matches these filters." in empty


def test_orders_list_query_count_is_constant(alice_client, pizzeria):
    _order(pizzeria, 0, "10.00")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/orders/").status_code == 200
        return len(captured)

    one = queries()
    for _n in range(20):
        _order(pizzeria, 0, "10.00")
    assert queries() == one


def test_changing_an_order_status_from_the_list_and_by_script(alice_client, pizzeria):
    order = _order(pizzeria, 0, "10.00")

    response = alice_client.post(
        f"/orders/{order.pk}/status/", {"status": "preparing", "next": "/orders/?status=confirmed"}
    )
    assert response.status_code == 302 and response["Location"] == "/orders/?status=confirmed"
    order.refresh_from_db()
    assert order.status == "preparing"

    refused = alice_client.post(
        f"/orders/{order.pk}/status/", {"status": "pending"}, HTTP_X_REQUESTED_WITH="fetch",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 409
    assert "cannot become pending" in refused.json()["detail"]
    en_francais = alice_client.post(
        f"/orders/{order.pk}/status/", {"status": "pending"}, HTTP_X_REQUESTED_WITH="fetch",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    expected = "Une commande « en préparation » ne peut pas passer à « en attente »."
    assert en_francais.json()["detail"] == expected
    done = alice_client.post(
        f"/orders/{order.pk}/status/", {"status": "ready"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert done.json()["status"] == "ready"
    order.refresh_from_db()
    assert order.status == "ready"


def test_other_tenants_orders_calls_customers_and_boards_are_404(alice_client, salon, carol_client, pizzeria):
    theirs = _order(salon, 0, "10.00")
    call = _call(salon, 0)
    ticket = PreparationTicket.objects.create(store=salon, order=theirs, items=[])
    for url in (
        f"/orders/{theirs.pk}/",
        f"/calls/{call.pk}/",
        f"/customers/{theirs.customer_id}/",
        f"/stores/{salon.pk}/kitchen/",
        f"/tickets/{ticket.pk}/print/",
        f"/orders/?store={salon.pk}",
        f"/calls/?store={salon.pk}",
        f"/exports/orders.csv?store={salon.pk}",
    ):
        assert alice_client.get(url).status_code == 404, url
    assert alice_client.post(f"/orders/{theirs.pk}/status/", {"status": "ready"}).status_code == 404
    assert alice_client.post(f"/tickets/{ticket.pk}/status/", {"status": "ready"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_kitchen_board_moves_a_ticket_and_prints_it(alice_client, pizzeria):
    product = ProductFactory(store=pizzeria, name="Regina", price=Decimal("11.00"))
    from stores.services.orders import order_create

    order = order_create(store=pizzeria, items=[{"product_id": product.pk, "quantity": 2}])
    ticket = order.ticket

    board = alice_client.get(f"/stores/{pizzeria.pk}/kitchen/", HTTP_ACCEPT_LANGUAGE="en")
    columns = {status: tickets for status, _label, tickets in board.context["columns"]}
    assert [t.pk for t in columns["queued"]] == [ticket.pk]
    assert f'data-ws-path="/ws/stores/{pizzeria.pk}/kitchen/"' in board.content.decode()

    moved = alice_client.post(
        f"/tickets/{ticket.pk}/status/", {"status": "in_progress"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    body = moved.json()
    assert body["status"] == "in_progress" and f'data-order-id="{order.pk}"' in body["html"]
    order.refresh_from_db()
    assert order.status == "preparing"
    served = alice_client.post(
        f"/tickets/{ticket.pk}/status/", {"status": "served"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert served.status_code == 409

    printed = alice_client.get(f"/tickets/{ticket.pk}/print/").content.decode()
    assert f"#{order.number}" in printed and "2 ×" in printed and "Regina" in printed


def test_calls_list_and_detail_with_conversation_latency_and_a_suggestion(alice_client, pizzeria):
    customer = CustomerFactory(business=pizzeria.business, name="Jeanne")
    call = _call(pizzeria, 0, customer=customer, ai_summary="Wants a table.", sentiment="positive")
    _call(pizzeria, 0, status=Call.Status.MISSED)
    conversation = AIConversationSession.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        messages=[
            {"role": "assistant", "content": "Bonjour, Pizzeria Alice."},
            {"role": "user", "content": "Une table pour deux ce soir"},
        ],
        turn_latencies_ms=[420, 610, 380],
    )
    Call.objects.filter(pk=call.pk).update(conversation=conversation)
    suggestion = AnalysisSuggestion.objects.create(
        conversation=conversation,
        business=pizzeria.business,
        store=pizzeria,
        kind="order",
        payload={"items": []},
    )

    listing = alice_client.get("/calls/?sentiment=positive", HTTP_ACCEPT_LANGUAGE="en")
    assert [c.pk for c, _o, _b in listing.context["rows"]] == [call.pk]
    detail = alice_client.get(f"/calls/{call.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = detail.content.decode()
    assert "Une table pour deux ce soir" in html and "Wants a table." in html
    assert detail.context["latency_median"] == 420
    assert "Accept suggestion" in html

    dismissed = alice_client.post(f"/suggestions/{suggestion.pk}/decide/", {"decision": "dismiss"})
    assert dismissed.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "dismissed"


def test_customers_search_profile_and_call_back(alice_client, pizzeria, salon):
    jeanne = CustomerFactory(business=pizzeria.business, name="Jeanne Martin", phone="+33611111111")
    CustomerFactory(business=pizzeria.business, name="Paul")
    CustomerFactory(business=salon.business, name="Jeanne Carol")
    _order(pizzeria, 1, "18.00", customer=jeanne)

    found = alice_client.get("/customers/?q=jeanne", HTTP_ACCEPT_LANGUAGE="en")
    assert [c.pk for c in found.context["page"]] == [jeanne.pk]
    profile = alice_client.get(f"/customers/{jeanne.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(profile.context["orders"]) == 1

    alice_client.post(f"/customers/{jeanne.pk}/callback/")
    alice_client.post(f"/customers/{jeanne.pk}/callback/")  # a second tap does not duplicate
    tickets = CallbackTicket.objects.filter(customer=jeanne)
    assert tickets.count() == 1 and tickets.get().store == pizzeria


def test_empty_states_say_what_to_do_next(alice_client, pizzeria):
    for url, text in (
        ("/orders/", "No order yet."),
        ("/calls/", "No call yet."),
        ("/customers/", "No customer yet."),
        (f"/stores/{pizzeria.pk}/kitchen/", "No ticket waiting."),
    ):
        assert text in alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode(), url


def test_pages_need_a_login():
    client = Client()
    for url in ("/orders/", "/calls/", "/customers/", "/exports/orders.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("url", ["/calls/", "/customers/", "/orders/?source=all"])
def test_lists_cost_the_same_queries_with_more_rows(alice_client, pizzeria, url):
    def add(n: int) -> None:
        for _n in range(n):
            customer = CustomerFactory(business=pizzeria.business)
            _order(pizzeria, 0, "10.00", customer=customer, call=_call(pizzeria, 0, customer=customer))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    add(1)
    one = queries()
    add(15)
    assert queries() == one
