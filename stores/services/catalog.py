from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation

from kalliky.errors import Conflict, ValidationFailed
from stores.events import store_data_changed
from stores.models import Category, Product, ProductVariation, ServiceResource, Store, UniversalService
from stores.models.dietary import ALLERGENS, DIETARY_TAGS, allergen_field, contradiction, tag_field


def category_create(*, store: Store, name: str, sort_order: int = 0) -> Category:
    if store.categories.filter(name__iexact=name).exists():
        raise ValidationFailed(f"A category named {name!r} already exists.", field="name")
    return Category.objects.create(store=store, name=name, sort_order=sort_order)


def _resolve_category(store: Store, category_id: int | None, category: str | None) -> Category | None:
    if category_id is not None:
        found = store.categories.filter(pk=category_id).first()
        if found is None:
            raise ValidationFailed(
                f"Category {category_id} does not exist in this store.", field="category_id"
            )
        return found
    if category:
        found = store.categories.filter(name__iexact=category.strip()).first()
        return found or Category.objects.create(store=store, name=category.strip())
    return None


def _variations_create(product: Product, variations: list[dict[str, Any]]) -> None:
    values = [(v["type"], v["value"].lower()) for v in variations]
    if len(values) != len(set(values)):
        raise ValidationFailed("Two variations have the same type and value.", field="variations")
    ProductVariation.objects.bulk_create(ProductVariation(product=product, **v) for v in variations)
    store_data_changed.send(sender=Product, store_id=product.store_id)


def product_create(
    *,
    store: Store,
    category_id: int | None = None,
    category: str | None = None,
    variations: list[dict[str, Any]] | None = None,
    dietary: dict[str, bool | None] | None = None,
    allergens: dict[str, bool | None] | None = None,
    **fields: Any,
) -> Product:
    with transaction.atomic():
        cat = _resolve_category(store, category_id, category)
        product = Product(store=store, category=cat, **fields)
        product.set_dietary(tags=dietary, allergens=allergens)
        problem = contradiction(product.dietary_tags(), product.allergens())
        if problem:
            raise ValidationFailed(problem, field="dietary")
        product.save()
        _variations_create(product, variations or [])
    return product


def product_update(
    *,
    product: Product,
    category_id: int | None = None,
    category: str | None = None,
    dietary: dict[str, bool | None] | None = None,
    allergens: dict[str, bool | None] | None = None,
    **fields: Any,
) -> Product:
    """`dietary` / `allergens` set the facts given (None: leave them all as they are)."""
    with transaction.atomic():
        product.category = _resolve_category(product.store, category_id, category)
        for key, value in fields.items():
            setattr(product, key, value)
        product.set_dietary(tags=dietary, allergens=allergens)
        problem = contradiction(product.dietary_tags(), product.allergens())
        if problem:
            raise ValidationFailed(problem, field="dietary")
        product.save()
    return product


def product_delete(*, product: Product) -> None:
    """Past orders keep their lines: an order line copies the item's name and price and its
    link to the item is set to null (OrderItem.product, SET_NULL)."""
    store_id = product.store_id
    product.delete()
    store_data_changed.send(sender=Product, store_id=store_id)


def template_items_remove(*, store: Store, product_ids: Sequence[int]) -> int:
    """Delete the given items that a sector template put in this store (any other id is left
    alone); past orders keep their lines, as with product_delete. Returns how many went."""
    rows = Product.objects.filter(store=store, from_template=True, pk__in=list(product_ids))
    deleted = rows.delete()[1].get("stores.Product", 0)
    if deleted:
        store_data_changed.send(sender=Product, store_id=store.pk)
    return deleted


def product_move(*, product: Product, step: int) -> bool:
    """Move an item one place up (step -1) or down (+1) among the items of its category; the
    whole category is numbered again so equal positions (a template's zeros) never stall the
    move. False when it is already first or last."""
    with transaction.atomic():
        siblings = list(
            Product.objects.select_for_update()
            .filter(store_id=product.store_id, category_id=product.category_id)
            .order_by("sort_order", "name", "pk")
        )
        index = next(i for i, p in enumerate(siblings) if p.pk == product.pk)
        target = index + step
        if not 0 <= target < len(siblings):
            return False
        siblings[index], siblings[target] = siblings[target], siblings[index]
        for position, sibling in enumerate(siblings):
            sibling.sort_order = position
        Product.objects.bulk_update(siblings, ["sort_order"])
    store_data_changed.send(sender=Product, store_id=product.store_id)
    return True


def variation_save(
    *, product: Product, variation: ProductVariation | None = None, **fields: Any
) -> ProductVariation:
    variation = variation or ProductVariation(product=product)
    for key, value in fields.items():
        setattr(variation, key, value)
    try:
        with transaction.atomic():
            variation.save()
    except IntegrityError:
        raise Conflict(
            f"This product already has a {fields['type']} {fields['value']!r}.", field="value"
        ) from None
    return variation


def service_save(*, store: Store, service: UniversalService | None = None, **fields: Any) -> UniversalService:
    service = service or UniversalService(store=store)
    for key, value in fields.items():
        setattr(service, key, value)
    service.save()
    return service


def resource_save(
    *, store: Store, service_ids: list[int], resource: ServiceResource | None = None, **fields: Any
) -> ServiceResource:
    services = list(store.services.filter(pk__in=service_ids))
    unknown = set(service_ids) - {s.pk for s in services}
    if unknown:
        raise ValidationFailed(
            f"Service(s) {', '.join(map(str, sorted(unknown)))} do not exist in this store.",
            field="service_ids",
        )
    with transaction.atomic():
        resource = resource or ServiceResource(store=store)
        for key, value in fields.items():
            setattr(resource, key, value)
        resource.save()
        resource.services.set(services)
    return resource


@dataclass(frozen=True)
class ImportedItem:
    """One reviewed line of a menu import: a new product, or, with product_id, the new price (and
    description, when given) of an existing one."""

    name: str
    price: Decimal
    category: str = ""
    description: str = ""
    product_id: int | None = None
    sizes: tuple[tuple[str, Decimal], ...] = ()  # (label, price) of a new product's sizes
    # What the menu says it is / contains (True); every other fact is left as it was.
    dietary: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()

    def facts(self) -> dict[str, dict[str, bool | None]]:
        return {"tags": dict.fromkeys(self.dietary, True), "allergens": dict.fromkeys(self.allergens, True)}


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    categories_created: int


def _next_sort_order(rows: QuerySet) -> int:
    highest = rows.aggregate(highest=Max("sort_order"))["highest"]
    return 0 if highest is None else highest + 1


FACT_FIELDS = [tag_field(k) for k in DIETARY_TAGS] + [allergen_field(k) for k in ALLERGENS]


def _refuse_contradiction(product: Product, item: ImportedItem) -> None:
    problem = contradiction(product.dietary_tags(), product.allergens())
    if problem:
        raise ValidationFailed(f"{item.name}: {problem}", field="dietary")


def catalog_import(*, store: Store, items: Sequence[ImportedItem]) -> ImportCounts:
    """Create and update many products in one transaction (the menu import). Categories are found
    by name, ignoring case, or created after the store's last one; new products keep the file's
    order after the store's last product. Bulk writes send no model signals, so one
    store_data_changed tells the assistant's context cache, however many rows there were."""
    with transaction.atomic():
        categories = {c.name.casefold(): c for c in store.categories.all()}
        new_names: dict[str, str] = {}
        for item in items:
            name = item.category.strip()
            if item.product_id is None and name and name.casefold() not in categories:
                new_names.setdefault(name.casefold(), name)
        first = _next_sort_order(store.categories)
        created_categories = Category.objects.bulk_create(
            Category(store=store, name=name, sort_order=first + position)
            for position, name in enumerate(new_names.values())
        )
        categories.update({c.name.casefold(): c for c in created_categories})

        updates = {item.product_id: item for item in items if item.product_id is not None}
        products = store.products.select_for_update().in_bulk(list(updates))
        if len(products) != len(updates):
            raise ValidationFailed("A product to update is not in this store's catalog.", field="product_id")
        now = timezone.now()
        for product_id, item in updates.items():
            product = products[product_id]
            product.price = item.price
            product.description = item.description.strip() or product.description
            product.updated_at = now  # bulk_update skips auto_now
            product.set_dietary(**item.facts())
            _refuse_contradiction(product, item)
        Product.objects.bulk_update(products.values(), ["price", "description", "updated_at", *FACT_FIELDS])

        first = _next_sort_order(store.products)
        new_items = [item for item in items if item.product_id is None]
        new_products = []
        for i, item in enumerate(new_items):
            product = Product(
                store=store,
                category=categories.get(item.category.strip().casefold()),
                name=item.name.strip(),
                description=item.description.strip(),
                price=item.price,
                sort_order=first + i,
            )
            product.set_dietary(**item.facts())
            _refuse_contradiction(product, item)
            new_products.append(product)
        created = Product.objects.bulk_create(new_products)
        with translation.override(store.language):
            size_name = translation.gettext("Size")
        ProductVariation.objects.bulk_create(
            ProductVariation(
                product=product,
                type=ProductVariation.Type.SIZE,
                name=size_name,
                value=label,
                price=price,
                is_default=position == 0,
                sort_order=position,
            )
            for product, item in zip(created, new_items, strict=True)
            for position, (label, price) in enumerate(item.sizes)
        )
        store_data_changed.send(sender=Product, store_id=store.pk)
    return ImportCounts(
        created=len(created), updated=len(products), categories_created=len(created_categories)
    )


def variation_set_available(*, variation: ProductVariation, available: bool) -> ProductVariation:
    """Sold out or back on sale: the assistant stops (or starts) offering it."""
    variation.is_available = available
    variation.save(update_fields=["is_available"])
    store_data_changed.send(sender=ProductVariation, store_id=variation.product.store_id)
    return variation


def category_rename(*, category: Category, name: str) -> Category:
    name = name.strip()[:120]
    if not name:
        raise ValidationFailed(translation.gettext("Give the category a name."), field="name")
    others = Category.objects.filter(store_id=category.store_id).exclude(pk=category.pk)
    if others.filter(name__iexact=name).exists():
        raise ValidationFailed(
            translation.gettext("Another category is already called %(name)s.") % {"name": name}, field="name"
        )
    category.name = name
    category.save(update_fields=["name"])
    store_data_changed.send(sender=Category, store_id=category.store_id)
    return category


def category_delete(*, store: Store, category_id: int) -> bool:
    """Remove one of the store's categories (its items stay, without one); False if none."""
    deleted, _rows = Category.objects.filter(store=store, pk=category_id).delete()
    if deleted:
        store_data_changed.send(sender=Category, store_id=store.pk)
    return bool(deleted)
