from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.access import managed_business_ids
from accounts.models import Business, User
from kalliky.errors import ValidationFailed
from stores.events import store_data_changed
from stores.holidays import public_holiday
from stores.models import ClosedDate, HolidayDecision, OpeningInterval, SpecialHours, Store
from stores.services.hours import hours_check, hours_problems


def _unique_slug(business: Business, name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)[:200] or "store"
    taken = set(Store.objects.filter(business=business).exclude(pk=exclude_id).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def business_for_new_store(*, user: User, business_id: int | None) -> Business:
    managed = managed_business_ids(user)
    if business_id is None:
        if len(managed) == 1:
            return Business.objects.get(pk=next(iter(managed)))
        if not managed:
            raise ValidationFailed("You do not manage any business yet.", field="business_id")
        raise ValidationFailed(
            "You manage several businesses: say which one with business_id.", field="business_id"
        )
    if business_id not in managed:
        raise ValidationFailed("You cannot add a store to this business.", field="business_id")
    return Business.objects.get(pk=business_id)


def store_create(*, business: Business, name: str, **fields: Any) -> Store:
    with transaction.atomic():
        store = Store.objects.create(
            business=business, name=name, slug=_unique_slug(business, name), **fields
        )
    return store


def store_update(*, store: Store, name: str, **fields: Any) -> Store:
    if name != store.name:
        store.slug = _unique_slug(store.business, name, exclude_id=store.pk)
    store.name = name
    for key, value in fields.items():
        setattr(store, key, value)
    store.full_clean(exclude=["business"])
    store.save()
    return store


def store_delete(*, store: Store) -> None:
    store.delete()


def hours_set(
    *,
    store: Store,
    intervals: list[dict[str, Any]],
    closed_dates: list[dict[str, Any]],
    special_hours: list[dict[str, Any]] | None = None,
) -> None:
    """Replace the weekly hours and closed dates at once (all or nothing), and the special hours
    too when given (None leaves them as they are). Hours breaking a rule of stores.services.hours
    (overlapping openings, an opening starting when it ends, a date twice) raise HoursRefused and
    write nothing."""
    hours_check(intervals=intervals, closed_dates=closed_dates, special_hours=special_hours)
    with transaction.atomic():
        store.opening_intervals.all().delete()
        store.closed_dates.all().delete()
        OpeningInterval.objects.bulk_create(OpeningInterval(store=store, **i) for i in intervals)
        ClosedDate.objects.bulk_create(ClosedDate(store=store, **d) for d in closed_dates)
        if special_hours is not None:
            store.special_hours.all().delete()
            SpecialHours.objects.bulk_create(SpecialHours(store=store, **h) for h in special_hours)
        store_data_changed.send(sender=Store, store_id=store.pk)


def holiday_decide(
    *,
    store: Store,
    day: date,
    decision: str,
    intervals: list[tuple[time, time]] | None = None,
) -> HolidayDecision:
    """The owner's answer for a public holiday, with its effect on the ordinary rows in the same
    transaction: closed → a ClosedDate; special → that date's SpecialHours; usual → neither, the
    weekday's hours apply. Deciding again replaces the earlier answer."""
    name = public_holiday(store.country, day, store.language)
    if name is None:
        raise ValidationFailed("That date is not a public holiday for this store's country.", field="date")
    if decision not in HolidayDecision.Decision.values:
        raise ValidationFailed("Decide closed, usual or special.", field="decision")
    spans = intervals or []
    if decision == HolidayDecision.Decision.SPECIAL and not spans:
        raise ValidationFailed("Give the hours for that day, like 10:00-14:00.", field="intervals")
    problems = hours_problems(
        intervals=[],
        closed_dates=[],
        special_hours=[{"date": day, "opens": o, "closes": c} for o, c in spans],
    )
    if problems:  # the same rules as the special hours typed in the hours editor
        raise ValidationFailed(problems[0].message, field=f"intervals.{problems[0].index}")
    with transaction.atomic():
        store.closed_dates.filter(date=day).delete()
        store.special_hours.filter(date=day).delete()
        if decision == HolidayDecision.Decision.CLOSED:
            ClosedDate.objects.create(store=store, date=day, reason=name[:200])
        elif decision == HolidayDecision.Decision.SPECIAL:
            SpecialHours.objects.bulk_create(
                SpecialHours(store=store, date=day, opens=o, closes=c, reason=name[:200]) for o, c in spans
            )
        found, _created = HolidayDecision.objects.update_or_create(
            store=store, date=day, defaults={"decision": decision, "name": name[:200]}
        )
        store_data_changed.send(sender=Store, store_id=store.pk)
    return found
