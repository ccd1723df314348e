"""Read paths shared by the API, the dashboard and the assistant's context."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from stores.holidays import public_holidays
from stores.models import ClosedDate, HolidayDecision, Order, Source, SpecialHours, Store
from stores.models.store import zone_named

# Among business orders, the ones the assistant took on the phone.
ASSISTANT = Q(source=Source.CALL)


def business_orders(store_ids: list[int]) -> QuerySet[Order]:
    """Orders that count as business: not cancelled, not placed while testing the assistant."""
    return Order.objects.real().filter(store_id__in=store_ids).exclude(status=Order.Status.CANCELLED)


def assistant_orders(
    store_ids: list[int], start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Order]:
    """Orders taken by the assistant, created in [start, end) when given: business orders (see
    business_orders) that came from a call. The one definition the dashboard, the billing page
    and the billing API count."""
    orders = business_orders(store_ids).filter(ASSISTANT)
    if start is not None:
        orders = orders.filter(created_at__gte=start)
    if end is not None:
        orders = orders.filter(created_at__lt=end)
    return orders


def month_so_far(tz: ZoneInfo, now: datetime | None = None) -> tuple[datetime, datetime]:
    """This month on the `tz` clock, from the 1st's midnight to tomorrow's (local midnights: a
    day with a clock change lasts 23 or 25 hours) — the dashboard's "This month"."""
    today = (now or timezone.now()).astimezone(tz).date()
    start = datetime.combine(today.replace(day=1), time.min, tzinfo=tz)
    return start, datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)


def local_day_bounds(tz_name: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of 'today' in the store's time zone, as aware datetimes."""
    tz = zone_named(tz_name)  # a bad zone must not take the dashboard down
    local_now = (now or timezone.now()).astimezone(tz)
    start = datetime.combine(local_now.date(), time.min, tzinfo=tz)
    end = datetime.combine(local_now.date() + timedelta(days=1), time.min, tzinfo=tz)
    return start, end  # not start + 24 h: a DST day lasts 23 or 25 hours


def count_today(
    queryset: QuerySet, field: str, store_ids_by_tz: dict[str, list[int]], now: datetime
) -> dict[int, int]:
    """{store id: rows whose `field` falls in that store's local today}, in one grouped query."""
    today = Q()
    for tz_name, store_ids in store_ids_by_tz.items():
        start, end = local_day_bounds(tz_name, now)
        today |= Q(store_id__in=store_ids, **{f"{field}__gte": start, f"{field}__lt": end})
    rows = queryset.filter(today).order_by().values("store_id").annotate(n=Count("pk"))
    return {row["store_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class HolidayAhead:
    day: date
    name: str
    decision: str  # closed | usual | special, or "" while the owner has not said
    hours: str = ""  # "10:00–14:00" for special hours


HOLIDAY_NOTICE_DAYS = 45


def local_today(store: Store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(store.zone).date()


def holidays_ahead(store: Store, today: date, days: int = HOLIDAY_NOTICE_DAYS) -> list[HolidayAhead]:
    """The public holidays of the store's country in the next `days` days, each with what the owner
    decided. A closed date or special hours typed for that date count as a decision. Three queries."""
    return holidays_ahead_for([store], days=days, today=today).get(store.pk, [])


def holidays_ahead_for(
    stores: list[Store], *, days: int = HOLIDAY_NOTICE_DAYS, today: date | None = None
) -> dict[int, list[HolidayAhead]]:
    """`holidays_ahead` for many stores (each on its own local day unless `today` is given), in
    three queries whatever their number; none when no store has a holiday ahead."""
    found: dict[int, list[tuple[date, str]]] = {}
    for store in stores:
        first = today or local_today(store)
        holidays = public_holidays(store.country, first, first + timedelta(days=days), store.language)
        if holidays:
            found[store.pk] = holidays
    if not found:
        return {}
    dates = {day for holidays in found.values() for day, _ in holidays}
    wanted = {"store_id__in": list(found), "date__in": dates}
    decided = {
        (sid, day): decision
        for sid, day, decision in HolidayDecision.objects.filter(**wanted).values_list(
            "store_id", "date", "decision"
        )
    }
    closed = set(ClosedDate.objects.filter(**wanted).values_list("store_id", "date"))
    special: dict[tuple[int, date], list[str]] = defaultdict(list)
    rows = SpecialHours.objects.filter(**wanted).order_by("opens")
    for sid, on, opens, closes in rows.values_list("store_id", "date", "opens", "closes"):
        special[(sid, on)].append(f"{opens:%H:%M}–{closes:%H:%M}")
    out: dict[int, list[HolidayAhead]] = {}
    for sid, holidays in found.items():
        for day, name in holidays:
            decision = decided.get((sid, day), "")
            if (sid, day) in closed:
                decision = HolidayDecision.Decision.CLOSED
            elif (sid, day) in special:
                decision = HolidayDecision.Decision.SPECIAL
            hours = ", ".join(special.get((sid, day), []))
            out.setdefault(sid, []).append(HolidayAhead(day, name, decision, hours))
    return out


def holidays_undecided(store: Store, today: date, days: int = HOLIDAY_NOTICE_DAYS) -> list[HolidayAhead]:
    return [h for h in holidays_ahead(store, today, days) if not h.decision]


def holidays_undecided_for(
    stores: list[Store], days: int = HOLIDAY_NOTICE_DAYS
) -> dict[int, list[HolidayAhead]]:
    """Per store, the holidays ahead the owner has not answered (stores with none left out)."""
    pending = {
        sid: [h for h in holidays if not h.decision]
        for sid, holidays in holidays_ahead_for(stores, days=days).items()
    }
    return {sid: holidays for sid, holidays in pending.items() if holidays}
