"""Read paths shared by the API, the dashboard and the assistant's context."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from kalliky.tenancy import stores_for
from stores.dashboard import zone
from stores.models import Order, Source, Store
from telephony.models import Call, PhoneNumber


@dataclass(frozen=True)
class StoreCard:
    store: Store
    numbers: list[PhoneNumber]
    calls_today: int
    orders_today: int


def local_day_bounds(tz_name: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of 'today' in the store's time zone, as aware datetimes."""
    tz = zone(tz_name)  # a bad zone must not take the dashboard down
    local_now = (now or timezone.now()).astimezone(tz)
    start = datetime.combine(local_now.date(), time.min, tzinfo=tz)
    end = datetime.combine(local_now.date() + timedelta(days=1), time.min, tzinfo=tz)
    return start, end  # not start + 24 h: a DST day lasts 23 or 25 hours


def _count_today(
    queryset: QuerySet, field: str, store_ids_by_tz: dict[str, list[int]], now: datetime
) -> dict[int, int]:
    """{store id: rows whose `field` falls in that store's local today}, in one grouped query."""
    today = Q()
    for tz_name, store_ids in store_ids_by_tz.items():
        start, end = local_day_bounds(tz_name, now)
        today |= Q(store_id__in=store_ids, **{f"{field}__gte": start, f"{field}__lt": end})
    rows = queryset.filter(today).order_by().values("store_id").annotate(n=Count("pk"))
    return {row["store_id"]: row["n"] for row in rows}


def store_cards_for(user: User) -> list[StoreCard]:
    """The dashboard home: each store with its numbers and today's calls and orders.

    Four queries whatever the number of stores (stores, numbers, one grouped count each for
    calls and orders); 'today' is each store's own local day, stores grouped by time zone."""
    stores = list(
        stores_for(user)
        .select_related("business")
        .prefetch_related(
            # A number still being bought has no digits yet (placeholder): not shown here.
            Prefetch(
                "phone_numbers",
                queryset=PhoneNumber.objects.filter(number__startswith="+").order_by("number"),
            )
        )
        .order_by("business__name", "name")
    )
    if not stores:
        return []
    now = timezone.now()
    by_tz: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        by_tz[store.timezone].append(store.pk)
    calls = _count_today(Call.objects.all(), "started_at", by_tz, now)
    # Orders placed while testing the assistant (sandbox) are not business: keep them out of stats.
    orders = _count_today(Order.objects.exclude(source=Source.TEST), "created_at", by_tz, now)
    return [
        StoreCard(
            store=s,
            numbers=list(s.phone_numbers.all()),
            calls_today=calls.get(s.pk, 0),
            orders_today=orders.get(s.pk, 0),
        )
        for s in stores
    ]
