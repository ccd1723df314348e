"""Acknowledgements the assistant talks over, and everything else, which interrupts it."""

from __future__ import annotations

import pytest

from ai.voice.backchannel import is_backchannel

BACKCHANNELS = [
    # English, as transcribers write them
    ("en", "Mm-hmm."),
    ("en", "mmhmm"),
    ("en", "Uh-huh"),
    ("en", "uh huh"),
    ("en", "Yeah."),
    ("en", "yeah yeah"),
    ("en", "Yes."),
    ("en", "OK"),
    ("en", "Okay!"),
    ("en", "right"),
    ("en", "All right."),
    ("en", "Sure."),
    ("en", "Hmm."),
    ("en", "hmmm"),
    ("en", "mhm"),
    ("en", "I see."),
    ("en", "Got it."),
    ("en", "Oh, okay."),
    ("en", "Yeah, sure, sure"),
    ("en-US", "Exactly."),
    # French
    ("fr", "Oui."),
    ("fr", "oui oui"),
    ("fr", "Oui, oui, oui."),
    ("fr", "Ouais"),
    ("fr", "ouiii"),
    ("fr", "D'accord."),
    ("fr", "D’accord !"),
    ("fr", "d accord"),
    ("fr", "OK"),
    ("fr", "Ok d'accord"),
    ("fr", "Hum."),
    ("fr", "Mmh"),
    ("fr", "Voilà."),
    ("fr", "Exactement."),
    ("fr", "Ah bon ?"),
    ("fr", "Je vois."),
    ("fr", "Ah oui, d'accord."),
    ("fr", "C'est ça."),
    ("fr", "Tout à fait."),
    ("fr-FR", "Très bien, merci."),
    ("fr", "Ça marche"),
]

INTERRUPTIONS = [
    # content
    ("en", "yes two pizzas"),
    ("en", "yes 2"),
    ("en", "Yeah, I'd like a calzone."),
    ("en", "okay and a coke"),
    ("en", "what time do you close"),
    ("fr", "oui je voudrais"),
    ("fr", "Oui, deux pizzas"),
    ("fr", "d'accord et une calzone"),
    # no, stop, wait: never an acknowledgement, alone or with one
    ("en", "No."),
    ("en", "no no"),
    ("en", "Nope."),
    ("en", "Stop."),
    ("en", "Wait."),
    ("en", "Wait, wait."),
    ("en", "hold on"),
    ("en", "yes, but"),
    ("en", "okay, stop"),
    ("en", "Sorry?"),
    ("en", "excuse me"),
    ("fr", "Non."),
    ("fr", "non non non"),
    ("fr", "Stop !"),
    ("fr", "Arrêtez."),
    ("fr", "attendez"),
    ("fr", "Attends."),
    ("fr", "oui mais non"),
    ("fr", "Pardon ?"),
    ("fr", "hein ?"),
    ("fr", "Allô ?"),
    # too long to be a nod, however polite
    ("fr", "oui oui oui oui oui"),
    ("en", "yeah okay sure right fine"),
    # nothing
    ("en", ""),
    ("fr", " ... "),
]


@pytest.mark.parametrize(("lang", "text"), BACKCHANNELS)
def test_acknowledgements_are_backchannels(lang: str, text: str) -> None:
    assert is_backchannel(text, lang)


@pytest.mark.parametrize(("lang", "text"), INTERRUPTIONS)
def test_content_and_refusals_interrupt(lang: str, text: str) -> None:
    assert not is_backchannel(text, lang)


def test_each_language_has_its_own_words_and_shares_the_hums() -> None:
    assert not is_backchannel("ouais", "en") and is_backchannel("ouais", "fr")
    assert not is_backchannel("yeah", "fr") and is_backchannel("yeah", "en")
    assert is_backchannel("mm-hmm", "fr") and is_backchannel("ok", "en")
    # a language with no list of its own: either list
    assert is_backchannel("oui", "de") and is_backchannel("yeah", "es") and not is_backchannel("nein", "de")
