"""The tool catalogue: schemas usable by OpenAI, and the rules every brain is held to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from ai import context
from ai import session as sessions
from ai.tools import TOOLS, ToolContext, call_tool, openai_tools
from stores.models import Consultation, Order, PreparationTicket, Product, Reservation
from tests.ai.conftest import FRIDAY_EVENING, PARIS


def _tc(store, now: datetime = FRIDAY_EVENING, phone: str = "", sandbox: bool = True) -> ToolContext:
    session = sessions.start(
        store=store, channel="cli", lang="fr", caller_phone=phone, sandbox=sandbox, now=now
    )
    return ToolContext(session=session, ctx=context.get_context(store), store=store)


def test_every_tool_has_a_strict_json_schema():
    names = {t["function"]["name"] for t in openai_tools()}
    assert {
        "search_catalog",
        "describe_item",
        "add_to_order",
        "update_order_line",
        "replace_order_line",
        "remove_from_order",
        "order_summary",
        "confirm_order",
        "check_availability",
        "book_reservation",
        "book_service",
        "request_consultation",
        "find_my_bookings",
        "cancel_booking",
        "move_booking",
        "report_issue",
        "business_info",
        "transfer_to_human",
        "end_call",
    } <= names
    for spec in TOOLS.values():
        params = spec.parameters
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert set(params["required"]) <= set(params["properties"])


def test_cart_prices_come_from_the_server_and_match_the_order(demo_pizzeria):
    tc = _tc(demo_pizzeria, phone="+33611111111")
    missing = call_tool(tc, "add_to_order", {"item": "margherita", "quantity": 2})
    assert missing["ok"] is False and missing["error"] == "missing_variation"
    assert [o["value"] for o in missing["options"]] == ["Petite", "Moyenne", "Grande"]
    added = call_tool(
        tc, "add_to_order", {"item": "margarita", "quantity": 2, "size": "large", "extras": ["jambon"]}
    )
    assert added["ok"], added
    assert added["line"]["line_total"] == "31.00"  # (13.50 + 2.00) × 2
    call_tool(tc, "add_to_order", {"item": "coca", "quantity": 1})
    summary = call_tool(tc, "order_summary", {})
    assert summary["cart"]["total"] == "34.00"
    done = call_tool(tc, "confirm_order", {"delivery_type": "takeaway", "customer_name": "Jean"})
    assert done["ok"] and done["total"] == "34.00"
    order = Order.objects.get(pk=tc.session.orders[0])
    assert order.total == Decimal("34.00") and order.source == "test"
    assert PreparationTicket.objects.filter(order=order).exists()
    assert order.customer.phone == "+33611111111" and order.customer.order_count == 1
    assert tc.session.cart == []


def test_refusals_are_structured(demo_pizzeria):
    tc = _tc(demo_pizzeria)
    assert call_tool(tc, "add_to_order", {"item": "pizza hawaienne"})["error"] == "unknown_item"
    Product.objects.filter(store=demo_pizzeria, name="Tiramisu").update(status="out_of_stock")
    context.invalidate(demo_pizzeria.pk)
    tc = _tc(demo_pizzeria)
    refused = call_tool(tc, "add_to_order", {"item": "tiramisu"})
    assert refused["error"] == "out_of_stock" and "Panna cotta" in refused["alternatives"]
    assert call_tool(tc, "add_to_order", {"item": "coca", "quantity": 0})["error"] == "bad_quantity"
    assert call_tool(tc, "add_to_order", {"item": "coca", "colour": "red"})["error"] == "bad_arguments"
    assert call_tool(tc, "confirm_order", {})["error"] == "empty_order"
    assert call_tool(tc, "no_such_tool", {})["error"] == "unknown_tool"
    assert call_tool(tc, "add_to_order", "{not json")["error"] == "bad_arguments"
    monday = datetime(2026, 12, 7, 12, 0, tzinfo=PARIS)
    closed = call_tool(_tc(demo_pizzeria, now=monday), "add_to_order", {"item": "coca"})
    assert closed["error"] == "closed" and closed["next_opening"].startswith("2026-12-08T11:30")


def test_reservation_rules_and_alternatives(demo_pizzeria):
    tc = _tc(demo_pizzeria, phone="+33622222222")
    late = call_tool(
        tc,
        "check_availability",
        {"kind": "reservation", "date": "2026-12-05", "time": "22:45", "party_size": 2},
    )
    assert late["ok"] is False and late["error"] == "closed_hours" and late["alternatives"]
    monday = call_tool(tc, "book_reservation", {"date": "2026-12-07", "time": "20:00", "party_size": 2})
    assert monday["error"] == "closed_day" and monday["alternatives"][0]["date"] == "2026-12-08"
    big = call_tool(tc, "book_reservation", {"date": "2026-12-05", "time": "20:00", "party_size": 12})
    assert big["error"] == "party_too_large"
    past = call_tool(tc, "book_reservation", {"date": "2026-12-04", "time": "12:00", "party_size": 2})
    assert past["error"] == "past"
    ok = call_tool(
        tc,
        "book_reservation",
        {"date": "2026-12-05", "time": "20:00", "party_size": 4, "customer_name": "Dupont"},
    )
    assert ok["ok"], ok
    reservation = Reservation.objects.get(pk=int(ok["booking_ref"].split(":")[1]))
    assert reservation.party_size == 4 and reservation.resource.capacity == 4 and reservation.source == "test"
    mine = call_tool(tc, "find_my_bookings", {})
    assert [b["booking_ref"] for b in mine["bookings"]] == [ok["booking_ref"]]
    moved = call_tool(
        tc, "move_booking", {"booking_ref": ok["booking_ref"], "date": "2026-12-05", "time": "21:00"}
    )
    assert moved["ok"], moved
    reservation.refresh_from_db()
    assert reservation.starts_at.astimezone(PARIS).hour == 21 and reservation.status == "confirmed"
    assert call_tool(tc, "cancel_booking", {"booking_ref": ok["booking_ref"]})["ok"]
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    # someone else's booking is not found by this caller
    other = _tc(demo_pizzeria, phone="+33633333333")
    assert (
        call_tool(other, "cancel_booking", {"booking_ref": ok["booking_ref"]})["error"] == "unknown_booking"
    )


def test_salon_booking_picks_a_free_stylist(demo_salon):
    tc = _tc(demo_salon, phone="+33644444444")
    first = call_tool(
        tc,
        "book_service",
        {"service": "women's cut", "date": "2026-12-05", "time": "10:00", "resource": "Emma"},
    )
    assert first["ok"] and first["with"] == "Emma", first
    second = call_tool(tc, "book_service", {"service": "coupe femme", "date": "2026-12-05", "time": "10:00"})
    assert second["ok"] and second["with"] != "Emma", second
    sunday = call_tool(tc, "book_service", {"service": "Colour", "date": "2026-12-06", "time": "10:00"})
    assert sunday["ok"] is False


def test_consultation_and_complaint(demo_practice, demo_pizzeria):
    tc = _tc(demo_practice, phone="+33655555555")
    asked = call_tool(
        tc,
        "request_consultation",
        {
            "problem": "Contrôle fiscal",
            "urgency": "high",
            "preferred_date": "2026-12-07",
            "preferred_time": "10:00",
        },
    )
    assert asked["ok"] and asked["status"] == "scheduled", asked
    complaint = call_tool(
        _tc(demo_pizzeria), "report_issue", {"description": "Pizza froide", "category": "quality"}
    )
    assert complaint["ok"] and complaint["follow_up"]



@pytest.mark.parametrize(
    ("said", "minutes"),
    [
        ({"problem": "Je voudrais faire un bilan patrimonial"}, 60),
        ({"problem": "Une question", "expertise": "conseil fiscal"}, 45),
        ({"problem": "Un litige avec mon voisin"}, 30),
    ],
)
def test_a_consultation_lasts_as_long_as_the_service_the_caller_named(demo_practice, said, minutes):
    tc = _tc(demo_practice, phone="+33655555556")
    asked = call_tool(
        tc, "request_consultation", {**said, "preferred_date": "2026-12-07", "preferred_time": "14:00"}
    )
    assert asked["ok"] and asked["duration_minutes"] == minutes, asked
    consultation = Consultation.objects.get(pk=int(asked["booking_ref"].split(":")[1]))
    assert consultation.duration_minutes == minutes
    assert consultation.status == Consultation.Status.SCHEDULED


def test_an_hour_long_consultation_is_not_squeezed_before_the_lunch_break(demo_practice):
    # The morning closes at 12:30: a 60-minute bilan cannot start at 12:00, a 30-minute call can.
    tc = _tc(demo_practice, phone="+33655555557")
    bilan = call_tool(
        tc,
        "request_consultation",
        {"problem": "bilan patrimonial", "preferred_date": "2026-12-07", "preferred_time": "12:00"},
    )
    assert bilan["ok"] and bilan["status"] == "requested" and bilan["scheduled"] is None, bilan
    short = call_tool(
        tc,
        "request_consultation",
        {"problem": "une petite question", "preferred_date": "2026-12-07", "preferred_time": "12:00"},
    )
    assert short["ok"] and short["status"] == "scheduled", short


@pytest.mark.parametrize("tool", ["transfer_to_human", "end_call"])
def test_call_control_tools_return_actions(demo_pizzeria, tool):
    result = call_tool(_tc(demo_pizzeria), tool, {"reason": "test"})
    assert result["action"] in ("transfer", "hangup")


def test_business_info(demo_pizzeria):
    info = call_tool(_tc(demo_pizzeria), "business_info", {})
    assert info["open_now"] and info["closes_at"] == "23:00" and info["delivery"]
    assert "République" in info["address"]


def test_cart_edits_set_and_replace_never_add(demo_pizzeria):
    tc = _tc(demo_pizzeria)
    line = call_tool(tc, "add_to_order", {"item": "Calzone", "quantity": 2, "size": "Grande"})["line"]
    # A correction sets the count: 2 → 3, not 5
    assert (
        call_tool(tc, "update_order_line", {"line_id": line["line_id"], "quantity": 3})["line"]["quantity"]
        == 3
    )
    swapped = call_tool(tc, "replace_order_line", {"item": "Calzone", "new_item": "Margherita"})
    assert swapped["replaced"] == "Calzone"
    assert swapped["line"]["name"] == "Margherita" and swapped["line"]["quantity"] == 3
    assert swapped["line"]["options"] == ["Grande"]  # the size said for the calzone stays
    refused = call_tool(tc, "replace_order_line", {"line_id": line["line_id"], "new_item": "sushi"})
    assert refused["ok"] is False
    cart = call_tool(tc, "order_summary", {})["cart"]
    assert [(li["name"], li["quantity"]) for li in cart["lines"]] == [("Margherita", 3)]
