"""The owner's dashboard numbers: one period against the one before it, two charts, the latest
calls and orders. A fixed number of queries whatever the volume (conditional aggregation over
both periods at once), so the page costs the same with ten calls or a hundred thousand."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stores.models import Order, Source
from stores.selectors import ASSISTANT, assistant_orders, business_orders
from telephony.models import Call

PERIODS = {
    "today": _("Today"),
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "month": _("This month"),
    "custom": _("Custom"),
}
DEFAULT_PERIOD = "7d"
MAX_CUSTOM_DAYS = 366
# The conversation (so the call) an order came from: one per call (decision 0032).
CALL_OF_ORDER = "conversation_outcome__conversation_id"
# A call the assistant (or a person after a transfer) actually picked up.
ANSWERED = (Call.Status.ANSWERED, Call.Status.COMPLETED, Call.Status.TRANSFERRED)
MISSED = (Call.Status.MISSED, Call.Status.REJECTED)


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime
    first_day: date
    last_day: date
    error: str = ""

    @property
    def previous_start(self) -> datetime:
        return self.start - (self.end - self.start)


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


def parse_period(key: str, start: str, end: str, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """The period asked in the query string, in the store's days; a bad custom range falls back
    to the default with an error the page shows (never a 500)."""
    today = (now or timezone.now()).astimezone(tz).date()
    error = ""
    if key == "custom":
        first, last = _parse_day(start), _parse_day(end)
        if first is None or last is None:
            error = str(_("Choose a start and an end date (YYYY-MM-DD) for a custom period."))
        elif first > last:
            error = str(_("The start date must be on or before the end date."))
        elif (last - first).days >= MAX_CUSTOM_DAYS:
            error = str(_("A custom period is at most one year."))
        if not error:
            return _period("custom", first, last, tz)
        key = DEFAULT_PERIOD
    if key == "month":
        return _period("month", today.replace(day=1), today, tz, error)
    days = {"today": 1, "7d": 7, "30d": 30}.get(key)
    if days is None:
        key, days = DEFAULT_PERIOD, 7
    return _period(key, today - timedelta(days=days - 1), today, tz, error)


def _period(key: str, first: date, last: date, tz: ZoneInfo, error: str = "") -> Period:
    # Local midnights, not start + n × 24 h: a day with a clock change lasts 23 or 25 hours.
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return Period(key=key, start=start, end=end, first_day=first, last_day=last, error=error)


@dataclass(frozen=True)
class Metric:
    label: str
    value: Decimal | int | float | None
    previous: Decimal | int | float | None
    kind: str = "number"  # number | money | percent | score
    lower_is_better: bool = False  # missed calls: a drop is good news
    detail: str = ""  # a line under the figure (orders: how many the assistant took)

    @property
    def change(self) -> float | None:
        """% change against the previous period; None when there is nothing to compare with."""
        if self.value is None or not self.previous:
            return None
        return round((float(self.value) - float(self.previous)) / float(self.previous) * 100, 1)

    @property
    def good(self) -> bool:
        """Whether the change is good news (green) or bad (red)."""
        change = self.change or 0
        return change <= 0 if self.lower_is_better else change >= 0


CHART_HEIGHT = 50  # SVG user units; each bar has a slot 10 wide
SLOT = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    height: float  # in SVG units, the tallest bar fills the chart
    x: int
    hint: str = ""
    show_label: bool = True

    @property
    def y(self) -> float:
        return round(CHART_HEIGHT - self.height, 2)


# The chart's drawing, in SVG user units (not stretched: the text keeps its shape on a phone).
CHART_W, CHART_H = 400, 220
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 46, 8, 26, 22


@dataclass(frozen=True)
class Drawn:
    """One bar where it is drawn, with its label under it."""

    bar: Bar
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class Chart:
    """A bar chart ready to draw: bars, the value axis's ticks (y, label) and a legend, all as
    text the eye reads without hovering."""

    legend: str
    bars: list[Drawn]
    ticks: list[tuple[float, str]]
    width: int = CHART_W
    height: int = CHART_H
    left: int = PLOT_LEFT
    right: int = CHART_W - PLOT_RIGHT
    bottom: int = CHART_H - PLOT_BOTTOM
    top: int = PLOT_TOP


def nice_ticks(top: float, steps: int = 4) -> list[float]:
    """0 and round values up to at least `top` (0, 50, 100, 150, 200 for 180)."""
    if top <= 0:
        return [float(n) for n in range(steps + 1)]
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if top <= steps:
        step = max(step, 1.0)  # counts: no half call
    return [round(step * n, 6) for n in range(steps + 1)]


def _tick_label(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def chart(bars: list[Bar], legend: str) -> Chart:
    ticks = nice_ticks(max((bar.value for bar in bars), default=0))
    axis_top = ticks[-1] or 1
    plot_w, plot_h = CHART_W - PLOT_LEFT - PLOT_RIGHT, CHART_H - PLOT_TOP - PLOT_BOTTOM
    slot = plot_w / max(len(bars), 1)

    def y_of(value: float) -> float:
        return round(PLOT_TOP + plot_h * (1 - value / axis_top), 2)

    drawn = [
        Drawn(
            bar=bar,
            x=round(PLOT_LEFT + n * slot + slot * 0.15, 2),
            y=y_of(bar.value),
            width=round(slot * 0.7, 2),
            height=round(plot_h * bar.value / axis_top, 2),
            label_x=round(PLOT_LEFT + (n + 0.5) * slot, 2),
        )
        for n, bar in enumerate(bars)
    ]
    return Chart(legend=legend, bars=drawn, ticks=[(y_of(t), _tick_label(t)) for t in ticks])


@dataclass
class Dashboard:
    period: Period
    metrics: list[Metric]
    monthly: list[Bar]
    hourly: list[Bar]
    recent_calls: list[Call] = field(default_factory=list)
    recent_orders: list[Order] = field(default_factory=list)
    currency: str = "EUR"

    @property
    def monthly_chart(self) -> Chart:
        return chart(self.monthly, str(_("Revenue (%(currency)s)") % {"currency": self.currency}))

    @property
    def hourly_chart(self) -> Chart:
        return chart(self.hourly, str(_("Calls")))


def assistant_order_count(store_ids: list[int], period: Period) -> int:
    """Orders taken by the assistant in the period (stores.selectors.assistant_orders: the one
    definition the billing page and the billing API count too)."""
    return assistant_orders(store_ids, period.start, period.end).count()


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _bars(points: list[tuple[str, float, str]], label_every: int = 1) -> list[Bar]:
    top = max((value for _, value, _ in points), default=0) or 1
    return [
        Bar(
            label=label,
            value=value,
            height=round(value / top * CHART_HEIGHT, 2),
            x=n * SLOT + 1,
            hint=hint,
            show_label=n % label_every == 0,
        )
        for n, (label, value, hint) in enumerate(points)
    ]


def _months_back(today: date, count: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _step in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def charts(store_ids: list[int], period: Period, tz: ZoneInfo) -> tuple[list[Bar], list[Bar]]:
    """The monthly and hourly charts, kept DASHBOARD_CHART_CACHE_SECONDS in the cache: they read a whole
    year of orders and every call of the period, and a minute of delay does not change a trend
    (the figures above them are always live)."""
    key = (
        "dash:charts:"
        + hashlib.sha1(  # noqa: S324 - a cache key, not a secret
            f"{sorted(store_ids)}|{tz.key}|{period.start.isoformat()}|{period.end.isoformat()}|{get_language()}".encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = _charts(store_ids, period, tz)
    cache.set(key, result, settings.DASHBOARD_CHART_CACHE_SECONDS)
    return result


def _charts(store_ids: list[int], period: Period, tz: ZoneInfo) -> tuple[list[Bar], list[Bar]]:
    # Twelve month ranges summed in one pass over the index (no per-row date function, which
    # SQLite runs in Python: 50,000 orders cost ~300 ms that way).
    today = timezone.now().astimezone(tz).date()
    months = _months_back(today, 12)
    bounds = [datetime.combine(m, time.min, tzinfo=tz) for m in months]
    bounds.append(datetime.combine(_next_month(months[-1]), time.min, tzinfo=tz))
    sums: dict[str, Sum | Count] = {}
    for n in range(12):
        in_month = Q(created_at__gte=bounds[n], created_at__lt=bounds[n + 1])
        sums[f"r{n}"] = Sum("total", filter=in_month)
        sums[f"c{n}"] = Count("id", filter=in_month)
    per_month = business_orders(store_ids).filter(created_at__gte=bounds[0], created_at__lt=bounds[-1])
    m = per_month.aggregate(**sums)
    monthly = _bars(
        [
            (
                date_format(months[n], "M y"),  # "Dec 26" / "déc 26"
                float(m[f"r{n}"] or 0),
                str(_("%(count)s orders") % {"count": m[f"c{n}"]}),
            )
            for n in range(12)
        ]
    )
    per_hour = dict(
        Call.objects.filter(store_id__in=store_ids, started_at__gte=period.start, started_at__lt=period.end)
        .annotate(hour=ExtractHour("started_at", tzinfo=tz))
        .order_by()
        .values_list("hour")
        .annotate(n=Count("id"))
    )
    hourly = _bars([(f"{h:02d}h", float(per_hour.get(h, 0)), "") for h in range(24)], label_every=3)
    return monthly, hourly


def build(store_ids: list[int], period: Period, tz: ZoneInfo, currency: str = "EUR") -> Dashboard:
    """Six queries (four when the charts are cached): orders and calls aggregated over both
    periods, the monthly and hourly charts, the latest calls and orders."""
    cur = Q(created_at__gte=period.start, created_at__lt=period.end)
    prev = Q(created_at__gte=period.previous_start, created_at__lt=period.start)
    orders = business_orders(store_ids).filter(
        created_at__gte=period.previous_start, created_at__lt=period.end
    )
    o = orders.aggregate(
        revenue=Sum("total", filter=cur),
        count=Count("id", filter=cur),
        by_assistant=Count("id", filter=cur & ASSISTANT),
        customers=Count("customer_id", distinct=True, filter=cur),
        converted=Count(CALL_OF_ORDER, distinct=True, filter=cur & Q(source=Source.CALL)),
        p_revenue=Sum("total", filter=prev),
        p_count=Count("id", filter=prev),
        p_customers=Count("customer_id", distinct=True, filter=prev),
        p_converted=Count(CALL_OF_ORDER, distinct=True, filter=prev & Q(source=Source.CALL)),
    )
    c_cur = Q(started_at__gte=period.start, started_at__lt=period.end)
    c_prev = Q(started_at__gte=period.previous_start, started_at__lt=period.start)
    c = Call.objects.filter(
        store_id__in=store_ids, started_at__gte=period.previous_start, started_at__lt=period.end
    ).aggregate(
        answered=Count("id", filter=c_cur & Q(status__in=ANSWERED)),
        missed=Count("id", filter=c_cur & Q(status__in=MISSED)),
        avg_satisfaction=Avg("satisfaction", filter=c_cur),
        p_answered=Count("id", filter=c_prev & Q(status__in=ANSWERED)),
        p_missed=Count("id", filter=c_prev & Q(status__in=MISSED)),
        p_avg_satisfaction=Avg("satisfaction", filter=c_prev),
    )
    zero = Decimal("0")
    revenue, p_revenue = o["revenue"] or zero, o["p_revenue"] or zero
    basket = (revenue / o["count"]).quantize(Decimal("0.01")) if o["count"] else None
    p_basket = (p_revenue / o["p_count"]).quantize(Decimal("0.01")) if o["p_count"] else None

    def sat(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    metrics = [
        Metric(str(_("Revenue")), revenue, p_revenue, "money"),
        Metric(
            str(_("Orders")),
            o["count"],
            o["p_count"],
            detail=str(_("%(count)s taken by the assistant") % {"count": o["by_assistant"]}),
        ),
        Metric(str(_("Average basket")), basket, p_basket, "money"),
        Metric(str(_("Unique customers")), o["customers"], o["p_customers"]),
        Metric(str(_("Calls answered")), c["answered"], c["p_answered"]),
        Metric(str(_("Calls missed")), c["missed"], c["p_missed"], lower_is_better=True),
        Metric(
            str(_("Calls → orders")),
            _ratio(o["converted"], c["answered"]),
            _ratio(o["p_converted"], c["p_answered"]),
            "percent",
        ),
        Metric(
            str(_("Average satisfaction")), sat(c["avg_satisfaction"]), sat(c["p_avg_satisfaction"]), "score"
        ),
    ]

    monthly, hourly = charts(store_ids, period, tz)
    recent_calls = list(
        Call.objects.filter(store_id__in=store_ids)
        .select_related("customer", "store")
        .order_by("-started_at", "-id")[:8]
    )
    recent_orders = list(
        Order.objects.real()
        .filter(store_id__in=store_ids)
        .select_related("customer", "store")
        .order_by("-created_at", "-id")[:8]
    )
    return Dashboard(
        period=period,
        metrics=metrics,
        monthly=monthly,
        hourly=hourly,
        recent_calls=recent_calls,
        recent_orders=recent_orders,
        currency=currency,
    )
