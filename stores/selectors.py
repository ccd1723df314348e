"""Read paths shared by the API, the dashboard and the assistant's context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from kalliky.tenancy import stores_for
from stores.models import Order, Store
from telephony.models import Call, PhoneNumber


@dataclass(frozen=True)
class StoreCard:
    store: Store
    numbers: list[PhoneNumber]
    calls_today: int
    orders_today: int


def local_day_bounds(tz_name: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of 'today' in the store's time zone, as aware datetimes."""
    tz = ZoneInfo(tz_name)
    local_now = (now or timezone.now()).astimezone(tz)
    start = datetime.combine(local_now.date(), time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def store_cards_for(user: User) -> list[StoreCard]:
    """The dashboard home: each store with its numbers and today's calls and orders.

    Three queries whatever the number of stores; 'today' is each store's own local day."""
    stores = list(
        stores_for(user)
        .select_related("business")
        .prefetch_related(Prefetch("phone_numbers", queryset=PhoneNumber.objects.order_by("number")))
        .order_by("business__name", "name")
    )
    if not stores:
        return []
    bounds = {s.pk: local_day_bounds(s.timezone) for s in stores}
    earliest = min(b[0] for b in bounds.values())
    latest = max(b[1] for b in bounds.values())
    ids = list(bounds)
    call_times: dict[int, list[datetime]] = {i: [] for i in ids}
    for store_id, started in Call.objects.filter(
        store_id__in=ids, started_at__gte=earliest, started_at__lt=latest
    ).values_list("store_id", "started_at"):
        call_times[store_id].append(started)
    order_times: dict[int, list[datetime]] = {i: [] for i in ids}
    for store_id, created in Order.objects.filter(
        store_id__in=ids, created_at__gte=earliest, created_at__lt=latest
    ).values_list("store_id", "created_at"):
        order_times[store_id].append(created)

    def count(times: list[datetime], store_id: int) -> int:
        start, end = bounds[store_id]
        return sum(1 for t in times if start <= t < end)

    return [
        StoreCard(
            store=s,
            numbers=list(s.phone_numbers.all()),
            calls_today=count(call_times[s.pk], s.pk),
            orders_today=count(order_times[s.pk], s.pk),
        )
        for s in stores
    ]
