"""The summaries our own code writes (the local analyzer's, the demo history's), kept as parts —
a phrase's key and its raw values — so that each reader sees them in their own language: `render`
puts the parts into words in French or English at reading time. An LLM's free summary has no
parts; it stays as written, in the language it was written in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict


class Part(TypedDict):
    """One sentence of a summary: `k` a key of PHRASES, `a` its raw values (numbers, names as the
    store wrote them, ISO dates, keys), never words of one language."""

    k: str
    a: dict[str, Any]


PHRASES = {
    "fr": {
        "order": "Commande n°{number} : {lines}, {total} ({delivery}).",
        "order_unconfirmed": "Commande non confirmée : {lines}, {total} — à valider.",
        "reservation": "Réservation d'une table pour {n} le {when}.",
        "service": "Rendez-vous « {name} » le {when}.",
        "consultation": "Demande de consultation : {problem}.",
        "unconfirmed_booking": "Demande non confirmée : {what} — à valider.",
        "complaint": "Réclamation ({category}, gravité {severity}) : {text}",
        "callback": "L'appelant attend d'être rappelé.",
        "question_hours": "Question sur les horaires d'ouverture.",
        "question_delivery": "Question sur la zone de livraison.",
        "question_gluten": "Question : « {item} » est-elle sans gluten ?",
        "question_vegetarian": "Question : « {item} » est-elle végétarienne ?",
        "transfer": "L'appelant a demandé à parler à l'équipe : appel transféré.",
        "missed": "Appel manqué.",
        "nothing": "Appel sans demande particulière.",
        "no_transcript": "Aucune transcription disponible ({reason}).",
        "delivery": {"dine-in": "sur place", "takeaway": "à emporter", "delivery": "livraison"},
        "table": "Table pour {n}",
        "unknown_time": "date à préciser",
    },
    "en": {
        "order": "Order #{number}: {lines}, {total} ({delivery}).",
        "order_unconfirmed": "Unconfirmed order: {lines}, {total} — to review.",
        "reservation": "Table for {n} on {when}.",
        "service": "Appointment “{name}” on {when}.",
        "consultation": "Consultation request: {problem}.",
        "unconfirmed_booking": "Unconfirmed request: {what} — to review.",
        "complaint": "Complaint ({category}, severity {severity}): {text}",
        "callback": "The caller is waiting for a call back.",
        "question_hours": "Question about the opening hours.",
        "question_delivery": "Question about the delivery area.",
        "question_gluten": "Question: is “{item}” gluten-free?",
        "question_vegetarian": "Question: is “{item}” vegetarian?",
        "transfer": "The caller asked to speak to the team: call transferred.",
        "missed": "Missed call.",
        "nothing": "Call without a particular request.",
        "no_transcript": "No transcript available ({reason}).",
        "delivery": {"dine-in": "dine in", "takeaway": "takeaway", "delivery": "delivery"},
        "table": "Table for {n}",
        "unknown_time": "time to be agreed",
    },
}


def money(value: Any, lang: str) -> str:
    amount = f"{Decimal(str(value)):.2f}"
    return f"{amount.replace('.', ',')} €" if lang == "fr" else f"€{amount}"


CATEGORIES = {
    "fr": {
        "quality": "qualité",
        "delay": "retard",
        "missing_item": "article manquant",
        "wrong_order": "erreur de commande",
        "staff": "personnel",
        "billing": "facturation",
        "hygiene": "hygiène",
        "other": "autre",
    },
    "en": {
        "quality": "quality",
        "delay": "delay",
        "missing_item": "missing item",
        "wrong_order": "wrong order",
        "staff": "staff",
        "billing": "billing",
        "hygiene": "hygiene",
        "other": "other",
    },
}
SEVERITIES = {
    "fr": {"low": "faible", "normal": "normale", "high": "élevée", "emergency": "urgence"},
    "en": {"low": "low", "normal": "normal", "high": "high", "emergency": "emergency"},
}
MONTHS = {
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def when_text(iso: str | None, lang: str) -> str:
    """ "6 déc. à 19:30" / "6 Dec at 19:30"; a day alone with its year."""
    lang = lang if lang in PHRASES else "fr"
    if not iso:
        return PHRASES[lang]["unknown_time"]
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    day = f"{at.day} {MONTHS[lang][at.month - 1]}"
    if "T" not in iso:
        return f"{day} {at.year}"
    return f"{day} à {at:%H:%M}" if lang == "fr" else f"{day} at {at:%H:%M}"


def part(key: str, **values: Any) -> Part:
    return {"k": key, "a": values}


def lines_text(lines: list[Any]) -> str:
    """[[quantity, name, [customisations]], …] → "2 × Margherita (sans olives), 1 × Tiramisu"."""
    out = []
    for line in lines:
        quantity, name, *rest = line
        extras = rest[0] if rest else []
        out.append(f"{quantity} × {name}" + (f" ({', '.join(extras)})" if extras else ""))
    return ", ".join(out)


def sentence(one: Part, lang: str) -> str:
    p = PHRASES[lang]
    values = dict(one.get("a") or {})
    if "lines" in values:
        values["lines"] = lines_text(values["lines"])
    if "total" in values:
        values["total"] = money(values["total"], lang)
    if "delivery" in values:
        values["delivery"] = p["delivery"].get(values["delivery"], values["delivery"])
    if "category" in values:
        values["category"] = CATEGORIES[lang].get(values["category"], values["category"])
    if "severity" in values:
        values["severity"] = SEVERITIES[lang].get(values["severity"], values["severity"])
    if "when" in values:
        values["when"] = when_text(values["when"], lang)
    if one["k"] == "unconfirmed_booking" and "name" in values:
        values["what"] = f"{values.pop('name')} ({values.pop('when')})"
    try:
        return p[one["k"]].format(**values)
    except (KeyError, IndexError, ValueError):
        return ""  # a part written by a newer version, or damaged: left out rather than shown broken


def render(parts: list[Part], lang: str) -> str:
    """The summary in `lang` (French when the language is not one we write)."""
    lang = lang if lang in PHRASES else "fr"
    return " ".join(s for s in (sentence(one, lang) for one in parts) if s)
