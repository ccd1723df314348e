"""How the caller says it, apart from what they ask: anger, a polite close, time pressure.

Phrase data only, read on normalised text (ai.nlu.text.normalize: lowercase, no accents, no
punctuation), French and English side by side."""

from __future__ import annotations

import re

# An upset caller: said before (or instead of) what went wrong, so the reply acknowledges it first.
ANGRY = re.compile(
    r"\b(inadmissible|inacceptable|scandaleux|scandale|honteux|c est une honte|lamentable|n importe quoi|"
    r"ridicule|ras le bol|j en ai marre|en ai assez|furieux|furieuse|en colere|exaspere|excede|"
    r"ridiculous|unacceptable|outrageous|disgrace|this is a joke|furious|livid|fed up|sick of|"
    r"i m (?:really |so |very )?(?:angry|upset|annoyed))\b"
)
# A long wait said as such: a complaint about a delay even without a complaint word.
WAITING = re.compile(
    r"\b(ca fait (?:une|deux|trois|plus d une) heures?|depuis (?:plus d )?une heure|toujours rien|"
    r"been waiting (?:for )?(?:an|over an|more than an|two|\d+) hours?|waiting (?:for )?(?:an|over an) hour|"
    r"still nothing)\b"
)

# "Non merci" with nothing pending ends the call; "non" alone may still be a reaction.
CLOSING = re.compile(
    r"^(?:(?:euh|bon|ben|ah|alors|well|um|oh) )?(?:non|no|nope|nan)(?: (?:non|no))?(?: ,)? "
    r"(?:merci|thanks|thank you|ca ira|ca va aller|c est tout|that s all|that s it|rien d autre|"
    r"nothing else|je vous remercie|that will be all|ce sera tout|i m good|i m fine|ca va)\b"
)

# Time pressure on a matter to discuss: "today", "this morning", "right away" with a need to talk.
_URGENT_WORD = re.compile(
    r"\b(urgent|urgente|urgence|d urgence|en urgence|urgently|emergency|au plus vite|asap|"
    r"as soon as possible|tout de suite|immediatement|immediately|right away|right now)\b"
)
_SAME_DAY = re.compile(
    r"\b(aujourd hui|ce matin|cet apres midi|ce soir|today|this morning|this afternoon|tonight)\b"
)
_CONTACT = re.compile(r"\b(parler|joindre|voir|rencontrer|appeler|rappeler|talk|speak|see|reach|call|meet)\b")


def angry(norm: str) -> bool:
    return ANGRY.search(norm) is not None


def waiting(norm: str) -> bool:
    return WAITING.search(norm) is not None


def without_anger(norm: str) -> str:
    """The line with its angry words taken out: what is left says what went wrong, if anything."""
    return ANGRY.sub(" ", norm)


def closing(norm: str) -> bool:
    return CLOSING.search(norm) is not None


def pressing(norm: str) -> bool:
    """An urgent matter: said urgent, or someone must be reached today ("je dois parler à maître
    Durand aujourd'hui", "I need to talk to a lawyer today")."""
    if _URGENT_WORD.search(norm):
        return True
    return _SAME_DAY.search(norm) is not None and _CONTACT.search(norm) is not None
