"""Is what the caller said while the assistant was talking only an acknowledgement?

"mm-hmm", "yeah", "oui", "d'accord": the caller is listening, the assistant goes on. Anything
with content ("yes two pizzas", "oui je voudrais") or any refusal or request to stop ("no",
"non", "stop", "wait", "attendez") is an interruption: the assistant stops and listens.

Only meaningful while the assistant speaks: "yes" answering a question is an answer.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 4  # "ah oui d'accord", "yeah yeah yeah", "mm-hmm okay"; more is a sentence

# Written as a transcriber would, normalised by _words() (so "d'accord" is "daccord" and "mm-hmm"
# is "mm hmm"); doubled letters are collapsed on both sides, so "mmmh", "ouiii" and "okkk" match.
_COMMON = (
    "ok", "okay", "okey", "k", "mm", "mmh", "mhm", "hm", "hmm", "mm hmm", "hm hm", "uh huh",
    "uhhuh", "ah", "oh", "aha", "ah ha", "oh ok",
)  # fmt: skip
_ENGLISH = (
    "yes", "yeah", "yea", "yep", "yup", "ya", "right", "all right", "alright", "sure", "fine",
    "good", "great", "perfect", "cool", "exactly", "indeed", "of course", "true", "i see",
    "got it", "gotcha", "i understand", "understood", "makes sense", "sounds good", "uh", "um",
    "yes please", "thanks", "thank you", "oh right", "oh yes", "oh yeah", "ah right", "that's right",
    "thats it", "that's it",
)  # fmt: skip
_FRENCH = (
    "oui", "ouais", "ouai", "ouep", "mouais", "d'accord", "d accord", "d'acc", "dac", "hum", "voila",
    "exactement", "ah bon", "je vois", "c'est ca", "c'est bon", "tout a fait", "bien sur", "bien",
    "tres bien", "parfait", "super", "entendu", "compris", "effectivement", "absolument",
    "en effet", "ca marche", "merci", "ah oui", "ah d'accord", "oui merci", "euh",
)  # fmt: skip
# Never an acknowledgement, whatever comes with it: the caller wants the assistant to stop.
INTERRUPTIONS = frozenset(
    {
        "no", "nope", "nah", "stop", "wait", "hold", "hang", "cancel", "sorry", "excuse", "pardon",
        "hey", "hello", "but", "actually", "non", "arrete", "arretez", "attends", "attendez",
        "annule", "annulez", "excusez", "allo", "mais", "minute", "instant", "quoi", "hein",
    }
)  # fmt: skip


def _collapse(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def _words(text: str) -> list[str]:
    """Lower case, no accents, no apostrophes, hyphens as spaces, doubled letters collapsed;
    digits are words."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['’`]", "", plain)
    return [_collapse(word) for word in re.findall(r"[a-z0-9]+", plain)]  # "yes 2" is content


def _phrases(*groups: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(_words(phrase)) for group in groups for phrase in group)


_BY_LANGUAGE = {
    "en": _phrases(_COMMON, _ENGLISH),
    "fr": _phrases(_COMMON, _FRENCH),
}
_ANY = _phrases(_COMMON, _ENGLISH, _FRENCH)  # a language we have no list for: callers mix anyway
_LONGEST = max(len(phrase) for phrase in _ANY)
_STOPS = frozenset(_collapse(word) for word in INTERRUPTIONS)


def is_backchannel(text: str, lang: str) -> bool:
    """True when `text` (a transcript, punctuation and case as they come) is only one or a few
    acknowledgements in `lang` ("fr", "en-US"…): "Mm-hmm.", "oui oui", "Ah d'accord !"."""
    words = _words(text)
    if not words or len(words) > MAX_WORDS or _STOPS.intersection(words):
        return False
    phrases = _BY_LANGUAGE.get(lang.replace("_", "-").split("-")[0].strip().lower(), _ANY)
    return _covered(tuple(words), phrases)


def _covered(words: tuple[str, ...], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether the words are acknowledgements end to end ("ah oui d'accord" = "ah oui" + "d'accord")."""
    if not words:
        return True
    return any(
        words[:n] in phrases and _covered(words[n:], phrases) for n in range(1, min(_LONGEST, len(words)) + 1)
    )
