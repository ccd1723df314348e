"""Hand-over: to a person when the caller asks, or offered after two lines the brain did not
understand."""

from __future__ import annotations

from ai.brains import phrases as ph
from ai.brains.skills.common import Dialogue
from ai.brains.state import Expect, Pending
from ai.tools import ToolContext, call_tool


class Handover(Dialogue):
    def _misunderstood(self, tc: ToolContext) -> str:
        session = tc.session
        session.failures += 1
        lang = session.lang
        if session.failures >= 2:
            session.failures = 0
            Pending(session.pending).expect = Expect.HUMAN_OFFER
            return ph.say(lang, "offer_human")
        state = Pending(session.pending)
        again = state.asked if state.expect else None
        base = ph.say(lang, "reprompt")
        return f"{base} {again}" if again else base

    def _transfer(self, tc: ToolContext, reason: str) -> str:
        call_tool(tc, "transfer_to_human", {"reason": reason})
        tc.session.pending.clear()
        return ph.say(tc.session.lang, "transfer")
