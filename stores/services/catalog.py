from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from kalliky.errors import Conflict, ValidationFailed
from stores.models import Category, Product, ProductVariation, ServiceResource, Store, UniversalService
from stores.signals import store_data_changed


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
    **fields: Any,
) -> Product:
    with transaction.atomic():
        cat = _resolve_category(store, category_id, category)
        product = Product.objects.create(store=store, category=cat, **fields)
        _variations_create(product, variations or [])
    return product


def product_update(
    *, product: Product, category_id: int | None = None, category: str | None = None, **fields: Any
) -> Product:
    with transaction.atomic():
        product.category = _resolve_category(product.store, category_id, category)
        for key, value in fields.items():
            setattr(product, key, value)
        product.save()
    return product


def product_delete(*, product: Product) -> None:
    product.delete()


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
