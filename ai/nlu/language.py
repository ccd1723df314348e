"""Which language a caller speaks, from one line: "fr", "en" or None when it cannot tell.

Its own module because it is its own question: the brain asks it on every turn to decide the
language it answers in, before and apart from what the caller wants (`ai.nlu.intents`). The word
lists are the function words and call vocabulary of each language, over normalised text.
"""

from __future__ import annotations

import re

from ai.nlu.text import normalize

_FR_WORDS = frozenset(
    """je j tu il elle nous vous ils elles le la les l un une des du de et est sont suis c ce cette ces mon ma
    mes ton ta votre vos notre nos pour avec sans pas ne n oui ouais non merci bonjour bonsoir voudrais veux
    voudrait aimerais pouvez peux quoi comment combien quand pourquoi qui que qu quel quelle ou au aux demain
    soir aujourd hui plait svp aussi tres bien deja encore moi toi lui en sur dans chez parce mais donc alors
    euh ben bah ca cela ici voila rien tout plus avez etes faites reserver commander prendre personnes heures
    salut allo coucou daccord accord parfait habitude chose fois mettez ajoutez enlevez livrez""".split()
)
_EN_WORDS = frozenset(
    """i you he she we they it the an of and is am are was were be will would could can do does did don t to
    for with without not no yes yeah yep nope thanks thank please hello hi hey what how much many where when
    why who which like want need get have my your our this that these there here in tomorrow tonight today
    book order people some any just also too sure great good bye sorry um uh well so ll ve m re okay please
    usual time deliver delivery open close""".split()
)
# Words alone on a line that tell the language ("ok" goes French: the stores' callers mostly are).
_ALONE_FR = frozenset("oui ouais non merci bonjour bonsoir salut allo ok d accord parfait daccord".split())
_ALONE_EN = frozenset("yes yeah yep no nope thanks hello hi hey bye sure okay".split())
_FRENCH_LETTERS = re.compile(r"[éèêàùçâîôûëïœ]")


def detect_language(text: str) -> str | None:
    """ "fr", "en" or None when the line is too short or mixed to tell."""
    words = normalize(text).split()
    if not words:
        return None
    if len(words) <= 2 and (words[0] in _ALONE_FR or words[0] in _ALONE_EN):
        if " ".join(words) in ("d accord",) or words[0] in _ALONE_FR:
            return "fr"
        return "en"
    fr = sum(1 for w in words if w in _FR_WORDS and w not in _EN_WORDS)
    en = sum(1 for w in words if w in _EN_WORDS and w not in _FR_WORDS)
    if _FRENCH_LETTERS.search(text.lower()):
        fr += 1
    if fr == en or max(fr, en) < (1 if len(words) <= 2 else 2) or max(fr, en) < 1.5 * min(fr, en):
        return None
    return "fr" if fr > en else "en"
