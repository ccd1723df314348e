"""Exports of the dashboard's lists, with the same filters as the pages, for an owner who opens
them in a spreadsheet: headers in words, statuses in the owner's language, times on the store's
clock, and no row from testing the assistant.

Two formats. CSV is streamed: rows are read from the database in chunks and written as they
come, so 100,000 rows never sit in memory at once; in French it is `;`-separated with decimal
commas (what a French Excel expects), in English `,`-separated; the BOM tells Excel it is UTF-8.
The .xlsx is written row by row (openpyxl's write-only mode) to a temporary file, then sent.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboard.pages import scoped_stores
from dashboard.views.calls import filtered_calls
from dashboard.views.customers import STANDINGS, filtered_customers, with_history
from dashboard.views.home import filtered_orders
from stores.models import Consultation, Order, Reservation, ServiceBooking, Source, Store
from stores.models.bookings import BookingStatus
from stores.models.store import zone_named
from telephony.models import Call

CHUNK = 2000
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Table:
    """What an export holds: its headers (words, in the owner's language) and its rows (plain
    values: datetimes already on the store's clock, labels already translated)."""

    header: list[str]
    rows: Iterable[Iterable[Any]]


class _Echo:
    """csv.writer wants a file; this one hands each written line straight back."""

    def write(self, value: str) -> str:
        return value


def _defused(value: str) -> str:
    if value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit():
        # A cell starting with = or @ would run as a formula in a spreadsheet; phone numbers
        # (+33…) and negative amounts stay as they are.
        return "'" + value
    return value


def _csv_cell(value: Any, french: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if french else "%Y-%m-%d %H:%M")
    if isinstance(value, (Decimal, float)):
        text = str(value)
        return text.replace(".", ",") if french else text
    if isinstance(value, str):
        return _defused(value)
    return value


def _csv_lines(table: Table, french: bool) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";" if french else ",")
    yield "\ufeff" + writer.writerow(table.header)
    for row in table.rows:
        yield writer.writerow([_csv_cell(v, french) for v in row])


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A moment as the store's wall clock (a spreadsheet cell has no time zone)."""
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


def _zones(store_ids: list[int]) -> dict[int, ZoneInfo]:
    return {
        pk: zone_named(name)
        for pk, name in Store.objects.filter(pk__in=store_ids).values_list("pk", "timezone")
    }


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Choice labels translated now, while the request's language is active (a streamed body
    is written later, maybe on another thread)."""
    return {value: str(label) for value, label in choices}


def _calls(request: HttpRequest, store_ids: list[int]) -> Table:
    zones, status, mood = _zones(store_ids), _labels(Call.Status.choices), _labels(Call.Sentiment.choices)
    header = [
        _("Store"),
        _("Date"),
        _("Caller's number"),
        _("Customer"),
        _("Status"),
        _("Duration (seconds)"),
        _("Mood"),
        _("Satisfaction (/10)"),
        _("Summary"),
    ]
    fields = (
        "store_id",
        "store__name",
        "started_at",
        "from_number",
        "customer__name",
        "status",
        "duration_seconds",
        "sentiment",
        "satisfaction",
        "ai_summary",
    )
    qs = filtered_calls(request, store_ids).order_by("-started_at", "-id").values_list(*fields)

    def rows() -> Iterator[tuple]:
        for store_id, store, started, number, who, state, seconds, sentiment, score, summary in qs.iterator(
            chunk_size=CHUNK
        ):
            yield (
                store,
                _local(started, zones[store_id]),
                number,
                who or "",
                status.get(state, state),
                seconds,
                mood.get(sentiment, sentiment),
                score,
                summary,
            )

    return Table(header, rows())


def _orders(request: HttpRequest, store_ids: list[int]) -> Table:
    zones = _zones(store_ids)
    status, source, kind = (
        _labels(Order.Status.choices),
        _labels(Source.choices),
        _labels(Order.DeliveryType.choices),
    )
    header = [
        _("Order"),
        _("Store"),
        _("Date"),
        _("Status"),
        _("Taken by"),
        _("Service"),
        _("Customer"),
        _("Phone"),
        _("Subtotal"),
        _("Tax"),
        _("Total"),
        _("Paid on"),
    ]
    fields = (
        "store_id",
        "number",
        "store__name",
        "created_at",
        "status",
        "source",
        "delivery_type",
        "customer__name",
        "customer__phone",
        "subtotal",
        "tax",
        "total",
        "paid_at",
    )
    qs = filtered_orders(request, store_ids).exclude(source=Source.TEST)
    qs = qs.order_by("-created_at", "-id").values_list(*fields)

    def rows() -> Iterator[tuple]:
        for row in qs.iterator(chunk_size=CHUNK):
            store_id, number, store, created, state, origin, service, who, phone, sub, tax, total, paid = row
            tz = zones[store_id]
            yield (
                number,
                store,
                _local(created, tz),
                status.get(state, state),
                source.get(origin, origin),
                kind.get(service, service),
                who or "",
                phone or "",
                sub,
                tax,
                total,
                _local(paid, tz),
            )

    return Table(header, rows())


def _customers(request: HttpRequest, store_ids: list[int]) -> Table:
    # A customer belongs to the business, not to one store: the page's (first) store's clock.
    tz = next(iter(_zones(store_ids[:1]).values()), zone_named(None))
    standing = _labels(STANDINGS.choices)
    header = [
        _("Name"),
        _("Phone"),
        _("Email"),
        _("Status"),
        _("Orders"),
        _("Bookings"),
        _("Spent"),
        _("First seen"),
        _("Last contact"),
        _("Loyalty score (/100)"),
    ]
    fields = (
        "name",
        "phone",
        "email",
        "standing",
        "visit_orders",
        "visit_bookings",
        "total_spent",
        "first_seen",
        "last_contact",
        "behavior__loyalty_score",
    )
    qs = (
        with_history(filtered_customers(request, store_ids))
        .order_by("-last_contact", "-id")
        .values_list(*fields)
    )

    def rows() -> Iterator[tuple]:
        for name, phone, email, state, orders, bookings, spent, first, last, score in qs.iterator(
            chunk_size=CHUNK
        ):
            yield (
                name,
                phone,
                email,
                standing.get(state, state),
                orders,
                bookings,
                spent,
                _local(first, tz),
                _local(last, tz),
                score,
            )

    return Table(header, rows())


def _bookings(request: HttpRequest, store_ids: list[int]) -> Table:
    zones = _zones(store_ids)
    booking_status, consultation_status = _labels(BookingStatus.choices), _labels(Consultation.Status.choices)
    header = [
        _("Kind"),
        _("Store"),
        _("Date"),
        _("Status"),
        _("Customer"),
        _("Phone"),
        _("Details"),
        _("Notes"),
    ]
    kinds = (
        (_("Table"), Reservation.objects, "starts_at", "party_size", booking_status),
        (_("Appointment"), ServiceBooking.objects, "starts_at", "service__name", booking_status),
        (_("Consultation"), Consultation.objects, "scheduled_at", "problem", consultation_status),
    )

    def rows() -> Iterator[tuple]:
        for kind, manager, when, what, labels in kinds:
            values = (
                manager.filter(store_id__in=store_ids)
                .exclude(source=Source.TEST)
                .order_by(when, "pk")
                .values_list(
                    "store_id",
                    "store__name",
                    when,
                    "status",
                    "customer_name",
                    "customer_phone",
                    what,
                    "notes",
                )
            )
            for store_id, store, at, state, who, phone, details, notes in values.iterator(chunk_size=CHUNK):
                yield (
                    kind,
                    store,
                    _local(at, zones[store_id]),
                    labels.get(state, state),
                    who,
                    phone,
                    details,
                    notes,
                )

    return Table(header, rows())


async def _pulled(lines: Iterator[str]) -> AsyncIterator[str]:
    """Under ASGI Django would read a plain iterator whole before sending it: pull it a batch at
    a time instead, always on the same thread (the database cursor belongs to it)."""
    pull = sync_to_async(lambda: "".join(islice(lines, 500)), thread_sensitive=True)
    while batch := await pull():
        yield batch


EXPORTS: dict[str, Callable[[HttpRequest, list[int]], Table]] = {
    "calls": _calls,
    "orders": _orders,
    "customers": _customers,
    "bookings": _bookings,
}


def _xlsx(table: Table) -> tempfile.SpooledTemporaryFile:
    # openpyxl is only needed for this download: not loaded for every dashboard page.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    bold = Font(bold=True)
    titles = []
    for title in table.header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in table.rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # a stray control character: no 500
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula (=HYPERLINK… stays words)
            elif isinstance(value, datetime):
                cell.number_format = (
                    "dd/mm/yyyy hh:mm" if (get_language() or "").startswith("fr") else "yyyy-mm-dd hh:mm"
                )
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    book.save(out)
    out.seek(0)
    return out


@login_required
def export(request: HttpRequest, kind: str, fmt: str = "csv") -> HttpResponseBase:
    build = EXPORTS.get(kind)
    if build is None or fmt not in FORMATS:
        raise Http404("Nothing to export under this name.")
    store_ids, _current = scoped_stores(request)
    table = build(request, store_ids)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"kalliky-{kind}-{stamp}.{fmt}"
    if fmt == "xlsx":
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return FileResponse(_xlsx(table), as_attachment=True, filename=name, content_type=sheet_type)
    lines = _csv_lines(table, french=(get_language() or "").startswith("fr"))
    content = _pulled(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
