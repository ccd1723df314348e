"""The transfer-to-a-human chain of a store: who to try, in which order, at this hour.

A store lists EscalationSteps (owner's mobile, staff line, …), each valid on some weekdays and
hours in the store's time zone. With none configured, the store's own phone number is the one
step. When every step that applies has failed (busy, no answer), the caller is promised a
call-back: a CallbackTicket with a summary of the conversation so far, and an SMS to the owner.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from kalliky.errors import Conflict
from stores.availability import store_tz
from stores.models import Customer, Store
from telephony.callstate import Step
from telephony.models import CallbackTicket, EscalationStep

__all__ = ["Step", "owner_phone", "steps_for", "summary_of"]


def _applies(step: EscalationStep, local: datetime) -> bool:
    if step.weekdays and local.weekday() not in step.weekdays:
        return False
    if step.starts and step.ends:
        now = local.time()
        if step.starts <= step.ends:
            return step.starts <= now < step.ends
        return now >= step.starts or now < step.ends  # a window past midnight
    return True


def steps_for(store: Store, at: datetime) -> list[Step]:
    """The steps that apply at `at`, in order."""
    local = at.astimezone(store_tz(store))
    configured = list(store.escalation_steps.all())
    if configured:
        return [
            Step(label=s.label, phone=s.phone, timeout_secs=s.timeout_secs)
            for s in configured
            if _applies(s, local)
        ]
    if store.phone:
        return [Step(label=store.name, phone=store.phone, timeout_secs=settings.TRANSFER_TIMEOUT_SECONDS)]
    return []


def owner_phone(store: Store) -> str:
    """Who gets the call-back SMS: the owner's mobile, else the first step, else the store."""
    owner = store.business.owner
    if getattr(owner, "phone", ""):
        return owner.phone
    first = store.escalation_steps.first()
    return first.phone if first else store.phone


def summary_of(messages: list[dict], *, limit: int = 280) -> str:
    """The caller's own words so far, newest last, cut to an SMS-friendly length."""
    said = [m.get("content", "") for m in messages if m.get("role") == "user" and m.get("content")]
    text = " / ".join(said)
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def step_add(*, store: Store, label: str, phone: str, timeout_secs: int) -> EscalationStep:
    """A new last step of the store's transfer chain."""
    last = EscalationStep.objects.filter(store=store).order_by("-position").first()
    return EscalationStep.objects.create(
        store=store,
        label=label[:100],
        phone=phone,
        timeout_secs=timeout_secs,
        position=(last.position + 1) if last else 0,
    )


def step_delete(*, store: Store, step_id: int) -> None:
    EscalationStep.objects.filter(store=store, pk=step_id).delete()


def callback_open(*, store: Store, customer: Customer, reason: str) -> CallbackTicket:
    """A call-back ticket for a customer at a store; one still open for them is a Conflict."""
    open_ones = CallbackTicket.objects.filter(status=CallbackTicket.Status.OPEN)
    if open_ones.filter(customer=customer, store=store).exists():
        raise Conflict(_("A call-back is already open for this customer."))
    return CallbackTicket.objects.create(
        business_id=customer.business_id, store=store, customer=customer, phone=customer.phone, reason=reason
    )
