"""PUT /api/stores/{id}/hours obeys the same rules as the dashboard's hours editor: openings that
overlap (an evening past midnight runs into the next morning, Sunday's into Monday's), an opening
that closes when it opens, a closed date twice, special openings that overlap are refused with 422
naming the field, and nothing is written; a valid week past midnight is saved and answered right."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.test import Client

from stores.availability import is_open_at, next_opening, store_tz
from stores.models import ClosedDate, OpeningInterval, SpecialHours, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(pizzeria: Store) -> Store:
    """alice's pizzeria with hours already saved, which a refused payload must leave untouched."""
    OpeningInterval.objects.create(store=pizzeria, weekday=0, opens=time(9), closes=time(17))
    ClosedDate.objects.create(store=pizzeria, date=date(2026, 8, 15), reason="Assomption")
    SpecialHours.objects.create(store=pizzeria, date=date(2026, 12, 24), opens=time(10), closes=time(14))
    return pizzeria


def _put(client: Client, store: Store, body: dict, lang: str = "en"):  # noqa: ANN202
    return client.put(
        f"/api/stores/{store.pk}/hours", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang
    )


def _iv(weekday: int, opens: str, closes: str) -> dict:
    return {"weekday": weekday, "opens": opens, "closes": closes}


def _snapshot(store: Store) -> tuple[list, list, list]:
    return (
        list(store.opening_intervals.order_by("weekday", "opens").values_list("weekday", "opens", "closes")),
        list(store.closed_dates.order_by("date").values_list("date", "reason")),
        list(store.special_hours.order_by("date", "opens").values_list("date", "opens", "closes")),
    )


def _refused(response, fields: list[str], fragment: str) -> None:  # noqa: ANN001
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert fragment in body["detail"]
    assert [e["field"] for e in body["errors"]] == fields, body


UNTOUCHED = (
    [(0, time(9), time(17))],
    [(date(2026, 8, 15), "Assomption")],
    [(date(2026, 12, 24), time(10), time(14))],
)


@pytest.mark.parametrize(
    ("body", "fields", "fragment"),
    [
        pytest.param(
            {"intervals": [_iv(2, "11:00", "14:00"), _iv(2, "13:00", "15:00")]},
            ["intervals.1"],
            "Two openings overlap",
            id="same-day",
        ),
        pytest.param(  # Friday 18:00 → 02:00 runs into Saturday 01:00
            {"intervals": [_iv(4, "18:00", "02:00"), _iv(5, "01:00", "03:00")]},
            ["intervals.1"],
            "Two openings overlap",
            id="past-midnight-into-next-morning",
        ),
        pytest.param(  # Sunday 22:00 → 02:00 runs into Monday 01:00; listed before Sunday on purpose
            {"intervals": [_iv(0, "01:00", "09:00"), _iv(6, "22:00", "02:00")]},
            ["intervals.0"],
            "Two openings overlap",
            id="sunday-into-monday",
        ),
        pytest.param(  # a third opening inside a long one, behind a short one
            {"intervals": [_iv(3, "08:00", "20:00"), _iv(3, "09:00", "10:00"), _iv(3, "12:00", "13:00")]},
            ["intervals.1", "intervals.2"],
            "Two openings overlap",
            id="inside-a-long-one",
        ),
        pytest.param(
            {"intervals": [_iv(1, "12:00", "12:00")]},
            ["intervals.0.closes"],
            "cannot start and end at the same time",
            id="empty-opening",
        ),
        pytest.param(
            {
                "intervals": [_iv(1, "11:00", "14:00")],
                "closed_dates": [{"date": "2026-12-25"}, {"date": "2026-12-25", "reason": "Noël"}],
            },
            ["closed_dates.1"],
            "2026-12-25 is listed twice",
            id="closed-date-twice",
        ),
        pytest.param(
            {
                "intervals": [],
                "special_hours": [
                    {"date": "2026-12-31", "opens": "10:00", "closes": "15:00"},
                    {"date": "2026-12-31", "opens": "14:00", "closes": "18:00"},
                ],
            },
            ["special_hours.1"],
            "Two special openings of 2026-12-31 overlap",
            id="special-same-date",
        ),
        pytest.param(  # New Year's Eve till 03:00 runs into New Year's Day's 02:00
            {
                "intervals": [],
                "special_hours": [
                    {"date": "2026-12-31", "opens": "19:00", "closes": "03:00"},
                    {"date": "2027-01-01", "opens": "02:00", "closes": "05:00"},
                ],
            },
            ["special_hours.1"],
            "Two special openings of 2027-01-01 overlap",
            id="special-past-midnight",
        ),
        pytest.param(
            {"intervals": [], "special_hours": [{"date": "2026-12-31", "opens": "10:00", "closes": "10:00"}]},
            ["special_hours.0.closes"],
            "cannot start and end at the same time",
            id="special-empty",
        ),
        pytest.param(  # a valid week with one bad special row: nothing of it is written either
            {
                "intervals": [_iv(0, "10:00", "12:00"), _iv(4, "18:00", "02:00")],
                "closed_dates": [{"date": "2026-12-25"}],
                "special_hours": [
                    {"date": "2026-12-24", "opens": "09:00", "closes": "12:00"},
                    {"date": "2026-12-24", "opens": "11:00", "closes": "13:00"},
                ],
            },
            ["special_hours.1"],
            "overlap",
            id="good-week-bad-special",
        ),
    ],
)
def test_hours_breaking_a_rule_are_refused_naming_the_field_and_nothing_is_written(
    alice_client, saved, body, fields, fragment
):
    _refused(_put(alice_client, saved, body), fields, fragment)
    assert _snapshot(saved) == UNTOUCHED


def test_every_problem_is_listed_at_once(alice_client, saved):
    body = {
        "intervals": [_iv(2, "11:00", "14:00"), _iv(2, "13:00", "15:00"), _iv(5, "09:00", "09:00")],
        "closed_dates": [{"date": "2026-12-25"}, {"date": "2026-12-25"}],
    }
    response = _put(alice_client, saved, body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "intervals.2.closes",
        "intervals.1",
        "closed_dates.1",
    ]
    assert _snapshot(saved) == UNTOUCHED


def test_the_refusal_speaks_french_to_a_french_owner(alice_client, saved):
    body = {"intervals": [_iv(4, "18:00", "02:00"), _iv(5, "01:00", "03:00")]}
    response = _put(alice_client, saved, body, lang="fr")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "intervals.1",
            "message": "Deux ouvertures se chevauchent ici (une soirée après minuit compte aussi sur le "
            "matin suivant).",
        }
    ]


def test_a_week_past_midnight_that_does_not_overlap_is_saved_and_answered_right(alice_client, saved):
    body = {
        "intervals": [
            _iv(0, "11:30", "14:30"),
            _iv(0, "14:30", "16:00"),  # touching is not overlapping
            _iv(4, "18:00", "02:00"),
            _iv(5, "02:00", "04:00"),  # Saturday opens when Friday's night ends
            _iv(5, "11:00", "15:00"),
            _iv(6, "22:00", "01:00"),  # Sunday night into Monday, before Monday's 11:30
        ],
        "closed_dates": [{"date": "2026-12-25", "reason": "Noël"}],
        "special_hours": [
            {"date": "2026-12-31", "opens": "19:00", "closes": "03:00"},
            {"date": "2027-01-01", "opens": "03:00", "closes": "05:00"},
        ],
    }
    response = _put(alice_client, saved, body)
    assert response.status_code == 200, response.content
    assert len(response.json()["intervals"]) == 6
    week, closed, special = _snapshot(saved)
    assert (4, time(18), time(2)) in week and (6, time(22), time(1)) in week
    assert closed == [(date(2026, 12, 25), "Noël")]
    assert special == [(date(2026, 12, 31), time(19), time(3)), (date(2027, 1, 1), time(3), time(5))]

    tz = store_tz(saved)
    saturday, monday = date(2026, 12, 5), date(2026, 12, 7)  # after Friday 4 and Sunday 6 December
    assert is_open_at(saved, datetime.combine(saturday, time(1, 30), tzinfo=tz))
    assert is_open_at(saved, datetime.combine(saturday, time(3), tzinfo=tz))
    assert not is_open_at(saved, datetime.combine(saturday, time(4, 30), tzinfo=tz))
    assert is_open_at(saved, datetime.combine(monday, time(0, 30), tzinfo=tz))
    assert not is_open_at(saved, datetime.combine(monday, time(1, 30), tzinfo=tz))
    assert next_opening(saved, datetime.combine(monday, time(1, 30), tzinfo=tz)) == datetime.combine(
        monday, time(11, 30), tzinfo=tz
    )
    assert is_open_at(saved, datetime.combine(date(2027, 1, 1), time(2), tzinfo=tz))


def test_carol_cannot_set_alices_hours(carol_client, saved):
    response = _put(carol_client, saved, {"intervals": [_iv(0, "01:00", "02:00")]})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert carol_client.get(f"/api/stores/{saved.pk}/hours").status_code == 404
    assert _snapshot(saved) == UNTOUCHED


def test_overlapping_special_hours_for_a_holiday_are_refused(alice_client, saved):
    saved.country = "FR"
    saved.save(update_fields=["country"])
    response = alice_client.put(
        f"/api/stores/{saved.pk}/holidays/2026-12-25",
        {
            "decision": "special",
            "intervals": [{"opens": "10:00", "closes": "14:00"}, {"opens": "13:00", "closes": "16:00"}],
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "intervals.1"
    assert not saved.special_hours.filter(date=date(2026, 12, 25)).exists()
    assert not saved.holiday_decisions.exists()
