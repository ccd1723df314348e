"""Opening hours and free slots: boundaries, past midnight, closed dates, daylight saving time,
tables, stylists, notice and horizon rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from stores import availability as av
from stores.models import (
    ClosedDate,
    Consultation,
    OpeningInterval,
    Reservation,
    ServiceBooking,
    ServiceResource,
    UniversalService,
)
from tests.factories import StoreFactory

PARIS = ZoneInfo("Europe/Paris")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


@pytest.fixture
def bistro(db):
    """Open Tue–Sat 12:00–14:00 and 19:00–23:00, Friday night until 01:00; tables of 2, 4 and 6."""
    store = StoreFactory(has_reservations=True)
    for day in range(1, 6):
        OpeningInterval.objects.create(store=store, weekday=day, opens=time(12), closes=time(14))
        closes = time(1) if day == 4 else time(23)
        OpeningInterval.objects.create(store=store, weekday=day, opens=time(19), closes=closes)
    for seats in (2, 4, 6):
        ServiceResource.objects.create(store=store, type="table", name=f"T{seats}", capacity=seats)
    return store


def test_open_at_boundaries_and_past_midnight(bistro):
    assert av.is_open_at(bistro, at(2026, 12, 1, 12, 0))  # Tuesday opening minute
    assert not av.is_open_at(bistro, at(2026, 12, 1, 14, 0))  # closing is exclusive
    assert not av.is_open_at(bistro, at(2026, 12, 7, 12, 30))  # Monday
    assert av.is_open_at(bistro, at(2026, 12, 5, 0, 30))  # Friday night spills into Saturday
    assert av.closes_at(bistro, at(2026, 12, 4, 22, 0)) == at(2026, 12, 5, 1, 0)
    assert av.next_opening(bistro, at(2026, 12, 6, 10, 0)) == at(2026, 12, 8, 12, 0)  # Sunday → Tuesday


def test_closed_dates(bistro):
    ClosedDate.objects.create(store=bistro, date=date(2026, 12, 8))
    assert av.opening_periods(bistro, date(2026, 12, 8)) == []
    assert av.next_opening(bistro, at(2026, 12, 7, 10)) == at(2026, 12, 9, 12)


def test_daylight_saving_days(bistro):
    OpeningInterval.objects.create(store=bistro, weekday=6, opens=time(1), closes=time(5))

    def hours(period: tuple[datetime, datetime]) -> timedelta:
        return period[1].astimezone(UTC) - period[0].astimezone(UTC)  # real elapsed time

    spring = av.opening_periods(bistro, date(2026, 3, 29))  # 02:00 → 03:00 that night
    assert hours(spring[0]) == timedelta(hours=3)
    autumn = av.opening_periods(bistro, date(2026, 10, 25))  # 03:00 → 02:00 that night
    assert hours(autumn[0]) == timedelta(hours=5)


def test_hours_summary_groups_days(bistro):
    fr = av.hours_summary(bistro, "fr")
    assert fr[0] == "lundi : fermé"
    assert fr[1] == "du mardi au jeudi : 12:00–14:00, 19:00–23:00"
    assert (
        av.hours_summary(bistro, "en")[-1] == "Saturday to Sunday: closed"
        or "Sunday: closed" in av.hours_summary(bistro, "en")[-1]
    )


def test_reservation_best_fit_full_and_alternatives(bistro):
    now = at(2026, 12, 1, 10)
    slot = av.check_reservation(bistro, at(2026, 12, 2, 20), 3, now=now)
    assert isinstance(slot, av.Slot) and slot.resource_name == "T4"
    for name in ("T4", "T6"):
        Reservation.objects.create(
            store=bistro,
            party_size=3,
            starts_at=at(2026, 12, 2, 20),
            resource=bistro.resources.get(name=name),
        )
    full = av.check_reservation(bistro, at(2026, 12, 2, 20), 3, now=now)
    assert isinstance(full, av.Refusal) and full.code == "full"
    assert full.alternatives and all(a.starts_at.date() == date(2026, 12, 2) for a in full.alternatives)
    assert all(abs(a.starts_at - at(2026, 12, 2, 20)) >= timedelta(minutes=15) for a in full.alternatives)
    big = av.check_reservation(bistro, at(2026, 12, 2, 20), 9, now=now)
    assert big.code == "party_too_large" and big.details["max_party"] == 6


def test_last_seating_past_and_closed_day(bistro):
    now = at(2026, 12, 1, 10)
    late = av.check_reservation(bistro, at(2026, 12, 2, 22, 30), 2, now=now)
    assert late.code == "closed_hours" and late.details == {"closes_at": "23:00", "last_slot": "22:15"}
    assert isinstance(av.check_reservation(bistro, at(2026, 12, 2, 22, 15), 2, now=now), av.Slot)
    assert av.check_reservation(bistro, at(2026, 11, 30, 20), 2, now=now).code == "past"
    monday = av.check_reservation(bistro, at(2026, 12, 7, 20), 2, now=now)
    assert monday.code == "closed_day" and monday.alternatives[0].starts_at == at(2026, 12, 8, 20)
    slots = av.reservation_slots(bistro, date(2026, 12, 2), 2, now=now)
    assert slots[0].starts_at == at(2026, 12, 2, 12) and slots[-1].starts_at == at(2026, 12, 2, 22, 15)


@pytest.fixture
def salon(db):
    store = StoreFactory()
    for day in range(0, 6):
        OpeningInterval.objects.create(store=store, weekday=day, opens=time(9), closes=time(19))
    service = UniversalService.objects.create(
        store=store,
        name="Cut",
        pattern=UniversalService.Pattern.FIXED_SLOTS,
        duration_minutes=45,
        price=Decimal("40"),
        schedule_config={
            "working_hours": {"mon-fri": ["09:00", "19:00"], "sat": ["09:00", "17:00"]},
            "slot_config": {"interval_minutes": 15, "buffer_minutes": 15},
            "booking_rules": {"min_notice_hours": 2, "max_days_ahead": 30},
        },
    )
    for name in ("Ana", "Ben"):
        ServiceResource.objects.create(store=store, type="staff", name=name).services.add(service)
    return service


def test_service_grid_buffer_notice_and_horizon(salon):
    now = at(2026, 12, 4, 8)
    friday = av.service_slots(salon, date(2026, 12, 4), now=now)
    assert friday[0].starts_at == at(2026, 12, 4, 10)  # two hours' notice
    assert friday[-1].starts_at == at(2026, 12, 4, 18)  # 45 min + 15 min buffer end by 19:00
    saturday = av.service_slots(salon, date(2026, 12, 5), now=now)
    assert saturday[-1].starts_at == at(2026, 12, 5, 16)
    assert av.service_slots(salon, date(2026, 12, 6), now=now) == []  # Sunday
    assert av.check_service_slot(salon, at(2026, 12, 4, 9), now=now).code == "too_soon"
    assert av.check_service_slot(salon, at(2027, 2, 1, 10), now=now).code == "too_far"
    assert av.check_service_slot(salon, at(2026, 12, 6, 10), now=now).code == "closed_day"
    assert av.check_service_slot(salon, at(2026, 12, 5, 16, 30), now=now).code == "closed_hours"


def test_busy_stylist_passes_to_the_next_then_full(salon):
    now = at(2026, 12, 4, 8)
    ana = salon.resources.get(name="Ana")
    first = av.check_service_slot(salon, at(2026, 12, 5, 10), now=now)
    assert first.resource_name == "Ana"
    ServiceBooking.objects.create(
        store=salon.store,
        service=salon,
        resource=ana,
        starts_at=at(2026, 12, 5, 10),
        ends_at=at(2026, 12, 5, 10, 45),
    )
    assert av.check_service_slot(salon, at(2026, 12, 5, 10), now=now).resource_name == "Ben"
    # the buffer keeps Ana busy until 11:00
    assert av.check_service_slot(salon, at(2026, 12, 5, 10, 45), now=now, resource_id=ana.pk).code == "full"
    ServiceBooking.objects.create(
        store=salon.store,
        service=salon,
        resource=salon.resources.get(name="Ben"),
        starts_at=at(2026, 12, 5, 10),
        ends_at=at(2026, 12, 5, 10, 45),
    )
    full = av.check_service_slot(salon, at(2026, 12, 5, 10), now=now)
    assert full.code == "full" and full.alternatives


def test_flexible_and_availability_patterns(salon):
    now = at(2026, 12, 4, 8)
    salon.pattern = UniversalService.Pattern.FLEXIBLE_BOOKING
    salon.save()
    slots = av.service_slots(salon, date(2026, 12, 7), now=now)
    assert (slots[1].starts_at - slots[0].starts_at) == timedelta(minutes=5)
    salon.pattern = UniversalService.Pattern.AVAILABILITY
    salon.save()
    assert av.check_service_slot(salon, at(2026, 12, 7, 10), now=now).code == "not_bookable"
    windows = av.service_slots(salon, date(2026, 12, 7), now=now)
    assert windows[0].starts_at == at(2026, 12, 7, 9) and (
        windows[0].ends_at - windows[0].starts_at
    ) == timedelta(hours=1)


def test_consultation_slots_skip_a_busy_advisor(salon):
    store = salon.store
    now = at(2026, 12, 4, 8)
    for name in ("Ana", "Ben"):
        Consultation.objects.create(
            store=store,
            problem="x",
            resource=store.resources.get(name=name),
            scheduled_at=at(2026, 12, 7, 9),
            status="scheduled",
        )
    slots = av.consultation_slots(store, date(2026, 12, 7), now=now)
    assert slots[0].starts_at == at(2026, 12, 7, 9, 30)


def test_service_slots_query_count(salon, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        av.service_slots(salon, date(2026, 12, 7), now=at(2026, 12, 4, 8))
