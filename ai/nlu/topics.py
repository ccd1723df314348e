"""What a consultation is about, in a few words: the read-back names the matter ("contrôle
fiscal", "divorce", "tax audit"), never the caller's whole sentence. The full sentence is still
what the request stores for the office."""

from __future__ import annotations

import re

from ai.nlu.text import normalize

# (pattern on normalised text, French label, English label); the more specific first.
TOPICS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(rf"\b(?:{pattern})"), fr, en)
    for pattern, fr, en in (
        (r"controle fiscal|verification fiscale|redressement|tax audit|audit by the tax|tax inspection",
         "contrôle fiscal", "tax audit"),
        (r"divorc|separation", "divorce", "divorce"),
        (r"garde des enfants|garde de mes enfants|pension alimentaire|custody|child support",
         "garde des enfants", "child custody"),
        (r"succession|heritage|testament|donation|inheritance|estate of|\bwill\b",
         "succession", "inheritance"),
        (r"licenci|prud hom|rupture conventionnelle|dismiss|fired|wrongful", "licenciement", "dismissal"),
        (r"contrat de travail|employment contract", "contrat de travail", "employment contract"),
        (r"bail|loyer|locataire|proprietaire|expulsion|lease|landlord|tenant|eviction", "bail", "lease"),
        (r"achat immobilier|acheter (?:un|une) (?:appartement|maison)|vente (?:de|d) (?:mon|ma|un|une) "
         r"(?:appartement|maison|bien)|immobilier|real estate|buying a (?:house|flat|home)|property",
         "immobilier", "property"),
        (r"creer (?:ma|une) (?:societe|entreprise)|creation d entreprise|statuts"
         r"|start(?:ing)? a (?:business|company)|set(?:ting)? up a company",
         "création d'entreprise", "starting a business"),
        (r"tva|\bvat\b", "TVA", "VAT"),
        (r"declaration d impots|declaration de revenus|impot|fiscal|fiscalite|tax return|taxes|income tax"
         r"|tax advice",
         "impôts", "taxes"),
        (r"retraite|pension|retirement", "retraite", "retirement"),
        (r"placement|investi|epargne|assurance vie|investment|savings", "placements", "investments"),
        (r"patrimoine|patrimonial|wealth", "patrimoine", "wealth planning"),
        (r"comptabilit|bilan comptable|accounts|bookkeeping|accounting", "comptabilité", "accounting"),
        (r"litige|conflit|contentieux|proces|dispute|lawsuit", "litige", "dispute"),
        (r"dette|credit|surendettement|debt|loan", "dettes", "debts"),
    )
)  # fmt: skip

# What a caller says before the matter itself: greetings, "I'd like an appointment about".
_LEAD = re.compile(
    r"^(?:(?:bonjour|bonsoir|allo|hello|hi|oui|yes|alors|euh|so)\b[\s,.!]*)*"
    r"(?:(?:je voudrais|j aimerais|je souhaite|je souhaiterais|i d like|i would like|i want|i need)\s+"
    r"(?:un|une|an|a)?\s*(?:rendez vous|rdv|consultation|appointment|meeting|conseil|advice)?\s*)?"
    r"(?:(?:pour|about|for|regarding|concernant|au sujet de|a propos de?|c est pour|it s about|it s for)"
    r"\s+)?",
)
_URGENT_ONLY = re.compile(r"^(?:c est |it s |it is |this is )?(?:tres |tellement |very |really )?urgente?$")
MAX_WORDS = 7


def known(text: str, lang: str) -> str:
    """The known topics the text names (two at most), in the caller's language, or ""."""
    norm = normalize(text)
    labels: list[str] = []
    rest = norm
    for pattern, fr, en in TOPICS:
        label = fr if lang == "fr" else en
        if pattern.search(rest) and label not in labels:
            labels.append(label)
            rest = pattern.sub(" ", rest)  # "contrôle fiscal" is not also "impôts"
    return (" et " if lang == "fr" else " and ").join(labels[:2])


def summary(text: str, lang: str) -> str:
    """The matter in a few words, in the caller's language: known topics by name, else the first
    words of what they said."""
    named = known(text, lang)
    if named:
        return named
    clauses = [
        c for c in re.split(r"[,.;!?]+", text) if normalize(c) and not _URGENT_ONLY.match(normalize(c))
    ]
    text = ", ".join(clauses) or text
    norm = normalize(text)
    lead = len(_LEAD.match(norm).group(0).split())  # type: ignore[union-attr]  # the pattern matches ""
    said: list[str] = []
    for token in re.split(r"[\s,.;!?]+", text.strip()):
        taken = len(normalize(token).split())
        if lead > 0:
            lead -= taken  # "j'aimerais" is two normalised words, one said word
            continue
        if taken:
            said.append(token)
    if not said:
        return text.strip()
    if len(said) <= MAX_WORDS:
        return " ".join(said)
    cut = said[:MAX_WORDS]
    while len(cut) > 2 and len(normalize(cut[-1])) <= 3:  # not "mon mal de dos qui ne…"
        cut.pop()
    return " ".join(cut) + "…"
