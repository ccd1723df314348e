"""Catalogs the assistant was never tuned to, as data, loaded into a fresh business through the
stores services (the same write path as the dashboard). Kept apart from ai/nlu and ai/brains on
purpose: nothing here may be copied into the brain's phrase lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from accounts.models import Business, User
from ai.models import IntelligentAIConfig
from stores.models import Store, UniversalService
from stores.services.catalog import product_create, resource_save, service_save
from stores.services.store import hours_set, store_create

HERE = Path(__file__).resolve().parent
UNSEEN = ("kebab", "bakery", "barber", "physio")
OWNER_EMAIL = "caller-sim@kalliky.local"


def spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))


def load(name: str) -> Any:
    """The store for catalog `name`, created once (a second call returns the same store)."""

    data = spec(name)
    owner, _ = User.objects.get_or_create(email=OWNER_EMAIL)
    business, _ = Business.objects.get_or_create(owner=owner, name="Caller simulator")
    found = Store.objects.filter(business=business, name=data["name"]).first()
    if found is not None:
        return found
    with transaction.atomic():
        services = data.get("services") or []
        store = store_create(
            business=business,
            name=data["name"],
            language=data["language"],
            has_products=bool(data.get("categories")),
            has_reservations=False,
            delivery_enabled=bool(data.get("delivery_enabled")),
        )
        IntelligentAIConfig.objects.create(store=store, language=data["language"], upsell_enabled=False)
        hours_set(
            store=store,
            intervals=[
                {"weekday": d, "opens": h["opens"], "closes": h["closes"]}
                for h in data["hours"]
                for d in h["days"]
            ],
            closed_dates=[
                {"date": date.fromisoformat(d), "reason": "holiday"} for d in data.get("closed_dates", [])
            ],
        )
        for position, (category, items) in enumerate((data.get("categories") or {}).items()):
            for order, item in enumerate(items):
                variations = [
                    {"type": "size", "name": "Taille", "value": v, "price": Decimal(p), "sort_order": i}
                    for i, (v, p) in enumerate(item.get("sizes") or [])
                ]
                variations += [
                    {
                        "type": "extra",
                        "name": "Supplément",
                        "value": v,
                        "price_delta": Decimal(p),
                        "sort_order": 10 + i,
                    }
                    for i, (v, p) in enumerate(item.get("extras") or [])
                ]
                variations += [
                    {"type": "option", "name": "Option", "value": v, "sort_order": 20 + i}
                    for i, v in enumerate(item.get("options") or [])
                ]
                product_create(
                    store=store,
                    category=category,
                    name=item["name"],
                    price=Decimal(item["price"]),
                    description="végétarien" if item.get("vegetarian") else "",
                    sort_order=position * 100 + order,
                    variations=variations,
                )
        created = [
            service_save(
                store=store,
                name=s["name"],
                pattern=UniversalService.Pattern.FIXED_SLOTS,
                duration_minutes=int(s["minutes"]),
                price=Decimal(s["price"]),
                schedule_config=data.get("schedule") or {},
                sort_order=i,
            )
            for i, s in enumerate(services)
        ]
        for person in data.get("staff") or []:
            resource_save(store=store, service_ids=[s.pk for s in created], type="staff", name=person)
    return store
