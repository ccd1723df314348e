"""The bookings calendar through its pages: a week by resource, create, move, cancel, and a
conflict refused with a clear message and nothing changed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from stores.models import Reservation, ServiceBooking, ServiceResource, UniversalService

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def restaurant(pizzeria):
    pizzeria.has_reservations = True
    pizzeria.save(update_fields=["has_reservations"])
    return pizzeria


def _next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def test_week_by_resource_create_move_cancel(alice_client, restaurant):
    table = ServiceResource.objects.create(store=restaurant, type="table", name="Table 4", capacity=4)
    monday = _next_monday()
    url = f"/stores/{restaurant.pk}/bookings/"

    created = alice_client.post(
        f"{url}new/",
        {"kind": "reservation", "date": monday.isoformat(), "time": "20:00", "party_size": "3",
         "resource_id": table.pk, "customer_name": "Jeanne", "view": "week", "anchor": monday.isoformat()},
    )
    assert created.status_code == 302
    booking = Reservation.objects.get(store=restaurant)
    assert booking.starts_at == datetime.combine(monday, time(20, 0), tzinfo=PARIS)

    week = alice_client.get(f"{url}?view=week&date={monday.isoformat()}", HTTP_ACCEPT_LANGUAGE="en")
    lanes = {resource.name if resource else None: cells for resource, cells in week.context["lanes"]}
    assert [e.pk for e in lanes["Table 4"][0]] == [booking.pk]  # Monday's cell of Table 4
    assert "Jeanne" in week.content.decode()

    # A second party at the same table and time is refused, with the reason.
    clash = alice_client.post(
        f"{url}new/",
        {"kind": "reservation", "date": monday.isoformat(), "time": "20:30", "party_size": "2",
         "resource_id": table.pk, "customer_name": "Paul"},
        follow=True, HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Table 4 is already booked at that time." in clash.content.decode()
    assert Reservation.objects.count() == 1

    tuesday = monday + timedelta(days=1)
    alice_client.post(
        f"{url}reservation/{booking.pk}/move/",
        {"date": tuesday.isoformat(), "time": "19:15", "resource_id": table.pk},
    )
    booking.refresh_from_db()
    assert booking.starts_at == datetime.combine(tuesday, time(19, 15), tzinfo=PARIS)

    alice_client.post(f"{url}reservation/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    day = alice_client.get(f"{url}?view=day&date={tuesday.isoformat()}", HTTP_ACCEPT_LANGUAGE="en")
    assert day.context["count"] == 0 and "No booking in this period." in day.content.decode()


def test_service_booking_and_a_bad_form(alice_client, pizzeria):
    cut = UniversalService.objects.create(store=pizzeria, name="Coupe", duration_minutes=30)
    stylist = ServiceResource.objects.create(store=pizzeria, type="staff", name="Léa")
    stylist.services.add(cut)
    monday = _next_monday()
    url = f"/stores/{pizzeria.pk}/bookings/"

    alice_client.post(
        f"{url}new/",
        {"kind": "service", "service_id": cut.pk, "resource_id": stylist.pk, "date": monday.isoformat(),
         "time": "10:00"},
    )
    booking = ServiceBooking.objects.get()
    assert booking.ends_at - booking.starts_at == timedelta(minutes=30)
    missing = alice_client.post(f"{url}new/", {"kind": "service", "service_id": cut.pk}, follow=True,
                                HTTP_ACCEPT_LANGUAGE="en")
    assert "Give a date and a time for the booking." in missing.content.decode()
    assert ServiceBooking.objects.count() == 1


def test_other_tenants_calendar_and_bookings_are_404(alice_client, salon):
    assert alice_client.get(f"/stores/{salon.pk}/bookings/").status_code == 404
    assert alice_client.post(f"/stores/{salon.pk}/bookings/reservation/1/cancel/").status_code == 404
