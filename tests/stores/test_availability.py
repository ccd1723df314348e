"""Opening hours and free slots: boundaries, past midnight, closed dates, daylight saving time,
alice's tables, carol's stylists, dave's advisor. Week used: Tuesday 1 to Tuesday 8 December 2026."""

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
    Store,
    UniversalService,
)
from tests.factories import StoreFactory

PARIS = ZoneInfo("Europe/Paris")
SALON_SCHEDULE = {
    "working_hours": {"mon-fri": ["09:00", "19:00"], "sat": ["09:00", "17:00"]},
    "slot_config": {"interval_minutes": 15, "buffer_minutes": 5},
    "booking_rules": {"min_notice_hours": 2, "max_days_ahead": 60},
}


def at(d: int, hh: int = 0, mm: int = 0, *, month: int = 12, year: int = 2026, fold: int = 0) -> datetime:
    return datetime(year, month, d, hh, mm, tzinfo=PARIS, fold=fold)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def hours(store: Store, days: range, *spans: tuple[time, time]) -> None:
    OpeningInterval.objects.bulk_create(
        OpeningInterval(store=store, weekday=d, opens=o, closes=c) for d in days for o, c in spans
    )


def starts(slots: list[av.Slot]) -> list[str]:
    return [f"{s.starts_at:%a %H:%M}" for s in slots]


@pytest.fixture
def bella(pizzeria: Store) -> Store:
    """alice's pizzeria as in the demo: Tuesday to Saturday 11:30–14:30 and 18:30–23:00, tables
    Table 1..7 seating 2, 2, 4, 4, 4, 6 and 8."""
    pizzeria.has_reservations = True
    pizzeria.save()
    hours(pizzeria, range(1, 6), (time(11, 30), time(14, 30)), (time(18, 30), time(23)))
    for n, seats in enumerate((2, 2, 4, 4, 4, 6, 8), start=1):
        ServiceResource.objects.create(store=pizzeria, type="table", name=f"Table {n}", capacity=seats)
    return pizzeria


@pytest.fixture
def late_bar(alice_business) -> Store:
    """Open Friday and Saturday 18:00–02:00."""
    store = StoreFactory(business=alice_business, name="Le Zinc", has_reservations=True)
    hours(store, range(4, 6), (time(18), time(2)))
    return store


@pytest.fixture
def night_bakery(alice_business) -> Store:
    """Open Sundays 01:00–05:00, through the hour the clocks change; no tables."""
    store = StoreFactory(business=alice_business, name="Fournil", has_reservations=True)
    hours(store, range(6, 7), (time(1), time(5)))
    return store


@pytest.fixture
def hair(salon: Store) -> dict[str, UniversalService | ServiceResource]:
    """carol's salon as in the demo: open Monday to Saturday 9:00–19:00, a women's cut (45 min) and
    a men's cut (30 min) on a 15-minute grid with a 5-minute buffer, stylists Chloé, Emma, Lucas."""
    hours(salon, range(0, 6), (time(9), time(19)))
    women = UniversalService.objects.create(
        store=salon,
        name="Women's cut",
        duration_minutes=45,
        price=Decimal("48"),
        schedule_config=SALON_SCHEDULE,
    )
    men = UniversalService.objects.create(
        store=salon,
        name="Men's cut",
        duration_minutes=30,
        price=Decimal("28"),
        schedule_config=SALON_SCHEDULE,
    )
    team = {}
    for name in ("Emma", "Lucas", "Chloé"):
        team[name] = ServiceResource.objects.create(store=salon, type="staff", name=name)
        team[name].services.set([women, men])
    return {"women": women, "men": men, **team}


@pytest.fixture
def practice(db) -> Store:
    """dave's practice: Monday to Friday 9:00–12:30 and 14:00–18:00, one advisor."""
    store = StoreFactory(name="Cabinet Dave", has_consultations=True)
    hours(store, range(0, 5), (time(9), time(12, 30)), (time(14), time(18)))
    ServiceResource.objects.create(store=store, type="staff", name="Maître Dave")
    UniversalService.objects.create(
        store=store, name="Bilan", pattern=UniversalService.Pattern.AVAILABILITY, duration_minutes=60
    )
    return store


def book_women(hair: dict, who: str, start: datetime, status: str = "confirmed") -> ServiceBooking:
    return ServiceBooking.objects.create(
        store=hair["women"].store,
        service=hair["women"],
        resource=hair[who],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        status=status,
    )


# --- Opening hours --------------------------------------------------------------------------
def test_opening_minute_is_open_and_closing_minute_is_not(bella):
    assert av.is_open_at(bella, at(1, 11, 30))
    assert not av.is_open_at(bella, at(1, 11, 29))
    assert av.is_open_at(bella, at(1, 14, 29))
    assert not av.is_open_at(bella, at(1, 14, 30))
    assert not av.is_open_at(bella, at(7, 12))  # Monday
    assert av.closes_at(bella, at(1, 12)) == at(1, 14, 30)
    assert av.closes_at(bella, at(1, 16)) is None


def test_a_night_past_midnight_belongs_to_the_day_it_opens(late_bar):
    assert av.opening_periods(late_bar, date(2026, 12, 4)) == [(at(4, 18), at(5, 2))]
    assert av.opening_periods(late_bar, date(2026, 12, 5)) == [(at(5, 18), at(6, 2))]  # no Friday tail
    assert av.is_open_at(late_bar, at(5, 1, 30))
    assert not av.is_open_at(late_bar, at(5, 2))
    assert av.is_open_at(late_bar, at(6, 1))  # Saturday night, on Sunday's date
    assert not av.is_open_at(late_bar, at(7, 1))
    assert av.closes_at(late_bar, at(4, 23)) == at(5, 2)


def test_a_period_continued_after_midnight_is_one_opening(late_bar):
    late_bar.opening_intervals.all().delete()
    hours(late_bar, range(4, 5), (time(18), time(0)))
    hours(late_bar, range(5, 6), (time(0), time(2)))
    assert av.closes_at(late_bar, at(4, 23)) == at(5, 2)
    assert av.next_opening(late_bar, at(4, 23)) == at(11, 18)  # Saturday 00:00 only continues Friday


def test_a_closed_date_removes_the_day_and_its_night(late_bar):
    ClosedDate.objects.create(store=late_bar, date=date(2026, 12, 4), reason="Inventaire")
    assert av.opening_periods(late_bar, date(2026, 12, 4)) == []
    assert not av.is_open_at(late_bar, at(5, 1))
    assert av.next_opening(late_bar, at(4, 10)) == at(5, 18)


def test_next_opening_crosses_a_closed_weekend(bella):
    assert av.next_opening(bella, at(5, 23, 30)) == at(8, 11, 30)  # Saturday night → Tuesday
    assert av.next_opening(bella, at(1, 15)) == at(1, 18, 30)
    assert av.next_opening(bella, at(1, 11, 30)) == at(1, 11, 30)
    bella.opening_intervals.all().delete()
    assert av.next_opening(bella, at(1, 15)) is None


def test_spring_forward_night_is_an_hour_shorter(night_bakery):
    [(start, end)] = av.opening_periods(night_bakery, date(2026, 3, 29))
    assert utc(end) - utc(start) == timedelta(hours=3)
    slots = av.reservation_slots(night_bakery, date(2026, 3, 29), 2, now=at(1, month=3))
    clocks = ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45", "04:00", "04:15"]
    assert starts(slots) == [f"Sun {c}" for c in clocks]  # no 02:xx, last seating 45 min before 05:00
    seating = next(s for s in slots if f"{s.starts_at:%H:%M}" == "01:30")
    assert f"{seating.ends_at:%H:%M}" == "04:00"  # 90 real minutes across the gap
    assert av.is_open_at(night_bakery, at(29, 3, month=3))
    # A wall time the clocks skip is read as far past the gap as it was into it (java.time).
    night_bakery.opening_intervals.update(opens=time(2, 30))
    assert av.opening_periods(night_bakery, date(2026, 3, 29))[0][0].strftime("%H:%M %z") == "03:30 +0200"


def test_fall_back_night_is_an_hour_longer_and_repeats_its_slots(night_bakery):
    [(start, end)] = av.opening_periods(night_bakery, date(2026, 10, 25))
    assert utc(end) - utc(start) == timedelta(hours=5)
    slots = av.reservation_slots(night_bakery, date(2026, 10, 25), 2, now=at(1, month=10))
    assert len(slots) == 18  # 01:00 to 04:15 in real quarter hours
    twice = [s for s in slots if f"{s.starts_at:%H:%M}" == "02:30"]
    assert [s.starts_at.fold for s in twice] == [0, 1]
    assert utc(twice[1].starts_at) - utc(twice[0].starts_at) == timedelta(hours=1)
    assert av.is_open_at(night_bakery, at(25, 2, 30, month=10, fold=1))
    assert av.closes_at(night_bakery, at(25, 2, 30, month=10, fold=1)) == at(25, 5, month=10)


def test_weekly_hours_is_data_monday_first(bella, late_bar, hair):
    lunch, dinner = (time(11, 30), time(14, 30)), (time(18, 30), time(23))
    assert av.weekly_hours(bella) == [[], *[[lunch, dinner]] * 5, []]
    assert av.weekly_hours(late_bar) == [[], [], [], [], [(time(18), time(2))], [(time(18), time(2))], []]
    assert av.weekly_hours(hair["Emma"].store) == [*[[(time(9), time(19))]] * 6, []]


def test_hours_cost_no_query_when_prefetched(bella, django_assert_num_queries):
    store = Store.objects.prefetch_related(
        "opening_intervals", "closed_dates", "special_hours", "holiday_decisions"
    ).get(pk=bella.pk)
    with django_assert_num_queries(0):
        assert av.is_open_at(store, at(1, 12))
        assert av.next_opening(store, at(5, 23, 30)) == at(8, 11, 30)


def test_times_must_be_aware_and_a_bad_zone_falls_back(bella):
    with pytest.raises(ValueError):
        av.is_open_at(bella, datetime(2026, 12, 1, 12))
    bella.timezone = "Mars/Olympus"
    assert av.store_tz(bella) == ZoneInfo("Europe/Paris")


# --- Reservations ---------------------------------------------------------------------------
def test_the_smallest_free_table_that_seats_the_party_is_chosen(bella, django_assert_max_num_queries):
    now = at(1, 10)
    with django_assert_max_num_queries(3):
        slot = av.check_reservation(bella, at(2, 20), 3, now=now)
    assert isinstance(slot, av.Slot) and slot.resource_name == "Table 3"
    assert slot.ends_at == at(2, 21, 30)
    assert av.check_reservation(bella, at(2, 20), 5, now=now).resource_name == "Table 6"
    assert av.check_reservation(bella, at(2, 20, 7), 2, now=now).resource_name == "Table 1"  # any minute


def test_a_full_hour_offers_the_nearest_free_times(bella):
    now = at(1, 10)
    for n in (3, 4, 5, 6, 7):
        Reservation.objects.create(
            store=bella, party_size=3, starts_at=at(2, 20), resource=bella.resources.get(name=f"Table {n}")
        )
    Reservation.objects.create(  # a cancelled one frees its table
        store=bella,
        party_size=2,
        starts_at=at(2, 20),
        resource=bella.resources.get(name="Table 1"),
        status="cancelled",
    )
    assert av.check_reservation(bella, at(2, 20), 2, now=now).resource_name == "Table 1"
    full = av.check_reservation(bella, at(2, 20), 3, now=now)
    assert isinstance(full, av.Refusal) and full.code == "full"
    assert starts(full.alternatives) == ["Wed 18:30", "Wed 21:30", "Wed 21:45"]  # 90 min either side
    assert [s.starts_at for s in av.reservation_slots(bella, date(2026, 12, 2), 3, now=now)][10:12] == [
        at(2, 18, 30),
        at(2, 21, 30),
    ]


def test_a_party_larger_than_any_table_is_refused(bella):
    refusal = av.check_reservation(bella, at(2, 20), 9, now=at(1, 10))
    assert refusal.code == "party_too_large" and refusal.details == {"max_party": 8}
    assert av.reservation_slots(bella, date(2026, 12, 2), 9, now=at(1, 10)) == []


def test_the_last_seating_is_45_minutes_before_closing(bella):
    now = at(1, 10)
    late = av.check_reservation(bella, at(2, 22, 30), 2, now=now)
    assert late.code == "closed_hours"
    assert late.details == {"closes_at": "23:00", "last_slot": "22:15"}
    assert starts(late.alternatives) == ["Wed 22:15", "Wed 22:00", "Wed 21:45"]  # best first
    assert isinstance(av.check_reservation(bella, at(2, 22, 15), 2, now=now), av.Slot)
    slots = av.reservation_slots(bella, date(2026, 12, 2), 2, now=now)
    assert (starts(slots)[0], starts(slots)[-1], len(slots)) == ("Wed 11:30", "Wed 22:15", 10 + 16)
    between = av.check_reservation(bella, at(2, 16), 2, now=now)
    assert between.code == "closed_hours"
    assert between.details == {"closes_at": "14:30", "last_slot": "13:45", "opens_at": "18:30"}


def test_settings_move_the_last_seating_and_the_length(bella, settings):
    settings.RESERVATION_LAST_SEATING_MINUTES = 30
    settings.RESERVATION_DURATION_MINUTES = 120
    slot = av.check_reservation(bella, at(2, 22, 30), 2, now=at(1))
    assert isinstance(slot, av.Slot) and slot.ends_at == at(3, 0, 30)


def test_past_times_and_closed_days_are_refused_with_alternatives(bella):
    past = av.check_reservation(bella, at(2, 20), 2, now=at(2, 21))
    assert past.code == "past" and starts(past.alternatives) == ["Wed 21:15", "Wed 21:30", "Wed 21:45"]
    yesterday = av.check_reservation(bella, at(1, 20), 2, now=at(2, 10))
    assert starts(yesterday.alternatives) == ["Wed 20:00", "Wed 19:45", "Wed 20:15"]  # same time, today
    monday = av.check_reservation(bella, at(7, 20), 2, now=at(1, 10))
    assert monday.code == "closed_day"
    assert monday.details == {"date": "2026-12-07", "next_open": "2026-12-08T11:30:00+01:00"}
    assert starts(monday.alternatives) == ["Tue 20:00", "Wed 20:00", "Thu 20:00"]


def test_reservation_rules_for_stores_without_tables_or_bookings(bella, night_bakery):
    assert isinstance(slot := av.check_reservation(night_bakery, at(6, 2), 30, now=at(1)), av.Slot)
    assert slot.resource_id is None
    bella.has_reservations = False
    assert av.check_reservation(bella, at(2, 20), 2, now=at(1)).code == "not_bookable"
    assert av.reservation_slots(bella, date(2026, 12, 2), 2, now=at(1)) == []


def test_a_reservation_after_midnight_is_checked_against_the_night_before(late_bar):
    assert isinstance(av.check_reservation(late_bar, at(5, 1, 15), 2, now=at(1)), av.Slot)
    refusal = av.check_reservation(late_bar, at(5, 1, 30), 2, now=at(1))
    assert refusal.details == {"closes_at": "02:00", "last_slot": "01:15"}


# --- Service bookings -----------------------------------------------------------------------
def test_fixed_slots_grid_keeps_the_buffer_before_closing(hair):
    now = at(4, 8)  # Friday morning
    monday = av.service_slots(hair["women"], date(2026, 12, 7), now=now)
    assert starts(monday)[:3] == ["Mon 09:00", "Mon 09:15", "Mon 09:30"]
    assert starts(monday)[-1] == "Mon 18:00"  # 45 min + 5 min buffer end by 19:00
    assert {s.resource_name for s in monday} == {"Chloé"}  # the first free stylist by name
    assert starts(av.service_slots(hair["women"], date(2026, 12, 5), now=now))[-1] == "Sat 16:00"
    assert av.service_slots(hair["women"], date(2026, 12, 6), now=now) == []
    late = av.check_service_slot(hair["women"], at(7, 18, 15), now=now)
    assert late.code == "closed_hours" and late.details == {"closes_at": "19:00", "last_slot": "18:00"}
    off_grid = av.check_service_slot(hair["women"], at(7, 10, 7), now=now)
    assert off_grid.code == "closed_hours" and off_grid.details == {"interval_minutes": 15}
    assert starts(off_grid.alternatives) == ["Mon 10:00", "Mon 10:15", "Mon 09:45"]  # nearest first



def test_a_fixed_slot_service_without_an_interval_starts_every_quarter_hour(hair):
    # The owner set a 90-minute colour and no grid: it starts every 15 minutes like the others
    # (not only at 9:00, 10:30, 12:00), and an off-grid time gets the nearest starts.
    colour = UniversalService.objects.create(
        store=hair["women"].store, name="Colour", duration_minutes=90, price=Decimal("80")
    )
    hair["Emma"].services.add(colour)
    monday = av.service_slots(colour, date(2026, 12, 7), now=at(4, 8))
    assert starts(monday)[:4] == ["Mon 09:00", "Mon 09:15", "Mon 09:30", "Mon 09:45"]
    assert starts(monday)[-1] == "Mon 17:30"  # 90 minutes end by 19:00
    assert isinstance(av.check_service_slot(colour, at(7, 9, 45), now=at(4, 8)), av.Slot)
    off_grid = av.check_service_slot(colour, at(7, 10, 5), now=at(4, 8))
    assert off_grid.details == {"interval_minutes": 15}
    assert starts(off_grid.alternatives)[:2] == ["Mon 10:00", "Mon 10:15"]

def test_notice_and_horizon_rules(hair):
    now = at(4, 8)
    assert starts(av.service_slots(hair["women"], date(2026, 12, 4), now=now))[0] == "Fri 10:00"
    soon = av.check_service_slot(hair["women"], at(4, 9, 30), now=now)
    assert soon.code == "too_soon" and soon.details["notice_hours"] == 2
    assert starts(soon.alternatives) == ["Fri 10:00", "Fri 10:15", "Fri 10:30"]
    far = av.check_service_slot(hair["women"], at(3, 10, month=2, year=2027), now=now)
    assert far.code == "too_far" and far.details == {"max_days_ahead": 60, "last_day": "2027-02-02"}
    assert av.service_slots(hair["women"], date(2027, 2, 3), now=now) == []
    assert av.service_slots(hair["women"], date(2027, 2, 2), now=now)
    assert av.check_service_slot(hair["women"], at(4, 7), now=now).code == "past"
    assert av.check_service_slot(hair["women"], at(6, 10), now=now).code == "closed_day"


def test_a_busy_stylist_passes_the_booking_to_the_next(hair):
    now = at(4, 8)
    book_women(hair, "Chloé", at(7, 10))
    book_women(hair, "Lucas", at(7, 10), status="cancelled")
    assert av.check_service_slot(hair["women"], at(7, 10), now=now).resource_name == "Emma"
    # Chloé's booking ends 10:45 and keeps its 5-minute buffer.
    chloe = hair["Chloé"].pk
    assert av.check_service_slot(hair["women"], at(7, 10, 45), now=now, resource_id=chloe).code == "full"
    assert (
        av.check_service_slot(hair["women"], at(7, 11), now=now, resource_id=chloe).resource_name == "Chloé"
    )
    assert av.check_service_slot(hair["women"], at(7, 9, 15), now=now, resource_id=chloe).code == "full"
    asked = av.service_slots(hair["women"], date(2026, 12, 7), now=now, resource_id=chloe)
    assert "Mon 10:00" not in starts(asked) and "Mon 11:00" in starts(asked)


def test_all_stylists_busy_is_full_with_alternatives(hair):
    now = at(4, 8)
    for who in ("Chloé", "Emma", "Lucas"):
        book_women(hair, who, at(7, 10))
    full = av.check_service_slot(hair["women"], at(7, 10), now=now)
    assert full.code == "full"
    assert starts(full.alternatives) == ["Mon 09:00", "Mon 11:00", "Mon 11:15"]
    assert av.check_service_slot(hair["men"], at(7, 9, 15), now=now).resource_name == "Chloé"  # 9:50
    assert av.check_service_slot(hair["men"], at(7, 9, 30), now=now).code == "full"  # 10:05


def test_custom_working_hours_by_weekday_ranges(hair):
    service = hair["men"]
    service.schedule_config = {
        "working_hours": {"tue-thu": ["10:00", "16:00"], "sat,sun": [["09:00", "12:00"], ["13:00", "15:00"]]},
        "slot_config": {"interval_minutes": 30},
    }
    service.save()
    now = at(1, 6)
    assert av.service_slots(service, date(2026, 12, 7), now=now) == []  # Monday: the store is open, not it
    assert starts(av.service_slots(service, date(2026, 12, 3), now=now))[::5] == [
        "Thu 10:00",
        "Thu 12:30",
        "Thu 15:00",
    ]
    sunday = starts(av.service_slots(service, date(2026, 12, 6), now=now))
    assert sunday == [f"Sun {h}" for h in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")] + [
        f"Sun {h}" for h in ("13:00", "13:30", "14:00", "14:30")
    ]
    ClosedDate.objects.create(store=service.store, date=date(2026, 12, 6))
    assert av.service_slots(service, date(2026, 12, 6), now=now) == []


def test_flexible_bookings_start_every_five_minutes_at_any_minute(hair):
    service = hair["women"]
    service.pattern = UniversalService.Pattern.FLEXIBLE_BOOKING
    service.save()
    slots = av.service_slots(service, date(2026, 12, 7), now=at(4, 8))
    assert starts(slots)[:3] == ["Mon 09:00", "Mon 09:05", "Mon 09:10"]
    assert starts(slots)[-1] == "Mon 18:10"
    assert av.check_service_slot(service, at(7, 10, 7), now=at(4, 8)).starts_at == at(7, 10, 7)


def test_availability_requests_are_not_booked_but_offer_windows(practice):
    service = practice.services.get()
    refusal = av.check_service_slot(service, at(7, 10), now=at(4, 8))
    assert refusal.code == "not_bookable"
    windows = av.service_slots(service, date(2026, 12, 7), now=at(4, 8))
    assert [(f"{w.starts_at:%H:%M}", f"{w.ends_at:%H:%M}") for w in windows] == [
        ("09:00", "10:00"),
        ("10:00", "11:00"),
        ("11:00", "12:00"),
        ("12:00", "12:30"),
        ("14:00", "15:00"),
        ("15:00", "16:00"),
        ("16:00", "17:00"),
        ("17:00", "18:00"),
    ]


def test_who_may_take_the_booking(hair, practice):
    outsider = ServiceResource.objects.create(store=hair["Emma"].store, type="staff", name="Zoé")
    refusal = av.check_service_slot(hair["women"], at(7, 10), now=at(4, 8), resource_id=outsider.pk)
    assert refusal.code == "no_resource"
    assert av.service_slots(hair["women"], date(2026, 12, 7), now=at(4, 8), resource_id=outsider.pk) == []
    ServiceResource.objects.filter(type="staff").update(is_active=False)
    assert av.check_service_slot(hair["women"], at(7, 10), now=at(4, 8)).code == "no_resource"
    free = UniversalService.objects.create(store=practice, name="Appel", duration_minutes=20)
    assert av.check_service_slot(free, at(7, 9), now=at(4, 8)).resource_id is None  # nobody linked


def test_a_days_slots_for_three_stylists_take_three_queries(hair, django_assert_max_num_queries):
    service = hair["Emma"].store.services.get(name="Women's cut")  # as the tools fetch it
    book_women(hair, "Chloé", at(7, 10))
    with django_assert_max_num_queries(3):
        slots = av.service_slots(service, date(2026, 12, 7), now=at(4, 8))
    assert len(slots) == 37 and slots[4].resource_name == "Emma"


# --- Consultations --------------------------------------------------------------------------
def test_consultations_skip_a_busy_advisor(practice):
    dave = practice.resources.get(type="staff")
    now = at(4, 8)
    Consultation.objects.create(store=practice, problem="Succession", resource=dave, scheduled_at=at(7, 9))
    Consultation.objects.create(store=practice, problem="Sans date", resource=dave)
    Consultation.objects.create(
        store=practice, problem="Annulée", resource=dave, scheduled_at=at(7, 9, 30), status="cancelled"
    )
    Consultation.objects.create(
        store=practice,
        problem="Long",
        resource=dave,
        scheduled_at=at(7, 14),
        duration_minutes=60,
        status="scheduled",
    )
    service = practice.services.get()
    dave.services.add(service)
    ServiceBooking.objects.create(
        store=practice, service=service, resource=dave, starts_at=at(7, 10), ends_at=at(7, 11)
    )
    slots = starts(av.consultation_slots(practice, date(2026, 12, 7), now=now))
    assert slots[:3] == ["Mon 09:30", "Mon 11:00", "Mon 11:30"]
    assert slots[4:6] == ["Mon 15:00", "Mon 15:30"] and slots[-1] == "Mon 17:30"
    hour_long = starts(av.consultation_slots(practice, date(2026, 12, 7), now=now, duration_minutes=60))
    assert hour_long[:3] == ["Mon 11:00", "Mon 11:30", "Mon 15:00"]  # 09:30 would run into 10:00
    assert av.consultation_slots(practice, date(2026, 12, 7), now=now, resource_id=dave.pk + 999) == []


def test_first_slots_walks_to_the_next_open_day(bella):
    found = av.first_slots(
        lambda d: av.reservation_slots(bella, d, 2, now=at(5, 23)), start_day=date(2026, 12, 5), limit=3
    )
    assert starts(found) == ["Tue 11:30", "Tue 11:45", "Tue 12:00"]


def test_check_consultation_refusals_and_query_count(db, django_assert_max_num_queries):
    from stores import availability as av2

    store = StoreFactory(has_consultations=True)
    for day in range(0, 5):
        OpeningInterval.objects.create(store=store, weekday=day, opens=time(9), closes=time(12, 30))
    advisor = ServiceResource.objects.create(store=store, type="staff", name="Maître Test")
    now = datetime(2026, 12, 4, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
    monday_ten = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    ok = av2.check_consultation(store, monday_ten, now=now)
    assert isinstance(ok, av2.Slot) and ok.resource_name == "Maître Test"
    Consultation.objects.create(
        store=store, problem="x", resource=advisor, scheduled_at=monday_ten, status="scheduled"
    )
    with django_assert_max_num_queries(4):  # hours, staff, the busy times of the whole walk
        full = av2.check_consultation(store, monday_ten, now=now)
    assert full.code == "full" and len(full.alternatives) == 3
    saturday = av2.check_consultation(
        store, datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), now=now
    )
    assert saturday.code == "closed_day" and saturday.alternatives
    late = av2.check_consultation(
        store, datetime(2026, 12, 7, 12, 15, tzinfo=ZoneInfo("Europe/Paris")), now=now
    )
    assert late.code == "closed_hours"
    off_grid = av2.check_consultation(
        store, datetime(2026, 12, 7, 10, 10, tzinfo=ZoneInfo("Europe/Paris")), now=now
    )
    assert off_grid.code == "closed_hours" and off_grid.details.get("interval_minutes") == "30"
