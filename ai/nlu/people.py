"""Who is calling and for how many: party sizes, names, phone numbers.

- A party size needs a people word ("4 personnes", "two guests"), a group phrase ("nous serons
  six", "there will be 3 of us", "a party of 8", "une table de 2") or "pour/for" + a number that
  is not followed by a noun ("pour quatre", "for two tonight", but not "pour deux pizzas", "for
  8 pm", "pour 20 heures"). Adults and children add up; "dont 2 enfants" (of which) does not.
- A name follows an introduction ("je m'appelle", "au nom de", "my name is", "under the name of")
  and is taken from the original text so accents and capitals survive. After the weak ones
  ("c'est", "it's", "this is") it must not be an everyday word ("c'est bon", "it's cold") and,
  when the transcript has capitals, must be capitalised.
- A phone number is French (10 digits from 0, or +33/0033) or international with "+"; spoken
  digits and number words ("zéro six douze trente-quatre…") are read too. Output is E.164.
"""

from __future__ import annotations

import re

from ai.nlu.numbers import NUMBER_WORDS, NumberMatch, find_numbers
from ai.nlu.text import normalize

# --- party size ------------------------------------------------------------------------------
_PEOPLE = frozenset(
    "personnes personne pers people persons person couverts couvert convives convive guests guest "
    "adultes adulte adults adult".split()
)
_CHILDREN = frozenset("enfants enfant kids kid children child bebes bebe babies baby ados teens".split())
_ADULT_WORDS = frozenset({"adultes", "adulte", "adults", "adult"})
# Leads after which a number is the group ("nous serons 6", "a party of 8", "une table de 2").
_GROUP_LEADS = re.compile(
    r"\b(?:nous serons|nous sommes|on sera|on est|on vient|on viendra|we are|we re|we will be|we ll be|"
    r"there are|there will be|there ll be|there s|table de|table pour|table for|table of|party of|"
    r"group of|groupe de|reservation pour|reservation for|reserver pour|book for|booking for|"
    r"c est pour|it s for|ce sera pour|that s for|it will be for)\s+(?:a\s+|about\s+|environ\s+)?$"
)
_FOR = frozenset({"pour", "for"})
# After "pour N"/"for N": nothing, or a word that is not what N would be counting.
_FREE_FOLLOWERS = frozenset(
    "a at vers around le la les on this ce cet cette demain tomorrow tonight today aujourd ce soir midi "
    "please svp s il merci thanks et and au sous under in ou or si if alors then next prochain prochaine "
    "pour for the des du de un une dont including of people personnes ok".split()
)
_NOT_A_PARTY = frozenset(
    "h heures heure hours hour pm am minutes minute min mn jours jour days day semaines weeks ans years "
    "euros euro eur dollars pounds o oclock fois times".split()
)
_ALONE = re.compile(
    r"\b(?:juste moi|moi seule?|que moi|je serai seule?|je suis seule?|je viens seule?|tout seule?|"
    r"une seule personne|just me|only me|just myself|by myself|on my own|me alone|just for me|"
    r"just one person|only one person|table for one|pour moi seule?)\b"
)
_COUPLE = re.compile(
    r"\b(?:moi et (?:mon|ma) \w+|(?:mon|ma) \w+ et moi|me and my \w+|my \w+ and (?:i|me)|un couple|"
    r"a couple|en amoureux|nous deux|the two of us|both of us|tous les deux|toutes les deux)\b"
)

_OF_WHICH = re.compile(r"\b(?:dont|including|of which)\b")  # "4 personnes dont 2 enfants"
_MYSELF = re.compile(r"\b(?:moi|me|i)\b")


def _value_ok(value: int) -> bool:
    return 1 <= value <= 200


def parse_party_size(text: str) -> int | None:
    """How many people the caller books for, or None when the line does not say."""
    norm = normalize(text)
    words = norm.split()
    if not words:
        return None
    found = find_numbers(norm)
    children = 0
    adults: int | None = None
    people: int | None = None
    for m in found:
        after = words[m.end] if m.end < len(words) else ""
        if after in ("de", "d", "of") and m.end + 1 < len(words):
            after = words[m.end + 1]  # "une dizaine de personnes"
        if after in _CHILDREN:
            children += m.value
        elif after in _PEOPLE and people is None and _value_ok(m.value):
            lead = words[m.start - 1] if m.start >= 1 else ""
            article = m.end == m.start + 1 and words[m.start] in ("a", "an", "un", "une")
            if article and lead not in ("pour", "for", "de", "of"):
                continue  # "talk to a person": an article, not a party of one
            if after in _ADULT_WORDS:
                adults = m.value
            people = m.value
    if people is None:
        people = _group_number(words, found)
    if people is not None:
        # "4 personnes dont 2 enfants" counts the children once; "2 adultes et 2 enfants" adds them
        if children and (adults is not None or not _OF_WHICH.search(norm)):
            return people + children
        return people
    if children:
        base = 2 if _COUPLE.search(norm) else 1 if _MYSELF.search(norm) else 0
        return base + children if base else None
    if _COUPLE.search(norm):
        return 2
    if _ALONE.search(norm):
        return 1
    return None


def _group_number(words: list[str], found: list[NumberMatch]) -> int | None:
    for m in found:
        if not _value_ok(m.value):
            continue
        after = words[m.end] if m.end < len(words) else ""
        if after in _NOT_A_PARTY or after in _CHILDREN or after[:1].isdigit():
            continue
        if words[m.end : m.end + 2] == ["of", "us"] or words[m.end : m.end + 2] == ["a", "table"]:
            return m.value  # "3 of us", "4 à table"
        before = " ".join(words[max(0, m.start - 4) : m.start]) + " "
        if _GROUP_LEADS.search(before):
            if m.end == m.start + 1 and words[m.start] in ("un", "une", "a", "an") and m.end < len(words):
                continue  # "c'est pour une réservation": an article
            return m.value
        lead = words[m.start - 1] if m.start >= 1 else ""
        if lead == "a" and m.start >= 2 and words[m.start - 2] in _FOR:
            lead = words[m.start - 2]  # "for a couple"
        if lead in _FOR and (m.end >= len(words) or after in _FREE_FOLLOWERS):
            if words[m.start] in ("un", "une", "a", "an"):
                continue  # "pour une pizza", "for a pizza": an article, not a party of one
            return m.value
    return None


# --- names -----------------------------------------------------------------------------------
_STRONG_LEADS = (
    "je m appelle", "je m apelle", "je mappelle", "mon nom est", "mon nom c est", "mon nom de famille est",
    "mon nom de famille c est", "mon prenom est", "mon prenom c est", "moi c est", "au nom de", "au nom d",
    "sous le nom de", "sous le nom d", "sous le nom", "a l attention de", "de la part de", "my name is",
    "my name s", "the name is", "the name s", "name is", "name s", "under the name of", "under the name",
    "in the name of", "under", "call me", "vous pouvez m appeler", "i m called", "i am called",
)  # fmt: skip
_WEAK_LEADS = ("c est", "it s", "this is", "ici", "i m", "i am", "je suis")
# "I'm hungry", "je suis allergique": only a capitalised word in a cased transcript is a name here.
_CAPITALS_ONLY = frozenset({"i m", "i am", "je suis"})
_ALL_LEADS = sorted(_STRONG_LEADS + _WEAK_LEADS, key=len, reverse=True)  # longest first
_LEADS = re.compile(r"\b(" + "|".join(re.escape(x) for x in _ALL_LEADS) + r")\b")
# Where a name ends.
_NAME_STOP = frozenset(
    "et and pour for a at s il please merci thanks thank svp je j i we nous on vous you from calling "
    "qui who ok oui yes non no bonjour hello hi demain tomorrow ce cette ca c est is comme like with "
    "avec ou or mais but au aux the le la les un une des an my mon ma mes sur in en dans tonight today "
    "aujourd soir matin euh um uh heu hum please pour s sil plait here ici again encore au revoir bye "
    "calling speaking phoning here svp i m d ll ve re t".split()
)
_FILLERS = frozenset({"euh", "heu", "um", "uh", "hum", "hmm", "erm"})
_TITLES = frozenset(
    "monsieur madame mademoiselle mr mrs ms miss mme mlle dr docteur doctor maitre professeur prof".split()
)
_PARTICLES = frozenset({"de", "du", "des", "le", "la", "van", "von", "der", "den", "di", "da", "del", "mac"})
# Everyday words a weak lead ("c'est …", "it's …", "this is …") is usually followed by.
_NOT_NAMES = frozenset(
    """bon bonne parfait parfaite ok okay d accord tout toute correct right fine good great perfect possible
    impossible pas not vrai true faux false urgent moi me toi lui elle eux nous vous combien quoi what how
    tres very trop too bien ca that this all ferme fermee closed ouvert ouverte open grave serious complet
    complete full gentil nice super note noted exact exactement exactly sure done fini finie finished termine
    ready pret prete late retard dommage cher chere expensive cheap cold froid froide chaud chaude hot
    delicious delicieux delicieuse mauvais mauvaise bad nul nulle terrible horrible awful normal simple
    facile easy vraiment really certain ridiculous ridicule inadmissible unacceptable scandaleux honteux
    quel quelle which quand when ou where pourquoi why rien nothing la here there ici dispo disponible
    available libre free mine juste just only seulement about concernant regarding clair clear compris
    understood entendu sur bizarre weird strange etrange lent slow rapide fast quick long court short
    beaucoup much many peu little encore still deja already toujours always jamais never pour for
    une un a an the le les des du de mon ma my your votre vos notre our their leur urgent important
    interesting interessant fou crazy insane cool excellent amazing awesome wonderful lovely sorry
    desole desolee pardon excuse confirme confirmed calling appelle annule cancelled canceled booked
    reserve commande ordered arrived arrive parti gone hard difficile dur tard tot early soon bientot
    frais fresh free gratuit inclus included enough assez suffisant fait made done been going allez
    moins less more plus same meme different autre other another mieux better best pire worse worst
    fine probleme problem souci issue question demande request reservation commande order livraison
    delivery table pizza""".split()
)
_RAW_PIECES = re.compile(r"(?:\b[A-Z]['’])?\w+(?:[-\u2010\u2011]\w+)*")  # O'Brien, Jean-Pierre


def _pieces(text: str) -> list[str]:
    """Original words (hyphenated names kept whole), split at apostrophes ("d'Alice" → d, Alice);
    letters spelled one by one ("D U P O N T") are joined back."""
    raw = _RAW_PIECES.findall(text)
    merged: list[str] = []
    run: list[str] = []
    for piece in raw + [""]:
        if len(piece) == 1 and piece.isalpha():
            run.append(piece)
            continue
        if len(run) >= 3:
            merged.append("".join(run))
        else:
            merged.extend(run)
        run = []
        if piece:
            merged.append(piece)
    return merged


def _title(word: str) -> str:
    if word.islower() or word.isupper():
        return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return word  # "McLeod", "DuPont": the caller's own capitals


def parse_name(text: str) -> str | None:
    """The caller's name when the line introduces it, else None. At most three words, not counting
    particles ("Jean de La Fontaine")."""
    pieces = _pieces(text)
    if not pieces:
        return None
    norms = [normalize(p) for p in pieces]
    # token → piece index, so a lead matched on normalised text maps back to original words
    flat: list[str] = []
    owner: list[int] = []
    for index, norm in enumerate(norms):
        for token in norm.split():
            flat.append(token)
            owner.append(index)
    joined = " ".join(flat)
    cased = any(c.isupper() for c in text[1:])
    for m in _LEADS.finditer(joined):
        lead = m.group(1)
        weak = lead in _WEAK_LEADS
        if lead == "ici" and m.start() != 0:
            continue  # "ici Jean Dupont" opens a call; "je suis ici" does not
        next_token = len(joined[: m.end()].split())
        if next_token >= len(flat):
            continue
        start = owner[next_token]
        if start == owner[next_token - 1]:
            start += 1  # the lead ended inside a word
        if lead in _CAPITALS_ONLY and not (cased and start < len(pieces) and pieces[start][:1].isupper()):
            continue
        name = _collect(pieces, norms, start, weak, cased)
        if name:
            return name
    return None


def _collect(pieces: list[str], norms: list[str], start: int, weak: bool, cased: bool) -> str | None:
    picked: list[str] = []
    i = start
    while i < len(pieces) and norms[i] in _FILLERS:
        i += 1
    counted = 0  # name words; particles ("de", "van") ride along uncounted
    while i < len(pieces) and counted < 3:
        norm = norms[i]
        first = norm.split()[0] if norm else ""
        if not norm or first in _NAME_STOP and not (picked and first in _PARTICLES):
            break
        if first in NUMBER_WORDS or any(c.isdigit() for c in norm) or find_numbers(norm) and norm != "an":
            break
        if picked and first in _PARTICLES:
            # "Jean de La Fontaine": a particle inside a name, only before a capitalised word
            if i + 1 >= len(pieces) or not pieces[i + 1][:1].isupper():
                break
        picked.append(pieces[i])
        counted += first not in _PARTICLES
        i += 1
    real = [p for p in picked if normalize(p) not in _TITLES]
    if not real:
        return None
    if any(normalize(p) in _NOT_NAMES for p in real[:1]):
        return None
    if weak:
        if cased and not real[0][:1].isupper():
            return None
        if not cased and any(normalize(p) in _NOT_NAMES for p in real):
            return None
        rest = norms[i] if i < len(norms) else ""
        if rest and rest.split()[0] not in _NAME_STOP and rest not in _FILLERS:
            return None  # "c'est Marie Curie qui…" stops at "qui"; "c'est vraiment trop froid" does not
    return " ".join(p if p.lower() in _PARTICLES and p.islower() else _title(p) for p in picked)


# --- phone numbers ---------------------------------------------------------------------------
_NOT_DIGIT = re.compile(r"\D")
_DIGIT_RUN = re.compile(r"(?:\+|\b00)?\s?\d[\d\s.\-/()]{5,}\d")
_SPOKEN_ZERO = frozenset({"zero", "oh"})


def _e164(digits: str, international: bool) -> str | None:
    if digits.startswith("00"):
        digits, international = digits[2:], True
    if international:
        if digits.startswith("33"):
            rest = digits[2:]
            rest = rest[1:] if rest.startswith("0") else rest  # "+33 (0)6 …"
            return "+33" + rest if len(rest) == 9 and rest[0] != "0" else None
        return "+" + digits if 8 <= len(digits) <= 15 and digits[0] != "0" else None
    if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
        return "+33" + digits[1:]
    if len(digits) == 11 and digits.startswith("33") and digits[2] != "0":
        return "+" + digits
    if len(digits) == 9 and digits[0] in "67":  # "6 12 34 56 78": the leading zero was swallowed
        return "+33" + digits
    return None


def _spoken_runs(text: str) -> list[tuple[str, bool]]:
    """Digit strings spelled in words or digit groups: "zéro six douze trente quatre …"."""
    words = normalize(text).split()
    numbers = {m.start: m for m in find_numbers(" ".join(words))}
    runs: list[tuple[str, bool]] = []
    current = ""
    plus = False
    i = 0
    while i < len(words):
        w = words[i]
        m = numbers.get(i)
        if w in _SPOKEN_ZERO and (current or w == "zero"):
            current += "0"
            i += 1
        elif w == "double" and i + 1 in numbers and numbers[i + 1].value < 10:
            current += str(numbers[i + 1].value) * 2
            i = numbers[i + 1].end
        elif w in ("un", "une") and m is None:  # "zéro six un deux": a digit, not an article
            current += "1"
            i += 1
        elif m is not None and w not in ("a", "an"):
            current += w if w.isdigit() else str(m.value)
            i = m.end
        elif w == "plus" and not current:
            plus = True
            i += 1
        else:
            if current:
                runs.append((current, plus))
            current, plus = "", False
            i += 1
    if current:
        runs.append((current, plus))
    return runs


def parse_phone(text: str) -> str | None:
    """A phone number in E.164 ("+33612345678"), or None."""
    for run in _DIGIT_RUN.findall(text):
        run = run.strip()
        found = _e164(_NOT_DIGIT.sub("", run), run.startswith("+"))
        if found:
            return found
    for digits, plus in _spoken_runs(text):
        found = _e164(digits, plus)
        if found:
            return found
    return None
