"""What every skill shares: the heard line, asking a question and waiting for its answer,
asking it again after an aside; and the word lists more than one skill reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ai.brains import phrases as ph
from ai.brains.state import Expect, Pending
from ai.matching import Mention
from ai.nlu.text import normalize
from ai.nlu.when import When
from ai.tools import ToolContext

ORDINALS = {
    "premier": 0,
    "premiere": 0,
    "first": 0,
    "deuxieme": 1,
    "second": 1,
    "seconde": 1,
    "troisieme": 2,
    "third": 2,
    "derniere": -1,
    "dernier": -1,
    "last": -1,
}


@dataclass
class Heard:
    text: str
    words: list[str]
    norm: str
    intents: dict[str, float]
    mentions: list[Mention]
    when: When | None
    lang: str

    def has(self, intent: str, threshold: float = 0.5) -> bool:
        return self.intents.get(intent, 0.0) >= threshold

    @property
    def yes(self) -> bool:
        return self.has("yes") and not self.has("no")

    @property
    def no(self) -> bool:
        return self.has("no") and not self.has("yes")


GREETING = re.compile(r"^\s*(bonjour|bonsoir|allo|hello|hi|good (morning|afternoon|evening))\b[\s,.!]*", re.I)

MEASURES = frozenset(
    "g gr kg grammes gramme grams cl ml l litre litres cm h heures heure minutes min pm am".split()
)

SET_QUANTITY = re.compile(
    r"\b(mettez en|mets en|mettez m en|mettez moi en|donnez m en|donnez moi en|j en prends|j en veux|"
    r"je vais en prendre|j en voudrais|make (that|it|them)|i ll take|i ll have|i d like|give me|plutot|"
    r"finalement|actually|en fait|rather|instead)\b"
)

CORRECTION = re.compile(
    r"(^(non|no|nope)\b|\b(plutot|finalement|en fait|actually|rather|make (that|it|them)|je voulais|"
    r"i wanted|i meant|i said|j ai dit|c etait|it was|pas (un|une|deux|trois|quatre|cinq|six|\d+)|"
    r"not (one|two|three|four|five|six|\d+)|changez|change|mettez (la|le|les)|put (it|that))\b)"
)

# Words of ordering and asking that are not the name of anything on a menu.
ORDER_WORDS = frozenset(
    "bonjour bonsoir hello voudrais voudrai voudrions aimerais souhaite souhaiterais prendre "
    "commander commande avez vous avoir faites faire est ce que quoi comme quel quelle quels quelles "
    "serait possible plait merci alors donc aussi encore autre chose please would like want have "
    "could order some there with avec sans does your what which thanks thank just also another maybe "
    "perhaps dommage then well okay sorry".split()
)

ANAPHORA = re.compile(
    r"\b(one of those|one of them|that one|those ones|i ll take (it|one|that)|i ll have (it|one|that)|"
    r"celle la|celle ci|celui la|la meme|le meme|une comme ca|un comme ca|je la prends|je le prends|"
    r"j en prends une?)\b"
)

# Words that ask for a meeting without saying what it is about.
GENERIC_REQUEST = frozenset(
    "bonjour bonsoir hello hi je voudrais voudrai aimerais souhaite souhaiterais veux prendre avoir une un "
    "des consultation consultations rendez vous rdv conseil conseiller avis expert besoin aide d de du "
    "pour s "
    "il plait please i like would want need to an a with some advice appointment meeting consult advisor "
    "adviser book make get help me moi svp merci thanks".split()
)


def _describes_a_need(words: list[str], names: frozenset[str] = frozenset()) -> bool:
    """Whether the line says what the meeting is about, beyond asking for one (and beyond the
    names of the people or the office, "rendez-vous avec Maître Durand")."""
    return len([w for w in words if w not in GENERIC_REQUEST and w not in names and len(w) > 2]) >= 2


def _office(tc: ToolContext) -> frozenset[str]:
    """The words that name the office and its people ("Maître Durand"): not what a meeting is about."""
    return (
        frozenset(w for r in tc.ctx.resources for w in normalize(r.name).split())
        | frozenset(normalize(tc.ctx.store_name).split())
        | frozenset({"maitre", "docteur", "monsieur", "madame"})
    )


def _without_greeting(text: str) -> str:
    rest = GREETING.sub("", text.strip()).strip()
    return rest[:1].upper() + rest[1:]


class Dialogue:
    def _with_followup(self, tc: ToolContext, answer: str) -> str:
        """After answering a question in the middle of something, ask again what we were asking."""
        state = Pending(tc.session.pending)
        again = state.asked
        return f"{answer} {again}" if again and state.expect else answer

    def _ask(self, tc: ToolContext, expect: Expect, text: str, *, yes_no: bool = False) -> str:
        """Ask a question and wait for its answer; `yes_no` marks a question that a plain "yes"
        answers when its expect is one that also asks open questions (see YES_NO_EXPECTS)."""
        Pending(tc.session.pending).ask(expect, text.split(". ")[-1] if ". " in text else text, yes_no=yes_no)
        return text

    def _open_again(self, tc: ToolContext, lang: str) -> str:
        state = Pending(tc.session.pending)
        offered = (state.booking or {}).get("offered") or []
        if offered and state.expect is Expect.BOOKING:
            times = ph.join([ph.clock(o["time"], lang) for o in offered], lang, "or")
            return ph.say(lang, "time_pick", times=times)
        asked = state.asked or ""
        if asked in (ph.say(lang, "time_q"), ph.say(lang, "pref_q")):
            return ph.say(lang, "time_open" if asked == ph.say(lang, "time_q") else "when_q")
        return ph.say(lang, "open_again", asked=asked[:1].lower() + asked[1:])
