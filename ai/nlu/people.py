"""Party sizes, names and phone numbers in a caller's sentence."""

from __future__ import annotations

import re

import phonenumbers

from ai.nlu.numbers import find_numbers
from ai.nlu.text import normalize, strip_accents

_PEOPLE = r"(?:personnes?|people|persons?|pers|couverts?|adultes?|adults?|guests?|convives?)"
RE_PARTY = [
    re.compile(rf"\b(?:pour|for|de|of)\s+(\S+(?:\s+\S+){{0,2}}?)\s+{_PEOPLE}\b"),
    re.compile(rf"\b(\S+(?:\s+\S+){{0,2}}?)\s+{_PEOPLE}\b"),
    re.compile(
        r"\b(?:nous serons|nous sommes|on sera|on est|we are|we re|we will be|we ll be|there are|"
        r"there will be)\s+(\S+(?:\s+\S+)?)"
    ),  # fmt: skip
    re.compile(r"\b(?:une table|a table|table)\s+(?:de|pour|for|of)\s+(\S+(?:\s+\S+)?)"),
    re.compile(r"\b(?:a party of|party of|un groupe de|groupe de)\s+(\S+(?:\s+\S+)?)"),
    re.compile(r"\b(\S+(?:\s+\S+)?)\s+of us\b"),
]
RE_ALONE = re.compile(r"\b(juste moi|moi seul|seul|seule|just me|only me|myself|just one)\b")
RE_CHILDREN = re.compile(r"\b(\S+)\s+(?:enfants?|children|kids?)\b")

NAME_LEADS = re.compile(
    r"(?:je mappelle|je m appelle|mon nom est|mon nom c est|moi c est|au nom de|a? ?nom de|"
    r"c est de la part de|de la part de|"
    r"my name is|my name s|the name is|name is|under the name of|under the name|under|in the name of|"
    r"this is|it s|c est|je suis)\s+",
)
NAME_STOP = {
    "et", "and", "pour", "for", "a", "at", "s", "il", "please", "merci", "thanks", "thank", "je", "i", "from",
    "de", "du", "le", "la", "the", "ce", "cette", "demain", "tomorrow", "ici", "here", "calling", "qui",
    "who", "oui", "yes", "non", "no", "bonjour", "hello", "hi",
}  # fmt: skip
NOT_NAMES = {
    "bon", "parfait", "ok", "d", "accord", "tout", "correct", "right", "fine", "good", "great", "perfect",
    "possible", "pas", "not", "vrai", "true", "urgent", "moi", "me", "la", "une", "un", "combien", "quoi",
    "what", "how", "tres", "very", "trop", "too", "bien", "ca", "that", "all", "ferme", "closed", "ouvert",
    "open", "grave", "serious", "pour", "for", "complet", "full", "gentil", "nice", "super",
}  # fmt: skip


def parse_party_size(text: str) -> int | None:
    norm = normalize(text)
    if RE_ALONE.search(norm):
        return 1
    children = 0
    child = RE_CHILDREN.search(norm)
    if child:
        found = find_numbers(child.group(1))
        children = found[0].value if found else 0
    for regex in RE_PARTY:
        m = regex.search(norm)
        if not m:
            continue
        chunk = m.group(1)
        found = find_numbers(chunk)
        if not found:
            continue
        value = found[-1].value if regex is RE_PARTY[1] else found[0].value
        if regex is RE_PARTY[1] and found[-1].end != len(chunk.split()):
            continue  # the number must sit right before "personnes"
        if 1 <= value <= 200:
            if children and "adult" in norm:
                value += children
            return value
    bare = re.search(
        r"\b(?:pour|for)\s+(\d{1,2}|[a-z]+)\b(?!\s*(?:h\b|heures?|pm|am|:|o clock|minutes?|min))", norm
    )
    if bare:
        found = find_numbers(bare.group(1))
        if found and 1 <= found[0].value <= 50 and bare.group(1) not in ("un", "une", "a", "an"):
            return found[0].value
    if children and re.search(r"\b(et|and)\b", norm):
        adults = re.search(r"\b(\S+)\s+(?:adultes?|adults?)\b", norm)
        if adults:
            found = find_numbers(adults.group(1))
            if found:
                return found[0].value + children
    return None


def parse_name(text: str) -> str | None:
    """A name introduced by the caller ("je m'appelle Jean Dupont", "under the name of Lee"),
    taken from the original text so accents and capitals survive."""
    original_words = re.findall(r"[\w\-]+", text)
    norm_words = [normalize(w).replace(" ", "") for w in original_words]
    joined = " ".join(norm_words)
    m = NAME_LEADS.search(joined)
    if not m:
        return None
    start_index = len(joined[: m.end()].split())
    picked: list[str] = []
    for original, norm in zip(original_words[start_index:], norm_words[start_index:], strict=False):
        if norm in NAME_STOP or norm.isdigit() or find_numbers(norm) and norm not in ("an",):
            break
        picked.append(original)
        if len(picked) == 3:
            break
    if not picked or normalize(picked[0]) in NOT_NAMES:
        return None
    lead = m.group(0).strip()
    if lead in ("c est", "it s", "this is", "je suis") and (
        len(picked) > 2 or any(normalize(w) in NOT_NAMES for w in picked)
    ):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in picked)


def parse_phone(text: str) -> str | None:
    digits = re.sub(r"[^\d+]", "", strip_accents(text))
    for candidate in re.findall(r"\+?\d{9,15}", digits):
        try:
            parsed = phonenumbers.parse(candidate, "FR")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None
