"""What the caller wants, in French and English: weighted phrase patterns over normalised text.

A line often carries several intents ("oui et ajoutez un coca" is yes + order), so `classify`
returns a score per intent rather than one label; the dialogue manager decides with its context.
Patterns are phrases, not sentences: they generalise across the ways people say things."""

from __future__ import annotations

import re

from ai.nlu.text import normalize

INTENTS = (
    "order", "modify_order", "cancel_item", "reservation", "service_booking", "consultation", "my_bookings",
    "cancel_booking", "move_booking", "question_price", "question_hours", "question_address",
    "question_delivery", "question_menu", "complaint", "human", "goodbye", "yes", "no", "greeting", "thanks",
    "done", "repeat", "usual",
)  # fmt: skip

_RAW: dict[str, list[tuple[str, float]]] = {
    "order": [
        (r"je (voudrais|voudrai|veux|vais prendre|prendrai|prends|souhaite|souhaiterais|desire)", 0.6),
        (r"(j aimerais|j aimerai) (commander|avoir|prendre)", 0.8),
        (r"\bcommander\b|\bcommande\b|passer commande", 0.7),
        (r"(mettez|mets|ajoutez|ajoute|rajoutez|rajoute) (moi )?", 0.7),
        (r"(il me faut|il nous faut|on voudrait|on va prendre|nous voudrions|pour moi ce sera)", 0.6),
        (
            r"\b(i d like|i would like|i want|i ll have|i ll take|i will have|can i get|could i get|can i have|"
            r"could i have|let me get|i ll get|we d like|we ll have|give me|get me)\b",
            0.6,
        ),
        (r"\b(to order|place an order|make an order|order some|order a|like to order)\b", 0.8),
        (
            r"(je vais en prendre|j en prends|j en veux|j en voudrais|je vais la prendre|je la prends|je le prends|"
            r"mettez m en|\bi ll take (one|it|that|two)\b|\bi ll have (one|it|that)\b|\bgive me one\b)",
            0.8,
        ),
        (r"\b(add|also|plus)\b", 0.4),
        (r"\b(aussi|egalement|en plus)\b", 0.4),
    ],
    "modify_order": [
        (r"(changez|change|changer|remplacez|remplacer|modifiez|modifier|plutot|finalement|en fait)", 0.7),
        (r"\b(make it|make that|change|switch|instead|actually|rather)\b", 0.6),
        (r"(mettez|mets) (la|le|les) .* en (grande|petite|moyenne)", 0.8),
    ],
    "cancel_item": [
        (
            r"(enlevez|enleve|enlever|retirez|retire|retirer|supprimez|supprime|annulez le|annulez la|pas de|sans le|"
            r"sans la|oubliez|laissez tomber)",
            0.8,
        ),
        (r"\b(remove|take off|take out|drop the|cancel the|no more|forget the|without the|scrap the)\b", 0.8),
    ],
    "reservation": [
        (r"(reserver|reservation|une table|reserve)", 0.8),
        (r"\b(book a table|table for|reserve a table|reservation|a table|book for)\b", 0.8),
        (r"\b(book|reserve)\b", 0.5),
    ],
    "service_booking": [
        (r"(rendez vous|rdv|prendre un creneau|un creneau|disponibilite)", 0.8),
        (r"\b(appointment|book an?|booking for|schedule|slot)\b", 0.7),
        (r"\b(coupe|couleur|coloration|brushing|coiffure|haircut|cut|colour|color|blow dry)\b", 0.5),
    ],
    "consultation": [
        (r"(consultation|conseil|besoin d aide|un avis|rencontrer|conseiller|un expert|audit|bilan)", 0.8),
        (r"\b(consultation|advice|advise|advisor|adviser|consult|meet with|expert|need help with)\b", 0.8),
        (r"(fiscal|impots|impot|succession|patrimoine|controle fiscal|heritage|retraite|placement)", 0.6),
        (r"\b(tax|taxes|inheritance|retirement|estate|investment|audit)\b", 0.6),
    ],
    "my_bookings": [
        (r"(j ai une reservation|j ai un rendez vous|ma reservation|mon rendez vous|mes reservations)", 0.8),
        (
            r"\b(my booking|my reservation|my appointment|do i have a|i have a booking|i have a reservation|"
            r"i have an appointment)\b",
            0.8,
        ),
    ],
    "cancel_booking": [
        (
            r"(annuler|annulez|annulation) (ma|mon|la|le|notre) (reservation|rendez vous|rdv|table|consultation)",
            0.95,
        ),
        (r"(annuler|annulation).*(reservation|rendez vous|rdv)", 0.9),
        (r"\bcancel (my|the|our) (booking|reservation|appointment|table)\b", 0.95),
        (r"\bcancel\b.*\b(booking|reservation|appointment)\b", 0.9),
    ],
    "move_booking": [
        (
            r"(deplacer|decaler|reporter|changer l heure|changer la date|avancer|repousser).*"
            r"(reservation|rendez vous|rdv|table)",
            0.95,
        ),
        (r"(deplacer|decaler|reporter) (ma|mon|la|le)", 0.9),
        (r"\b(reschedule|move my|change my (booking|reservation|appointment)|push back|postpone)\b", 0.95),
    ],
    "question_price": [
        (
            r"(combien|quel prix|quel est le prix|ca coute|coute combien|c est combien|le prix|tarif|ca fait combien)",
            0.9,
        ),
        (r"\b(how much|what s the price|what is the price|price of|cost|costs|how expensive)\b", 0.9),
    ],
    "question_hours": [
        (
            r"(ouvert|ouverts|ouverte|fermez|fermes|ferme a|horaires|heure de fermeture|heures d ouverture|"
            r"jusqu a quelle heure|a quelle heure (vous )?(fermez|ouvrez)|ouvrez)",
            0.85,
        ),
        (
            r"\b(open|opening hours|opening times|close|closing|what time do you|hours|until when|are you closed)\b",
            0.8,
        ),
    ],
    "question_address": [
        (
            r"(adresse|ou etes vous|ou vous trouvez|ou est le restaurant|ou se trouve|comment venir|vous etes ou|"
            r"ou vous etes|c est ou|ou exactement|ou ca se trouve|vous etes situes?|quelle rue|ou est ce)",
            0.9,
        ),
        (r"\b(address|where are you|where is|located|location|how do i get|directions)\b", 0.9),
    ],
    "question_delivery": [
        (
            r"(vous livrez|livrez vous|livraison possible|vous faites la livraison|est ce que vous livrez|livrer a|"
            r"vous livrez a)",
            0.95,
        ),
        (
            r"\b(do you deliver|you deliver|delivery available|can you deliver|is there delivery|deliver to)\b",
            0.95,
        ),
    ],
    "question_menu": [
        (
            r"(qu est ce que vous avez|vous avez quoi|quoi comme|qu avez vous|la carte|le menu|vos pizzas|"
            r"quelles pizzas|quels desserts|quelles boissons|vous proposez quoi|qu est ce que vous proposez|"
            r"vous faites quoi|qu est ce qu il y a)",
            0.85,
        ),
        (
            r"\b(what do you have|what s on the menu|the menu|what kind of|what pizzas|what desserts|"
            r"what drinks|what do you offer|what do you serve|what services|which services|options)\b",
            0.85,
        ),
    ],
    "complaint": [
        (
            r"(plainte|reclamation|me plaindre|pas content|pas contente|mecontent|inadmissible|scandaleux|"
            r"inacceptable|honteux|deplorable|decu|decue)",
            0.9,
        ),
        (
            r"((etait|etaient|est|sont|arrivee?s?)( \w+)? (froide?s?|brulee?s?|crue?s?|immangeables?|"
            r"degoutante?s?|ratee?s?|infecte?s?|trop salee?s?)|"
            r"etait froide|etait froid|etait brule|etait brulee|jamais arrive|jamais recu|pas recu|pas arrive|"
            r"en retard|il manquait|il manque|erreur dans|pas ce que j ai commande|mauvaise commande|"
            r"intoxication|malade|allergie|allergique|cheveu dans|trop cuit|pas cuit|immangeable|degoutant)",
            0.85,
        ),
        (
            r"\b(complain|complaint|not happy|unhappy|unacceptable|disappointed|terrible|awful|disgusting)\b",
            0.9,
        ),
        (
            r"\b(was cold|never arrived|never came|didn t arrive|did not arrive|was missing|were missing|"
            r"wrong order|got the wrong|was late|food poisoning|got sick|made me sick|allergic reaction|"
            r"was burnt|undercooked|overcharged|charged twice|rude)\b",
            0.85,
        ),
    ],
    "human": [
        (
            r"(parler (a|au|avec) (quelqu un|une personne|un humain|un responsable|le responsable|le gerant|"
            r"responsable|gerant|patron|manager|directeur|la responsable|la gerante|un conseiller|"
            r"une vraie personne|quelqu un de reel|le patron|un employe|un vendeur)|un humain|une vraie personne|"
            r"passez moi|me passer quelqu un|le responsable s il|un operateur)",
            0.95,
        ),
        (
            r"\b(speak to (a|someone|somebody|the|a real)|talk to (a|someone|somebody|the|a real)|real person|"
            r"a human|human being|put me through|transfer me|the manager|an operator|a person|a representative)\b",
            0.95,
        ),
    ],
    "goodbye": [
        (r"\b(au revoir|bonne journee|bonne soiree|a bientot|a plus|salut|ciao|bye|adieu)\b", 0.9),
        (r"\b(goodbye|good bye|bye|see you|have a good (day|night|evening)|talk to you later)\b", 0.9),
    ],
    "yes": [
        (
            r"^(oui|ouais|ouai|yes|yeah|yep|yup|sure|ok|okay|d accord|dac|bien sur|parfait|exactement|"
            r"c est ca|c est bon|tout a fait|absolument|volontiers|go|allez y|correct|right|that s right|"
            r"perfect|great|certainly|of course|please do|go ahead|sounds good|confirme|je confirme|"
            r"c est parfait|ca marche|ca me va|ca roule|entendu|oui merci|oui s il vous plait)\b",
            0.95,
        ),
        (
            r"\b(oui|yes|yeah|d accord|je confirme|confirmez|confirm|c est parfait|parfait|ca marche|"
            r"that works|go ahead|sounds good|volontiers|bien sur|of course|ok)\b",
            0.6,
        ),
    ],
    "no": [
        (
            r"^(non|nan|no|nope|nah|pas du tout|pas vraiment|not really|no thanks|no thank you|non merci|"
            r"pas besoin|not at all|negative|jamais|ce n est pas ca|c est pas ca|that s wrong|wrong|incorrect)\b",
            0.95,
        ),
        (r"\b(non|no)\b", 0.5),
    ],
    "greeting": [(r"^(bonjour|bonsoir|salut|allo|hello|hi|hey|good (morning|afternoon|evening))\b", 0.7)],
    "thanks": [(r"\b(merci|thank you|thanks|cheers)\b", 0.7)],
    "done": [
        (
            r"(c est tout|ce sera tout|rien d autre|ca sera tout|ca ira|c est bon pour moi|c est tout pour moi|"
            r"pas autre chose|rien de plus|ce sera tout|c est fini)",
            0.95,
        ),
        (
            r"\b(that s all|that s it|that will be all|nothing else|that s everything|i m done|we re done|"
            r"all good|that ll be all|that ll do|nothing more)\b",
            0.95,
        ),
    ],
    "repeat": [
        (
            r"^(pardon|comment|quoi|hein)\b|vous pouvez repeter|pouvez vous repeter|repetez|je n ai pas compris|"
            r"j ai pas compris|je n ai pas entendu",
            0.9,
        ),
        (
            r"^(sorry|what|pardon|excuse me)\b|come again|can you repeat|could you repeat|say that again|"
            r"didn t catch",
            0.9,
        ),
    ],
    "usual": [
        (
            r"(comme d habitude|comme d hab|la meme chose que la derniere fois|comme la derniere fois|"
            r"mon habitude|la meme commande|comme toujours)",
            0.95,
        ),
        (r"\b(the usual|same as last time|my usual|same as usual|same order as|the same again)\b", 0.95),
    ],
}

PATTERNS: list[tuple[str, re.Pattern[str], float]] = [
    (intent, re.compile(pattern), weight) for intent, rules in _RAW.items() for pattern, weight in rules
]

FR_MARKERS = frozenset(
    "je tu il elle nous vous ils le la les un une des du de et est suis sont pour avec sans pas oui non merci "
    "bonjour bonsoir voudrais veux serait c quoi comment combien ou quand demain soir ce cette mon ma mes "
    "votre vos s plait reserver commander table personnes aujourd hui j ai".split()
)
EN_MARKERS = frozenset(
    "i you he she we they the a an of and is am are for with without not yes no thanks thank hello hi would "
    "like want could can what how much where when tomorrow tonight this my your please book order table "
    "people today have i m it s that".split()
)
AMBIGUOUS = frozenset({"a", "pour", "table", "ok", "pizza", "menu", "non", "me", "on", "ma", "de"})


def detect_language(text: str) -> str | None:
    words = normalize(text).split()
    if not words:
        return None
    if len(words) <= 2:
        if words[0] in ("oui", "ouais", "merci", "bonjour", "bonsoir", "non"):
            return "fr"
        if words[0] in ("yes", "yeah", "thanks", "hello", "hi", "no", "nope"):
            return "en"
    fr = sum(1 for w in words if w in FR_MARKERS and w not in AMBIGUOUS)
    en = sum(1 for w in words if w in EN_MARKERS and w not in AMBIGUOUS)
    if fr == en or max(fr, en) < 2 and len(words) > 2:
        return None
    return "fr" if fr > en else "en"


def classify(text: str, lang: str | None = None) -> dict[str, float]:
    norm = normalize(text)
    scores: dict[str, float] = {}
    for intent, pattern, weight in PATTERNS:
        if weight > scores.get(intent, 0.0) and pattern.search(norm):
            scores[intent] = weight
    # "non merci, c'est tout": the caller is finishing, not refusing
    if "done" in scores and "no" in scores:
        scores["no"] = min(scores["no"], 0.6)
    if scores.get("cancel_booking", 0) >= 0.9:
        scores.pop("cancel_item", None)
    if scores.get("question_delivery", 0) >= 0.9:
        scores.pop("order", None)
    return scores


def is_yes(text: str) -> bool:
    scores = classify(text)
    return scores.get("yes", 0) >= 0.6 and scores.get("no", 0) < 0.6


def is_no(text: str) -> bool:
    scores = classify(text)
    return scores.get("no", 0) >= 0.6 and scores.get("yes", 0) < 0.6


COMPLAINT_CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    (
        "hygiene",
        re.compile(r"(cheveu|sale|hygiene|insecte|cafard|degoutant|hair in|dirty|insect|bug in|disgusting)"),
    ),
    (
        "delay",
        re.compile(
            r"(retard|jamais arrive|pas arrive|attendu|attente|late|never arrived|never came|waited|"
            r"didn t arrive|did not arrive|still waiting|hour)"
        ),
    ),  # fmt: skip
    (
        "missing_item",
        re.compile(r"(manquait|manque|oublie|missing|forgot|forgotten|wasn t in|not in the bag)"),
    ),
    (
        "wrong_order",
        re.compile(
            r"(pas ce que j ai commande|mauvaise commande|erreur|trompe|wrong|not what i ordered|"
            r"mixed up|instead of)"
        ),
    ),  # fmt: skip
    (
        "billing",
        re.compile(
            r"(facture|factur|paye deux fois|debite|prix|trop cher|rembours|bill|charged|overcharged|"
            r"refund|price|receipt)"
        ),
    ),  # fmt: skip
    (
        "staff",
        re.compile(
            r"(impoli|desagreable|malpoli|serveur|livreur|accueil|rude|impolite|staff|waiter|driver|"
            r"unfriendly)"
        ),
    ),  # fmt: skip
    (
        "quality",
        re.compile(
            r"(froid|froide|brule|pas cuit|trop cuit|mauvais|immangeable|qualite|gout|cold|burnt|"
            r"undercooked|overcooked|bad|quality|taste|stale|soggy|malade|sick|intoxication|"
            r"poisoning|allerg)"
        ),
    ),  # fmt: skip
]
RE_EMERGENCY = re.compile(
    r"(allergie|allergique|allerg|intoxication|intoxique|malade|hopital|urgence|urgences|empoisonn|anaphyla|"
    r"allergic|poisoning|poisoned|sick|hospital|emergency|ambulance|can t breathe)"
)
RE_HIGH = re.compile(
    r"(inadmissible|scandaleux|inacceptable|honteux|furieux|furieuse|en colere|tres urgent|urgent|grave|"
    r"serieux|unacceptable|outrageous|furious|angry|disgraceful|ridiculous|serious|urgent|asap|immediately)"
)


def complaint_category(text: str) -> str:
    norm = normalize(text)
    for category, pattern in COMPLAINT_CATEGORIES:
        if pattern.search(norm):
            return category
    return "other"


def urgency(text: str) -> str:
    norm = normalize(text)
    if RE_EMERGENCY.search(norm):
        return "emergency"
    if RE_HIGH.search(norm):
        return "high"
    return "normal"
