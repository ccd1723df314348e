"""What the assistant says when it picks up the phone: the one place a call's greeting is built.

The conversation's own greeting (agent.begin: the store's text, a returning caller's name and
usual), then what the line must add: that the call is recorded, and that the store is closed
right now (with when it reopens and what the assistant can still do). The phone channel asks
for it here, whichever voice (Telnyx speech or a media stream) will say it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ai import agent
from ai.brains.phrases import when as spoken_when
from ai.session import CallSession
from stores.availability import is_open_at, next_opening
from stores.models import Store

PHRASES: dict[str, dict[str, str]] = {
    "recording_notice": {
        "fr": "Cet appel est enregistré pour le suivi de votre demande.",
        "en": "This call is recorded to follow up on your request.",
    },
    "closed_now": {
        "fr": "Nous sommes fermés en ce moment{reopen}. Je peux tout de même {can}.",
        "en": "We are closed right now{reopen}. I can still {can}.",
    },
    "reopen": {"fr": ", réouverture {when}", "en": ", we reopen {when}"},
    "can_questions": {"fr": "répondre à vos questions", "en": "answer your questions"},
    "can_reserve": {
        "fr": "prendre une réservation et répondre à vos questions",
        "en": "take a booking and answer your questions",
    },
    "can_order": {
        "fr": "prendre une commande pour plus tard et répondre à vos questions",
        "en": "take an order for later and answer your questions",
    },
}


def _say(key: str, lang: str, **values: str) -> str:
    table = PHRASES[key]
    return table.get(lang, table["fr"]).format(**values)


def phone_greeting(
    store: Store,
    *,
    caller_phone: str,
    lang: str,
    at: datetime,
    pretend_now: datetime | None = None,
    recorded: bool = False,
) -> tuple[CallSession, agent.AgentReply]:
    """Open the call's conversation and return the reply to say first. Its actions (a
    transfer when the assistant is paused) are the caller's line to carry out; the recording
    notice comes first unless the greeting already hands over, the closed line only when it
    does not."""
    session, reply = agent.begin(
        store,
        channel="phone",
        caller_phone=caller_phone,
        sandbox=False,
        lang=lang,
        now=pretend_now,
    )
    text = reply.text
    if recorded:
        notice = _say("recording_notice", lang)
        text = f"{text} {notice}" if reply.actions else f"{notice} {text}"
    closed = closed_line(store, lang, pretend_now or at)
    if closed and not reply.actions:
        text = f"{text} {closed}"
    return session, replace(reply, text=text)


def closed_line(store: Store, lang: str, at: datetime) -> str:
    """'' while the store is open (or has no hours); else that it is closed, till when, and
    what the assistant can still do for the caller."""
    if not store.opening_intervals.exists() or is_open_at(store, at):
        return ""
    reopen_at = next_opening(store, at)
    today = at.astimezone(reopen_at.tzinfo).date() if reopen_at else None
    reopen = _say("reopen", lang, when=spoken_when(reopen_at, lang, today=today)) if reopen_at else ""
    if store.has_reservations or store.has_consultations:
        can = _say("can_reserve", lang)
    elif store.has_products:
        can = _say("can_order", lang)
    else:
        can = _say("can_questions", lang)
    return _say("closed_now", lang, reopen=reopen, can=can)
