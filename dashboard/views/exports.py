"""CSV exports of the dashboard's lists, with the same filters as the pages. Streamed: rows
are read from the database in chunks and written as they come, so 100,000 rows never sit in
memory at once (a spreadsheet opens the file; the BOM tells Excel it is UTF-8)."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from dashboard.pages import scoped_stores
from dashboard.views.calls import filtered_calls
from dashboard.views.customers import filtered_customers
from dashboard.views.home import filtered_orders
from stores.models import Consultation, Reservation, ServiceBooking
from telephony.selectors import call_id_subquery

CHUNK = 2000


class _Echo:
    """csv.writer wants a file; this one hands each written line straight back."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit():
        # A cell starting with = or @ would run as a formula in a spreadsheet; phone numbers
        # (+33…) and negative amounts stay as they are.
        return "'" + value
    return value


def _stream(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def _calls(request: HttpRequest, store_ids: list[int]) -> tuple[list[str], Iterable]:
    fields = [
        "id", "store__name", "started_at", "from_number", "customer__name", "status",
        "duration_seconds", "sentiment", "satisfaction", "ai_summary", "cost",
    ]
    qs = filtered_calls(request, store_ids).order_by("-started_at", "-id").values_list(*fields)
    return fields, qs.iterator(chunk_size=CHUNK)


def _orders(request: HttpRequest, store_ids: list[int]) -> tuple[list[str], Iterable]:
    fields = [
        "id", "store__name", "number", "created_at", "status", "source", "delivery_type",
        "customer__name", "customer__phone", "subtotal", "tax", "total", "call_id", "paid_at",
    ]
    qs = filtered_orders(request, store_ids).annotate(call_id=call_id_subquery())
    qs = qs.order_by("-created_at", "-id").values_list(*fields)
    return fields, qs.iterator(chunk_size=CHUNK)


def _customers(request: HttpRequest, store_ids: list[int]) -> tuple[list[str], Iterable]:
    fields = [
        "id", "name", "phone", "email", "status", "order_count", "total_spent", "first_seen",
        "last_seen", "behavior__loyalty_score",
    ]
    qs = filtered_customers(request, store_ids).order_by("-last_seen", "-id").values_list(*fields)
    return fields, qs.iterator(chunk_size=CHUNK)


def _bookings(request: HttpRequest, store_ids: list[int]) -> tuple[list[str], Iterable]:
    header = [
        "kind", "id", "store", "starts_at", "status", "customer_name", "customer_phone", "what", "notes"
    ]

    def rows() -> Iterator[tuple]:
        common = ("pk", "store__name")
        for kind, qs, fields in (
            ("reservation", Reservation.objects, ("starts_at", "status", "customer_name", "customer_phone",
                                                   "party_size", "notes")),
            ("service", ServiceBooking.objects, ("starts_at", "status", "customer_name", "customer_phone",
                                                 "service__name", "notes")),
            ("consultation", Consultation.objects, ("scheduled_at", "status", "customer_name",
                                                    "customer_phone", "problem", "notes")),
        ):
            values = qs.filter(store_id__in=store_ids).order_by("pk").values_list(*common, *fields)
            for row in values.iterator(chunk_size=CHUNK):
                yield (kind, *row)

    return header, rows()


async def _pulled(lines: Iterator[str]) -> AsyncIterator[str]:
    """Under ASGI Django would read a plain iterator whole before sending it: pull it a batch at
    a time instead, always on the same thread (the database cursor belongs to it)."""
    pull = sync_to_async(lambda: "".join(islice(lines, 500)), thread_sensitive=True)
    while batch := await pull():
        yield batch


EXPORTS = {"calls": _calls, "orders": _orders, "customers": _customers, "bookings": _bookings}


@login_required
def export_csv(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    build = EXPORTS.get(kind)
    if build is None:
        raise Http404("Nothing to export under this name.")
    store_ids, _current = scoped_stores(request)
    header, rows = build(request, store_ids)
    lines = _stream(header, rows)
    content = _pulled(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="kalliky-{kind}-{stamp}.csv"'
    return response


