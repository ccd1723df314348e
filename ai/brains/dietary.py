"""The local brain's skill for diet and allergen questions: "la burrata, c'est végétarien ?",
"qu'avez-vous sans viande ?", "does the tiramisu have nuts". A question is answered from the
catalog's facts through the shared tools and never starts an order: yes, no, or "I don't know,
I can ask the team" — unknown is never read as no. Lists name only the items known to match."""

from __future__ import annotations

import re

from ai.brains import phrases as ph
from ai.brains.skills.common import Heard
from ai.brains.state import Pending
from ai.matching import Mention, index_for
from ai.nlu.dietary import DietQuestion, parse
from ai.tools import ToolContext, call_tool

MAX_NAMES = 16
# "c'est végétarien ?", "does it have nuts", "il y a des noix dedans ?" after talking of an item
_IT = re.compile(r"\b(?:c est|ce plat|cette pizza|dedans|elle|is it|does it|it has|has it|in it|that one)\b")

WORDS: dict[str, dict[str, tuple[str, str]]] = {
    # key → (as an attribute / with "some", bare noun after "no" / "pas de")
    "fr": {
        "vegetarian": ("végétarien", ""),
        "vegan": ("vegan", ""),
        "halal": ("halal", ""),
        "kosher": ("casher", ""),
        "gluten_free": ("sans gluten", ""),
        "gluten": ("du gluten", "gluten"),
        "crustaceans": ("des crustacés", "crustacés"),
        "eggs": ("des œufs", "œufs"),
        "fish": ("du poisson", "poisson"),
        "peanuts": ("des arachides", "arachides"),
        "soybeans": ("du soja", "soja"),
        "milk": ("du lait", "lait"),
        "nuts": ("des fruits à coque", "fruits à coque"),
        "celery": ("du céleri", "céleri"),
        "mustard": ("de la moutarde", "moutarde"),
        "sesame": ("du sésame", "sésame"),
        "sulphites": ("des sulfites", "sulfites"),
        "lupin": ("du lupin", "lupin"),
        "molluscs": ("des mollusques", "mollusques"),
    },
    "en": {
        "vegetarian": ("vegetarian", ""),
        "vegan": ("vegan", ""),
        "halal": ("halal", ""),
        "kosher": ("kosher", ""),
        "gluten_free": ("gluten-free", ""),
        "gluten": ("gluten", "gluten"),
        "crustaceans": ("crustaceans", "crustaceans"),
        "eggs": ("eggs", "eggs"),
        "fish": ("fish", "fish"),
        "peanuts": ("peanuts", "peanuts"),
        "soybeans": ("soy", "soy"),
        "milk": ("milk", "milk"),
        "nuts": ("nuts", "nuts"),
        "celery": ("celery", "celery"),
        "mustard": ("mustard", "mustard"),
        "sesame": ("sesame", "sesame"),
        "sulphites": ("sulphites", "sulphites"),
        "lupin": ("lupin", "lupin"),
        "molluscs": ("molluscs", "molluscs"),
    },
}


def _overlaps(question: DietQuestion, mention: Mention) -> bool:
    return question.span[0] < mention.end and mention.start < question.span[1]


def _no(lang: str, key: str) -> str:
    bare = WORDS[lang][key][1]
    if lang == "fr":
        return f"pas d'{bare}" if bare[0] in "aeiouœé" else f"pas de {bare}"
    return f"no {bare}"


def answer(tc: ToolContext, h: Heard) -> str | None:
    """The reply to a diet or allergen question, or None when the line is not one."""
    if h.has("question_price") or h.has("complaint"):
        # "c'est combien la quatre fromages ?" asks a price, not about cheese; "pourquoi il y a
        # des noix dans ma pizza ?" is a complaint for the complaint skill.
        return None
    # "fromages" inside "Quatre fromages" is part of a name, not an allergen asked about.
    candidates = [
        c
        for c in parse(h.text)
        if not any(_overlaps(c, m) and m.end - m.start > c.span[1] - c.span[0] for m in h.mentions)
    ]
    if not candidates:
        return None
    # "la Végétarienne, c'est vegan ?": the word that names an item is not the question.
    free = [c for c in candidates if not any(_overlaps(c, m) for m in h.mentions)]
    question = (free or candidates)[0]
    item_ids = list(dict.fromkeys(m.item_id for m in h.mentions if not _overlaps(question, m)))
    topic = _topic(tc)
    if not item_ids and topic is not None and _IT.search(h.norm):
        item_ids = [topic]
    if item_ids:
        Pending(tc.session.pending).topic_item = item_ids[0]  # "and is it vegan?" follows the same item
        return " ".join(_about_item(tc, item_id, question, h.lang) for item_id in item_ids[:3])
    return _list(tc, h, question)


def _topic(tc: ToolContext) -> int | None:
    """The item "it" is: the one whose size we are asking, else the last one talked about."""
    pending = Pending(tc.session.pending)
    queue = pending.queue
    for item_id in ([queue[0].get("item_id")] if queue else []) + [pending.topic_item]:
        if item_id is not None and tc.ctx.item(item_id) is not None:
            return item_id
    return None


def _about_item(tc: ToolContext, item_id: int, question: DietQuestion, lang: str) -> str:
    args = {"item": str(item_id), question.kind if question.kind == "allergen" else "dietary": question.key}
    result = call_tool(tc, "dietary_info", args)
    if not result.get("ok"):
        return ph.say(lang, "diet_unknown_item")
    name = result["item"]
    word = WORDS[lang][question.key][0]
    if question.kind == "tag":
        verdict = result["dietary"]["answer"]
        return ph.say(lang, f"diet_is_{verdict}", item=name, tag=word)
    verdict = result["allergen"]["contains"]
    return ph.say(lang, f"diet_contains_{verdict}", item=name, allergen=word, no=_no(lang, question.key))


def _by_category(tc: ToolContext, found: list[tuple[str, str]], lang: str) -> str:
    """ "Pizzas : Margherita et Burrata ; Desserts : Tiramisu", in the menu's order."""
    groups: dict[str, list[str]] = {category: [] for category in tc.ctx.categories}
    order = {category: n for n, category in enumerate(groups)}
    for category, name in sorted(found, key=lambda f: order.get(f[0], len(order)))[:MAX_NAMES]:
        groups.setdefault(category, []).append(name)
    parts = [(c, names) for c, names in groups.items() if names]
    if len(parts) == 1:
        return ph.join(parts[0][1], lang)
    colon = " :" if lang == "fr" else ":"
    return "; ".join(f"{c or '—'}{colon} {ph.join(names, lang)}" for c, names in parts)


def _list(tc: ToolContext, h: Heard, question: DietQuestion) -> str:
    lang = h.lang
    category_items = index_for(tc.ctx).items_in_category(h.words)
    query = category_items[0].category if category_items else ""
    if question.kind == "allergen" and not question.absent:
        # "what has nuts in it?": the items known to contain it
        pool = category_items or list(tc.ctx.items)
        found = [(i.category, i.name) for i in pool if i.available and i.contains(question.key)]
        unknown = sum(1 for i in pool if i.available and i.contains(question.key) is None)
        head = ph.say(lang, "diet_with", allergen=WORDS[lang][question.key][0])
    else:
        args: dict[str, object] = {"query": query}
        if question.kind == "tag":
            args["dietary"] = question.key
            head = ph.say(lang, "diet_tagged", tag=WORDS[lang][question.key][0])
        else:
            args["without_allergens"] = [question.key]
            head = ph.say(lang, "diet_without", allergen=WORDS[lang][question.key][1])
        result = call_tool(tc, "search_catalog", args)
        found = [(i["category"], i["name"]) for i in result.get("items", [])]
        unknown = result.get("unknown", 0)
    if found:
        text = f"{head} {_by_category(tc, found, lang)}."
    else:
        text = ph.say(lang, "diet_none")
    if unknown:
        # said aloud: no "(s)" for the voice to read
        text += " " + ph.say(lang, "diet_one_unknown" if unknown == 1 else "diet_some_unknown", count=unknown)
    return text
