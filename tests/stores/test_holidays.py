"""Special hours and public holiday decisions through the API, the settings page, the dashboard's
nudge and the owner's daily digest. The clock is not frozen: the holiday used is found from today
with the same `holidays` package, in the first country that has one in the next weeks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as calendars
import pytest

from stores.models import HolidayDecision

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(pizzeria) -> tuple[date, str]:
    """A public holiday 1 to 13 days ahead, the pizzeria set to its country."""
    today = datetime.now(ZoneInfo(pizzeria.timezone)).date()
    for country in ("FR", "US", "GB", "DE", "ES", "IT", "BE", "CA", "JP", "BR", "MX", "AT", "PT", "IN"):
        found = calendars.country_holidays(country, years=[today.year, today.year + 1])
        days = sorted(d for d in found if today + timedelta(days=1) <= d <= today + timedelta(days=13))
        if days:
            pizzeria.country = country
            pizzeria.language = "en"
            pizzeria.save(update_fields=["country", "language"])
            return days[0], found[days[0]]
    pytest.skip("no public holiday in the next two weeks in any country tried")


def test_special_hours_are_saved_with_the_weekly_hours_and_bad_ones_refused(alice_client, pizzeria):
    url = f"/api/stores/{pizzeria.pk}/hours"
    body = {
        "intervals": [{"weekday": 3, "opens": "11:30", "closes": "14:00"}],
        "special_hours": [{"date": "2026-12-24", "opens": "10:00", "closes": "16:00", "reason": "Réveillon"}],
    }
    assert alice_client.put(url, body, content_type="application/json").status_code == 200
    assert pizzeria.special_hours.get().opens == time(10)
    assert alice_client.get(url).json()["special_hours"][0]["reason"] == "Réveillon"
    # Absent: left as they are.
    alice_client.put(url, {"intervals": []}, content_type="application/json")
    assert pizzeria.special_hours.count() == 1

    bad = {"intervals": [], "special_hours": [{"date": "2026-12-24", "opens": "10:00", "closes": "10:00"}]}
    refused = alice_client.put(url, bad, content_type="application/json")
    assert refused.status_code == 422 and "closes" in refused.content.decode()


def test_the_owner_decides_a_holiday_through_the_api(alice_client, carol_client, pizzeria, soon):
    day, name = soon
    listed = alice_client.get(f"/api/stores/{pizzeria.pk}/holidays").json()
    assert {"date": day.isoformat(), "name": name, "decision": "", "hours": ""} in listed

    url = f"/api/stores/{pizzeria.pk}/holidays/{day.isoformat()}"
    special = {"decision": "special", "intervals": [{"opens": "10:00", "closes": "14:00"}]}
    answer = alice_client.put(url, special, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["hours"] == "10:00–14:00"
    assert pizzeria.special_hours.get(date=day).closes == time(14)

    closed = alice_client.put(url, {"decision": "closed"}, content_type="application/json")
    assert closed.json()["decision"] == "closed"
    assert pizzeria.closed_dates.get(date=day).reason == name and not pizzeria.special_hours.exists()
    assert HolidayDecision.objects.get(store=pizzeria, date=day).decision == "closed"

    missing = alice_client.put(url, {"decision": "special"}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "intervals"
    ordinary = day + timedelta(days=1)
    while ordinary in calendars.country_holidays(pizzeria.country, years=ordinary.year):
        ordinary += timedelta(days=1)
    not_holiday = alice_client.put(
        f"/api/stores/{pizzeria.pk}/holidays/{ordinary.isoformat()}",
        {"decision": "closed"},
        content_type="application/json",
    )
    assert not_holiday.status_code == 422 and not_holiday.json()["errors"][0]["field"] == "date"
    assert carol_client.put(url, {"decision": "usual"}, content_type="application/json").status_code == 404


def test_the_dashboard_asks_about_an_undecided_holiday_and_one_tap_answers_it(alice_client, pizzeria, soon):
    day, name = soon
    home = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert name in home and "Not decided: the assistant says it will check" in home
    assert f'data-holiday="{day.isoformat()}"' in home

    answered = alice_client.post(
        f"/stores/{pizzeria.pk}/settings/?tab=hours",
        {"action": "holiday", "date": day.isoformat(), "decision": "special", "hours": "10:00-14:00"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert answered.status_code == 200
    assert HolidayDecision.objects.get(store=pizzeria, date=day).decision == "special"
    assert pizzeria.special_hours.get(date=day).opens == time(10)
    home = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-holiday="{day.isoformat()}"' not in home  # answered: no longer asked

    # Special hours without hours are refused, naming what to type, and change nothing.
    refused = alice_client.post(
        f"/stores/{pizzeria.pk}/settings/?tab=hours",
        {"action": "holiday", "date": day.isoformat(), "decision": "special", "hours": ""},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Type the hours of that day, like 10:00-14:00." in refused.content.decode()
    assert HolidayDecision.objects.get(store=pizzeria, date=day).decision == "special"


def test_special_hours_picked_on_the_settings_page(alice_client, pizzeria):
    url = f"/stores/{pizzeria.pk}/settings/?tab=hours"
    data = {
        "action": "hours",
        "day1_opens": ["11:30"],
        "day1_closes": ["14:30"],
        "special_date": ["2026-12-24"],
        "special_opens": ["10:00"],
        "special_closes": ["16:00"],
        "special_reason": ["Réveillon"],
    }
    alice_client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")
    row = pizzeria.special_hours.get()
    assert (row.date, row.opens, row.closes) == (date(2026, 12, 24), time(10), time(16))
    assert row.reason == "Réveillon"
    page = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'name="special_date" value="2026-12-24"' in page and "Horaires exceptionnels" in page

    bad = alice_client.post(url, {**data, "special_date": ["le 24 au matin"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Pick the date of the special hours in the calendar." in bad.content.decode()
    assert pizzeria.special_hours.get().reason == "Réveillon"  # nothing replaced

