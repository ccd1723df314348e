"""Find catalog items, sizes and extras in what a caller said.

Spoken text is matched against every item's aliases (its name, the name without filler words
or pack sizes, its AI keywords). Exact aliases are a dict lookup; misheard words are matched
against the catalog's vocabulary with rapidfuzz, and only aliases that share a word with the
sentence are scored — so a turn costs the same with 20 or 2,000 items. The index is built once
per cached context generation."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ai.context import ItemCtx, StoreContext, VariationCtx
from ai.nlu.kitchen_notes import ingredient_words
from ai.nlu.text import normalize

# Words that never identify an item on their own.
FILLER = frozenset(
    "le la les l un une des de du d au aux a an the of with avec et and pizza pizzas une un some".split()
)
UNITS = frozenset("cl ml l g kg cm".split())
# What a caller says while looking for the rest of a name ("two menu, um, kebab"): skipped inside
# a name, so the whole name wins over its last word.
HESITATIONS = frozenset("euh heu hum hmm um uh erm so well bah ben alors".split())
# Size concepts the caller may name in either language.
SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("petite", "petit", "small", "little", "mini"),
    "medium": ("moyenne", "moyen", "medium", "normale", "normal", "regular", "standard", "classique"),
    "large": ("grande", "grand", "large", "big", "maxi", "familiale", "family", "xl", "geante"),
}
EXTRA_MARKERS = frozenset(
    "avec with supplement supplements extra extras plus rajout rajoutez ajoutez add".split()
)
FUZZY_CUTOFF = 84.0
SERVICE_LEXICON = {
    # spoken French ↔ English words in service names, so "une coupe homme" finds "Men's cut"
    "coupe": "cut",
    "couper": "cut",
    "homme": "men",
    "hommes": "men",
    "femme": "women",
    "femmes": "women",
    "couleur": "colour",
    "coloration": "colour",
    "color": "colour",
    "brushing": "blow dry",
    "barbe": "beard",
    "soin": "treatment",
    "enfant": "kids",
    "manucure": "manicure",
}


# Everyday food words across French and English, so an English caller finds "Vin rouge" or
# "Eau pétillante" on a French menu (and the other way round). Each side maps to the other.
_FOOD_PAIRS = [
    ("wine", "vin"), ("red", "rouge"), ("white", "blanc"), ("water", "eau"), ("sparkling", "petillante"),
    ("still", "plate"), ("beer", "biere"), ("lemonade", "limonade"), ("cheese", "fromage"),
    ("cheeses", "fromages"), ("four", "quatre"), ("mushroom", "champignon"), ("mushrooms", "champignons"),
    ("ham", "jambon"), ("egg", "oeuf"), ("chocolate", "chocolat"), ("ice", "glace"), ("icecream", "glace"),
    ("salad", "salade"), ("beef", "boeuf"), ("chicken", "poulet"), ("pasta", "pates"),
    ("lasagna", "lasagnes"),
    ("lasagne", "lasagnes"), ("vegetarian", "vegetarienne"), ("veggie", "vegetarienne"),
    ("vegetables", "legumes"), ("starter", "entree"), ("starters", "entrees"), ("dessert", "dessert"),
    ("coke", "coca"), ("fondant", "fondant"), ("cake", "gateau"), ("fish", "poisson"), ("tuna", "thon"),
    ("salmon", "saumon"), ("goat", "chevre"), ("duck", "canard"), ("shrimp", "crevettes"),
    ("spicy", "piquante"),
    ("glass", "verre"), ("bottle", "bouteille"), ("fries", "frites"), ("bread", "pain"), ("juice", "jus"),
    ("coffee", "cafe"), ("tea", "the"), ("scoops", "boules"), ("two", "deux"),
]  # fmt: skip
FOOD_LEXICON: dict[str, set[str]] = defaultdict(set)
for _en, _fr in _FOOD_PAIRS:
    FOOD_LEXICON[_en].add(_fr)
    FOOD_LEXICON[_fr].add(_en)


def service_words(text: str) -> str:
    """Spoken service words mapped to the vocabulary of service names (FR ↔ EN)."""
    return " ".join(SERVICE_LEXICON.get(w, w) for w in normalize(text).split())


@dataclass(frozen=True)
class Mention:
    item_id: int
    start: int  # token index in the normalized sentence
    end: int  # exclusive
    score: float


class CatalogIndex:
    def __init__(self, ctx: StoreContext) -> None:
        self.items: dict[int, ItemCtx] = {i.id: i for i in ctx.items}
        self.alias_item: dict[tuple[str, ...], int] = {}
        self.by_token: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for item in ctx.items:
            for alias in self._aliases(item):
                # First item wins an alias two items share; the sort order puts the main one first.
                self.alias_item.setdefault(alias, item.id)
                for token in alias:
                    self.by_token[token].add(alias)
        self.vocabulary = list(self.by_token)
        self.max_len = max((len(a) for a in self.alias_item), default=1)

    @staticmethod
    def _aliases(item: ItemCtx) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for text in (item.name, *item.keywords):
            words = normalize(text).split()
            if not words:
                continue
            out.add(tuple(words))
            core = tuple(w for w in words if w not in FILLER and w not in UNITS and not w.isdigit())
            if core and core != tuple(words):
                out.add(core)
            # "tagliatelles" / "tagliatelle": callers drop plurals
            singular = tuple(w[:-1] if len(w) > 4 and w[-1] in "sx" else w for w in (core or words))
            out.add(singular)
        return out

    # --- sentence scan -----------------------------------------------------------------
    def _token_matches(self, token: str) -> list[str]:
        if token in self.by_token:
            return [token]
        translated = [w for w in FOOD_LEXICON.get(token, ()) if w in self.by_token]
        if translated:
            return translated
        if len(token) < 4 or token in FILLER:
            return []
        # Long words survive a mangled ending ("vegetarian" / "vegetarienne").
        cutoff = 80.0 if len(token) >= 7 else FUZZY_CUTOFF
        found = process.extract(token, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3)
        return [word for word, _, _ in found]

    def _translate(self, window: list[str]) -> list[str]:
        out = []
        for word in window:
            if word in self.by_token:
                out.append(word)
                continue
            translated = [w for w in FOOD_LEXICON.get(word, ()) if w in self.by_token]
            out.append(translated[0] if translated else word)
        return out

    def find(self, words: list[str]) -> list[Mention]:
        """Non-overlapping item mentions in a normalized token list, left to right."""
        # Which sentence positions hit which alias: only windows around those are scored, and
        # only aliases that share at least half of their words with the sentence.
        hits: dict[tuple[str, ...], set[int]] = defaultdict(set)
        shared: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for position, token in enumerate(words):
            if token in FILLER:
                continue
            for vocab in self._token_matches(token):
                for alias in self.by_token[vocab]:
                    hits[alias].add(position)
                    shared[alias].add(vocab)
        scored: list[Mention] = []
        for alias, positions in hits.items():
            n = len(alias)
            if len(shared[alias]) * 2 < n:
                continue
            target = " ".join(alias)
            starts = {p - k for p in positions for k in range(n + 1)}
            for length in {n, n + 1, max(1, n - 1)}:
                for start in starts:
                    if start < 0 or start + length > len(words):
                        continue
                    window = words[start : start + length]
                    if window[0] in FILLER and length > 1:
                        continue
                    if length > n:
                        window = [
                            window[0],
                            *(w for w in window[1:-1] if w not in HESITATIONS or w in alias),
                            window[-1],
                        ]
                    text = " ".join(self._translate(window))
                    if text == target:
                        score = 100.0
                    elif length > 1:  # "sparkling water" → "petillante eau": word order differs
                        score = max(fuzz.ratio(text, target), fuzz.token_sort_ratio(text, target))
                    else:
                        score = max(fuzz.ratio(text, target), fuzz.ratio(" ".join(window), target))
                    if score >= FUZZY_CUTOFF:
                        scored.append(Mention(self.alias_item[alias], start, start + length, score + n))
        # Best first (score, then longer alias), then keep those that do not overlap.
        scored.sort(key=lambda m: (-m.score, -(m.end - m.start), m.start))
        taken: list[Mention] = []
        for mention in scored:
            if all(mention.end <= t.start or mention.start >= t.end for t in taken):
                if all(t.item_id != mention.item_id or abs(t.start - mention.start) > 3 for t in taken):
                    taken.append(mention)
        return sorted(taken, key=lambda m: m.start)

    def search(self, query: str, limit: int = 5) -> list[tuple[ItemCtx, float]]:
        """Items for a free-text query (the search_catalog tool)."""
        words = normalize(query).split()
        results: dict[int, float] = {}
        for mention in self.find(words):
            results[mention.item_id] = max(results.get(mention.item_id, 0), mention.score)
        if not results and words:
            # A category or a description word ("dessert", "vegetarian", "chocolat").
            query_text = " ".join(w for w in words if w not in FILLER)
            for item in self.items.values():
                haystack = normalize(f"{item.category} {item.description} {item.name}")
                score = fuzz.partial_ratio(query_text, haystack) if query_text else 0
                if score >= 80:
                    results[item.id] = score
        ranked = sorted(results.items(), key=lambda kv: -kv[1])[:limit]
        return [(self.items[i], s) for i, s in ranked]

    def items_in_category(self, words: list[str]) -> list[ItemCtx]:
        text = " ".join(words)
        by_category: dict[str, list[ItemCtx]] = defaultdict(list)
        for item in self.items.values():
            by_category[item.category].append(item)
        for category, items in by_category.items():
            norm = normalize(category)
            stem = norm[:-1] if norm.endswith("s") else norm
            if category and (norm in text or (len(stem) >= 4 and stem in text)):
                return items
        return []


def find_size(item: ItemCtx, words: list[str]) -> VariationCtx | None:
    sizes = [v for v in item.sizes]
    if not sizes:
        return None
    # "deux margherita grandes": sizes agree in number with the item in French
    words = words + [w[:-1] for w in words if len(w) > 3 and w.endswith("s")]
    said = f" {' '.join(words)} "
    for v in sizes:  # the longest said first: "six parts" is not "part"
        value = normalize(v.value)
        if " " in value and f" {value} " in said:  # "250 g", "33 cl", "six parts"
            return v
    for v in sizes:
        if normalize(v.value) in words:
            return v
    for concept, spoken in SIZE_WORDS.items():
        if any(w in spoken for w in words):
            for v in sizes:
                if normalize(v.value) in SIZE_WORDS[concept]:
                    return v
    return None


def size_words(item: ItemCtx, words: list[str]) -> set[int]:
    """Positions of words that belong to a size said in several words ("six parts", "250 g"), so a
    number inside it is not read as a count."""
    taken: set[int] = set()
    for v in item.sizes:
        value = normalize(v.value).split()
        if len(value) < 2:
            continue
        for i in range(len(words) - len(value) + 1):
            if words[i : i + len(value)] == value:
                taken.update(range(i, i + len(value)))
    return taken


def find_extras(item: ItemCtx, words: list[str]) -> list[VariationCtx]:
    """Extras named after a marker ("avec", "with", "supplément", "extra"), and options said whole
    without one ("kebab sauce blanche", "sans oignons", "without onions")."""
    words = removals_in_french(words)
    gone = ingredient_words(words)  # "avec jambon sans champignons": the mushrooms are not added
    said = f" {' '.join(words)} "
    whole = [v for v in item.extras if " " in normalize(v.value) and f" {normalize(v.value)} " in said]
    if not any(w in EXTRA_MARKERS for w in words):
        return whole
    first = min(i for i, w in enumerate(words) if w in EXTRA_MARKERS)
    tail = ["" if first + 1 + k in gone else w for k, w in enumerate(words[first + 1 :])]
    found = []
    for v in item.extras:
        value = normalize(v.value).split()
        if not value:
            continue
        for i in range(len(tail) - len(value) + 1):
            if fuzz.ratio(" ".join(tail[i : i + len(value)]), " ".join(value)) >= FUZZY_CUTOFF:
                found.append(v)
                break
    return found + [v for v in whole if v not in found]


REMOVAL_WORDS = frozenset({"without", "sans", "no", "hold"})


def removals_in_french(words: list[str]) -> list[str]:
    """ "without onions" / "no onions" → "sans oignons" so English removals meet the menu's options."""
    out = list(words)
    for i, w in enumerate(out[:-1]):
        if w in ("without", "no", "hold") and out[i + 1] not in ("thanks", "thank", "problem", "more"):
            out[i] = "sans"
            out[i + 1] = _EN_INGREDIENTS.get(out[i + 1], out[i + 1])
    return out


# English names of common removable ingredients, so "without onions" meets "Sans oignons".
_EN_INGREDIENTS = {"onions": "oignons", "onion": "oignons", "salad": "salade", "lettuce": "salade",
                   "pickles": "cornichons", "pickle": "cornichons", "cheese": "fromage",
                   "tomatoes": "tomates", "tomato": "tomates", "olive": "olives"}  # fmt: skip


_INDEXES: OrderedDict[tuple[int, int, str], CatalogIndex] = OrderedDict()


def index_for(ctx: StoreContext) -> CatalogIndex:
    key = (ctx.store_id, ctx.generation, ctx.built_at)
    index = _INDEXES.get(key)
    if index is None:
        index = CatalogIndex(ctx)
        _INDEXES[key] = index
        while len(_INDEXES) > 256:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index
