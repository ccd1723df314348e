"""The weekly hours editor: several openings a day, an evening past midnight, closed dates and
special hours picked in a calendar; a wrong row is shown in red next to its day and nothing is
written; a save is confirmed in green; another owner's store is out of reach."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from stores.availability import is_open_at, store_tz
from stores.models import ClosedDate, OpeningInterval, SpecialHours

pytestmark = pytest.mark.django_db

URL = "/stores/{}/settings/?tab=hours"


def _post(client, store, data: dict, lang: str = "en"):  # noqa: ANN001, ANN202
    return client.post(URL.format(store.pk), {"action": "hours", **data}, HTTP_ACCEPT_LANGUAGE=lang)


def _week(store) -> list[tuple[int, time, time]]:  # noqa: ANN001
    return list(
        store.opening_intervals.order_by("weekday", "opens").values_list("weekday", "opens", "closes")
    )


def test_two_openings_a_day_and_an_evening_past_midnight_are_saved(alice_client, pizzeria):
    response = _post(
        alice_client,
        pizzeria,
        {
            "day0_opens": ["11:30", "18:30"], "day0_closes": ["14:30", "22:30"],
            "day4_opens": ["18:00", ""], "day4_closes": ["02:00", ""],
            "day5_opens": ["11:00"], "day5_closes": ["15:00"],
        },
    )  # fmt: skip
    assert response.status_code == 302 and response.url.endswith("tab=hours&saved=1")
    assert _week(pizzeria) == [
        (0, time(11, 30), time(14, 30)),
        (0, time(18, 30), time(22, 30)),
        (4, time(18), time(2)),
        (5, time(11), time(15)),
    ]
    tz = store_tz(pizzeria)
    saturday = date(2026, 12, 5)  # the night from Friday 4 December
    assert is_open_at(pizzeria, datetime.combine(saturday, time(1, 30), tzinfo=tz))
    assert not is_open_at(pizzeria, datetime.combine(saturday, time(2, 30), tzinfo=tz))


def test_the_saved_week_is_shown_back_with_a_green_confirmation(alice_client, pizzeria):
    OpeningInterval.objects.create(store=pizzeria, weekday=4, opens=time(18), closes=time(2))
    page = alice_client.get(URL.format(pizzeria.pk) + "&saved=1", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'role="status"' in page and "Horaires enregistrés" in page
    assert 'name="day4_opens" value="18:00"' in page and 'name="day4_closes" value="02:00"' in page
    assert 'type="date"' in page and "(lendemain)" in page  # 18:00 → 02:00 ends the next day
    assert 'role="alert"' not in page


@pytest.mark.parametrize(
    ("data", "message", "key"),
    [
        (
            {"day2_opens": ["12:00"], "day2_closes": ["12:00"]},
            "cannot start and end at the same time",
            "day2",
        ),
        (
            {"day2_opens": ["11:00", "13:00"], "day2_closes": ["14:00", "15:00"]},
            "Two openings overlap",
            "day2",
        ),
        (  # Friday 18:00 → 02:00 runs into Saturday 01:00
            {
                "day4_opens": ["18:00"],
                "day4_closes": ["02:00"],
                "day5_opens": ["01:00"],
                "day5_closes": ["03:00"],
            },
            "Two openings overlap",
            "day5",
        ),
        (  # Sunday 22:00 → 02:00 runs into Monday 01:00
            {
                "day6_opens": ["22:00"],
                "day6_closes": ["02:00"],
                "day0_opens": ["01:00"],
                "day0_closes": ["09:00"],
            },
            "Two openings overlap",
            "day0",
        ),
        (  # New Year's Eve till 03:00 runs into New Year's Day's 02:00
            {
                "special_date": ["2026-12-31", "2027-01-01"],
                "special_opens": ["19:00", "02:00"],
                "special_closes": ["03:00", "05:00"],
            },
            "Two special openings of 2027-01-01 overlap",
            "special",
        ),
        ({"day1_opens": ["9h"], "day1_closes": ["12:00"]}, "Give both the opening", "day1"),
        ({"closed_date": ["2026-13-40"], "closed_reason": ["Noël"]}, "Pick a closed date", "closed"),
        ({"closed_date": ["2026-12-25", "2026-12-25"], "closed_reason": ["", ""]}, "listed twice", "closed"),
        (
            {"special_date": ["24/12/2026"], "special_opens": ["10:00"], "special_closes": ["16:00"]},
            "Pick the date of the special hours",
            "special",
        ),
        (
            {"special_date": ["2026-12-24"], "special_opens": ["10:00"], "special_closes": ["10:00"]},
            "cannot start and end",
            "special",
        ),
    ],
)
def test_a_wrong_row_is_shown_in_red_and_nothing_is_written(alice_client, pizzeria, data, message, key):
    OpeningInterval.objects.create(store=pizzeria, weekday=0, opens=time(9), closes=time(17))
    ClosedDate.objects.create(store=pizzeria, date=date(2026, 8, 15))
    response = _post(alice_client, pizzeria, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'role="alert" data-error="{key}"' in page
    assert 'role="status"' not in page
    assert _week(pizzeria) == [(0, time(9), time(17))]
    assert list(pizzeria.closed_dates.values_list("date", flat=True)) == [date(2026, 8, 15)]
    assert not SpecialHours.objects.filter(store=pizzeria).exists()


def test_closed_dates_and_special_hours_from_the_calendar(alice_client, pizzeria):
    _post(
        alice_client,
        pizzeria,
        {
            "closed_date": ["2026-12-25", ""], "closed_reason": ["Noël", ""],
            "special_date": ["2026-12-24", "2026-12-24"], "special_opens": ["10:00", "18:00"],
            "special_closes": ["14:00", "20:00"], "special_reason": ["Réveillon", "Réveillon"],
        },
    )  # fmt: skip
    assert list(pizzeria.closed_dates.values_list("date", "reason")) == [(date(2026, 12, 25), "Noël")]
    assert list(pizzeria.special_hours.values_list("date", "opens", "closes")) == [
        (date(2026, 12, 24), time(10), time(14)),
        (date(2026, 12, 24), time(18), time(20)),
    ]
    # Emptying a date removes it.
    _post(alice_client, pizzeria, {"closed_date": [""], "closed_reason": ["Noël"]})
    assert not pizzeria.closed_dates.exists()


def test_carol_cannot_edit_alices_hours(carol_client, pizzeria):
    OpeningInterval.objects.create(store=pizzeria, weekday=0, opens=time(9), closes=time(17))
    response = _post(carol_client, pizzeria, {"day0_opens": ["01:00"], "day0_closes": ["02:00"]})
    assert response.status_code == 404
    assert carol_client.get(URL.format(pizzeria.pk)).status_code == 404
    assert _week(pizzeria) == [(0, time(9), time(17))]


def test_the_editor_and_the_api_refuse_the_same_week_in_the_same_words(alice_client, pizzeria):
    """One rule (stores.services.hours) behind both doors: Friday's night into Saturday morning."""
    OpeningInterval.objects.create(store=pizzeria, weekday=0, opens=time(9), closes=time(17))
    page = _post(
        alice_client,
        pizzeria,
        {
            "day4_opens": ["18:00"],
            "day4_closes": ["02:00"],
            "day5_opens": ["01:00"],
            "day5_closes": ["03:00"],
        },
        lang="fr",
    ).content.decode()
    api = alice_client.put(
        f"/api/stores/{pizzeria.pk}/hours",
        {
            "intervals": [
                {"weekday": 4, "opens": "18:00", "closes": "02:00"},
                {"weekday": 5, "opens": "01:00", "closes": "03:00"},
            ]
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    message = api.json()["errors"][0]["message"]
    assert api.status_code == 422 and message.startswith("Deux ouvertures se chevauchent")
    assert 'role="alert" data-error="day5"' in page and message.replace("'", "&#x27;") in page
    assert _week(pizzeria) == [(0, time(9), time(17))]
