"""The rest of the catalogue: complaints, the business' information and hours, handing over to a
person, ending the call."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import transaction

from ai.tools.registry import _WHEN, ToolContext, ToolError, _produced, tool
from kalliky.languages import supported_language
from stores import availability
from stores.holidays import public_holiday
from stores.models import COMPLAINT_CATEGORIES, Customer, CustomerExchange
from stores.services.customers import anonymous_customer, complaint_record, customer_touch


# --- the rest -------------------------------------------------------------------------------
@tool(
    "report_issue",
    "Record a complaint or a problem the caller reports, for the owner to follow up.",
    {
        "description": {"type": "string"},
        "category": {
            "type": "string",
            "enum": list(COMPLAINT_CATEGORIES),
        },
        "urgency": {"type": "string", "enum": ["low", "normal", "high", "emergency"]},
    },
    ("description",),
)
def report_issue(
    tc: ToolContext, description: str, category: str = "other", urgency: str = "normal"
) -> dict[str, Any]:
    if urgency not in CustomerExchange.Severity.values:
        urgency = CustomerExchange.Severity.NORMAL
    customer = customer_touch(
        business=tc.store.business, phone=tc.session.caller_phone, name=tc.session.customer_name
    ) or _anonymous_customer(tc)
    with transaction.atomic():  # the row and the record that this conversation made it, together
        exchange = complaint_record(
            customer=customer,
            store=tc.store,
            description=description,
            content={"source": tc.source, "session": tc.session.id},
            category=category,
            severity=urgency,
        )
        _produced(tc, exchange)
    tc.session.exchanges.append(exchange.pk)
    return {"reference": exchange.pk, "follow_up": True, "severity": urgency}


def _anonymous_customer(tc: ToolContext) -> Customer:
    # A complaint from a hidden number still needs a customer row; one per business holds them.
    return anonymous_customer(business_id=tc.ctx.business_id)


@tool(
    "business_info",
    "Opening hours, whether it is open now, the address and delivery.",
    {"topic": {"type": "string", "enum": ["hours", "open_now", "address", "delivery", "all"]}},
)
def business_info(tc: ToolContext, topic: str = "all") -> dict[str, Any]:
    now = tc.now
    open_now = availability.is_open_at(tc.store, now)
    closes = availability.closes_at(tc.store, now) if open_now else None
    opens = None if open_now else availability.next_opening(tc.store, now)
    lang = supported_language(tc.session.lang, tc.ctx.language)
    later = [(s, e) for s, e in availability.opening_periods(tc.store, now.date()) if s > now]
    evening = [(s, e) for s, e in availability.opening_periods(tc.store, now.date()) if _evening(s, e)]
    return {
        "store": tc.ctx.store_name,
        "open_now": open_now,
        "closes_at": f"{closes.astimezone(tc.tz):%H:%M}" if closes else None,
        # "what time do you close tonight?" asked at lunch: the evening service, not the lunch one
        "later_today": [{"opens": f"{s:%H:%M}", "closes": f"{e:%H:%M}"} for s, e in later],
        "tonight": {"opens": f"{evening[-1][0]:%H:%M}", "closes": f"{evening[-1][1]:%H:%M}"}
        if evening
        else None,
        "next_opening": opens.astimezone(tc.tz).isoformat() if opens else None,
        "hours": list(tc.ctx.hours_lines.get(lang, ())),
        "address": tc.ctx.address,
        "phone": tc.ctx.phone,
        "delivery": tc.ctx.delivery_enabled,
        "now": now.isoformat(),
    }


def _evening(starts: datetime, ends: datetime) -> bool:
    """A period that is still open in the evening (after 18:00, or running past midnight)."""
    return ends.date() > starts.date() or ends.time() > time(18, 0)


@tool(
    "hours_on_date",
    "Whether the business opens on a given date and its hours that day: closed dates, special hours "
    "and public holidays included. status 'unknown' means a public holiday the owner has not decided "
    "about: say you will check, never guess open or closed.",
    {"date": _WHEN["date"]},
    ("date",),
)
def hours_on_date(tc: ToolContext, date: str) -> dict[str, Any]:
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date()
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD.") from None
    found = availability.day_hours(tc.store, day)
    lang = supported_language(tc.session.lang, tc.ctx.language)
    holiday = public_holiday(tc.store.country, day, lang) if found.holiday else None  # the caller's language
    after = max(datetime.combine(day, time.min, tzinfo=tc.tz), tc.now)
    opens = None if found.periods else availability.next_opening(tc.store, after)
    return {
        "date": date,
        "status": found.status,
        "hours": [f"{s:%H:%M}–{e:%H:%M}" for s, e in found.periods],
        "holiday": holiday,
        "reason": found.reason if found.reason != found.holiday else holiday,
        "past": day < tc.now.date(),
        "next_opening": opens.isoformat() if opens else None,
    }


@tool(
    "transfer_to_human",
    "Hand the call to a person (the caller asked, or you cannot help).",
    {"reason": {"type": "string"}},
)
def transfer_to_human(tc: ToolContext, reason: str = "") -> dict[str, Any]:
    return {"action": "transfer", "reason": reason or "caller request", "to": tc.ctx.phone or None}


@tool("end_call", "End the call after saying goodbye.", {"reason": {"type": "string"}})
def end_call(tc: ToolContext, reason: str = "") -> dict[str, Any]:
    return {"action": "hangup", "reason": reason or "goodbye"}
