"""What a product is (dietary tags) and what it contains (the 14 allergens of EU Regulation
1169/2011, Annex II), as code: adding a tag is one key here, one field below and a migration.

Every fact has three states: True (is / contains), False (is not / does not contain) and None,
unknown — the default. Unknown is never read as "no": the assistant says it does not know and
offers to ask the team (docs/decisions/0024-dietary-facts-as-nullable-fields.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DIETARY_TAGS: tuple[str, ...] = ("vegetarian", "vegan", "halal", "kosher", "gluten_free")
ALLERGENS: tuple[str, ...] = (
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "peanuts",
    "soybeans",
    "milk",
    "nuts",
    "celery",
    "mustard",
    "sesame",
    "sulphites",
    "lupin",
    "molluscs",
)
# Allergens a vegan dish cannot contain (the constraint below and the API refuse the mix).
ANIMAL_ALLERGENS: tuple[str, ...] = ("eggs", "fish", "milk", "crustaceans", "molluscs")


def tag_field(key: str) -> str:
    return f"diet_{key}"


def allergen_field(key: str) -> str:
    return f"allergen_{key}"


def _fact(label: str) -> models.BooleanField:
    return models.BooleanField(label, null=True, blank=True, default=None)


def _is(field: str) -> models.Q:
    return models.Q(**{field: True})


def known_to_be(tags: list[str], free_of: list[str]) -> models.Q:
    """Products known to carry every tag and to contain none of the allergens (unknown never
    matches: a filter is a promise to the caller or the owner)."""
    condition = models.Q()
    for key in tags:
        condition &= _is(tag_field(key))
    for key in free_of:
        condition &= models.Q(**{allergen_field(key): False})
    return condition


def dietary_constraints(prefix: str) -> list[models.CheckConstraint]:
    """Facts that contradict each other are refused by the database itself."""
    animal = models.Q()
    for key in ANIMAL_ALLERGENS:
        animal |= _is(allergen_field(key))
    vegan = _is(tag_field("vegan"))
    return [
        models.CheckConstraint(
            condition=~(vegan & models.Q(diet_vegetarian=False)), name=f"{prefix}_vegan_is_vegetarian"
        ),
        models.CheckConstraint(condition=~(vegan & animal), name=f"{prefix}_vegan_without_animal_allergens"),
        models.CheckConstraint(
            condition=~(_is(tag_field("gluten_free")) & _is(allergen_field("gluten"))),
            name=f"{prefix}_gluten_free_without_gluten",
        ),
    ]


class DietaryFacts(models.Model):
    """Nullable booleans rather than a JSON document: the database holds only yes / no / unknown,
    a misspelt tag cannot be stored, and "without nuts" is a plain indexed-friendly filter."""

    diet_vegetarian = _fact(_("vegetarian"))
    diet_vegan = _fact(_("vegan"))
    diet_halal = _fact(_("halal"))
    diet_kosher = _fact(_("kosher"))
    diet_gluten_free = _fact(_("gluten-free"))

    allergen_gluten = _fact(_("cereals containing gluten"))
    allergen_crustaceans = _fact(_("crustaceans"))
    allergen_eggs = _fact(_("eggs"))
    allergen_fish = _fact(_("fish"))
    allergen_peanuts = _fact(_("peanuts"))
    allergen_soybeans = _fact(_("soybeans"))
    allergen_milk = _fact(_("milk"))
    allergen_nuts = _fact(_("nuts"))
    allergen_celery = _fact(_("celery"))
    allergen_mustard = _fact(_("mustard"))
    allergen_sesame = _fact(_("sesame"))
    allergen_sulphites = _fact(_("sulphites"))
    allergen_lupin = _fact(_("lupin"))
    allergen_molluscs = _fact(_("molluscs"))

    class Meta:
        abstract = True

    def dietary_tags(self) -> dict[str, bool | None]:
        return {key: getattr(self, tag_field(key)) for key in DIETARY_TAGS}

    def allergens(self) -> dict[str, bool | None]:
        return {key: getattr(self, allergen_field(key)) for key in ALLERGENS}

    def dietary_form(self) -> list[tuple[str, list[tuple[str, str, bool | None]]]]:
        """(group label, [(field name, label, value)]) for the dashboard's form."""
        return [
            (
                str(_("Diet")),
                [(tag_field(k), label_of(k), getattr(self, tag_field(k))) for k in DIETARY_TAGS],
            ),
            (
                str(_("Allergens")),
                [(allergen_field(k), label_of(k), getattr(self, allergen_field(k))) for k in ALLERGENS],
            ),
        ]

    def set_dietary(
        self, *, tags: dict[str, bool | None] | None = None, allergens: dict[str, bool | None] | None = None
    ) -> list[str]:
        """Apply the given facts (keys from the registry); returns the field names changed."""
        changed = []
        for key, value in (tags or {}).items():
            setattr(self, tag_field(key), value)
            changed.append(tag_field(key))
        for key, value in (allergens or {}).items():
            setattr(self, allergen_field(key), value)
            changed.append(allergen_field(key))
        return changed


def label_of(key: str) -> str:
    """The translated label of a tag or an allergen key."""
    name = tag_field(key) if key in DIETARY_TAGS else allergen_field(key)
    return str(DietaryFacts._meta.get_field(name).verbose_name)


def implied_tags(tags: dict[str, bool | None], allergens: dict[str, bool | None]) -> dict[str, bool | None]:
    """What the owner said, plus what follows from it: vegan is vegetarian, not vegetarian is not
    vegan, containing gluten is not gluten-free. Nothing is ever implied from unknown."""
    implied = dict(tags)
    if tags.get("vegan") is True:
        implied["vegetarian"] = True
    if tags.get("vegetarian") is False:
        implied["vegan"] = False
    if allergens.get("gluten") is True:
        implied["gluten_free"] = False
    if any(allergens.get(key) is True for key in ANIMAL_ALLERGENS):
        implied["vegan"] = False
    return implied


def implied_allergens(
    tags: dict[str, bool | None], allergens: dict[str, bool | None]
) -> dict[str, bool | None]:
    implied = dict(allergens)
    if tags.get("gluten_free") is True:
        implied["gluten"] = False
    if tags.get("vegan") is True:
        implied.update(dict.fromkeys(ANIMAL_ALLERGENS, False))
    return implied


def contradiction(tags: dict[str, bool | None], allergens: dict[str, bool | None]) -> str | None:
    """The same rules as the constraints, as a message for the API and the dashboard (None: fine)."""
    if tags.get("vegan") is True:
        if tags.get("vegetarian") is False:
            return gettext("A vegan product is vegetarian too.")
        animal = [label_of(key) for key in ANIMAL_ALLERGENS if allergens.get(key) is True]
        if animal:
            return gettext("A vegan product cannot contain %(what)s.") % {"what": ", ".join(animal)}
    if tags.get("gluten_free") is True and allergens.get("gluten") is True:
        return gettext("A gluten-free product cannot contain gluten.")
    return None
