"""Complaints: what went wrong, asked once if the caller said too little, recorded with its
category and urgency; an angry caller is offered a person."""

from __future__ import annotations

from ai.brains import phrases as ph
from ai.brains.skills.common import Dialogue, Heard
from ai.brains.state import Expect, Pending
from ai.nlu import complaints, tone
from ai.tools import ToolContext, call_tool

COMPLAINT_GENERIC = frozenset(
    "bonjour bonsoir hello voudrais voudrai aimerais souhaite faire deposer porter une reclamation plainte "
    "plaindre complaint complain make file would like want have please about sujet propos".split()
)


class Complaints(Dialogue):
    def _complaint(self, tc: ToolContext, h: Heard) -> str:
        # "I want to complain" carries no detail: ask what happened first.
        said = tone.without_anger(h.norm).split()  # "c'est n'importe quoi !" says nothing of what
        detail_words = [w for w in said if len(w) > 3 and w not in COMPLAINT_GENERIC]
        state = Pending(tc.session.pending)
        if len(detail_words) < 2 and not state.complaint_asked:
            state.complaint_asked = True
            if tone.angry(h.norm):  # the anger is acknowledged before the question
                state.angry = True
                question = ph.say(h.lang, "angry") + " " + ph.say(h.lang, "angry_what")
                return self._ask(tc, Expect.COMPLAINT, question)
            return self._ask(tc, Expect.COMPLAINT, ph.say(h.lang, "complaint_q"))
        return self._record_complaint(tc, h)

    def _answer_complaint(self, tc: ToolContext, h: Heard) -> str | None:
        if len(h.words) < 2:
            return None
        return self._record_complaint(tc, h)

    def _record_complaint(self, tc: ToolContext, h: Heard) -> str:
        urgency = complaints.urgency(h.text)
        angry = Pending(tc.session.pending).angry or tone.angry(h.norm)
        if angry and urgency in ("low", "normal"):
            urgency = "high"
        call_tool(
            tc,
            "report_issue",
            {
                "description": h.text.strip(),
                "category": complaints.complaint_category(h.text),
                "urgency": urgency,
            },
        )
        tc.session.pending.clear()
        if angry:
            # sorry and taken seriously first, then a person offered: an upset caller may want one
            said = ph.say(h.lang, "angry") + " " + ph.say(h.lang, "angry_done")
            return said + " " + self._ask(tc, Expect.HUMAN_OFFER, ph.say(h.lang, "angry_offer"))
        key = "complaint_urgent" if urgency in ("high", "emergency") else "complaint_done"
        return ph.say(h.lang, key) + " " + ph.say(h.lang, "how_help")
