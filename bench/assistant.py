"""The assistant: local brain turn latency (200 and 2,000 items), context build vs cached fetch,
and the scenario suite's pass rate. Prints tables, writes bench/results/assistant.json."""

from __future__ import annotations

import itertools
import random
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from common import ROOT, measure, print_table, setup_django, write_json

BASES = ["Pizza", "Salade", "Burger", "Wrap", "Bowl", "Tarte", "Soupe", "Pâtes", "Risotto", "Croque"]
FILLINGS = [
    "poulet", "chèvre", "saumon", "thon", "jambon", "légumes", "bœuf", "canard", "crevettes", "champignons",
    "épinards", "tomates", "mozzarella", "feta", "chorizo", "lardons", "aubergines", "courgettes", "poivrons",
    "roquefort",
]  # fmt: skip
STYLES = [
    "maison", "du chef", "épicé", "gratiné", "provençal", "printanier", "forestier", "fumé", "rôti", "doux",
]  # fmt: skip
PARIS = ZoneInfo("Europe/Paris")
FRIDAY_EVENING = datetime(2026, 12, 4, 19, 0, tzinfo=PARIS)


def make_store(n_items: int):
    from accounts.models import Business, User
    from ai.models import IntelligentAIConfig
    from stores.models import Category, OpeningInterval, Product, ProductVariation, Store

    owner, _ = User.objects.get_or_create(email="bench@kalliky.local")
    business, _ = Business.objects.get_or_create(owner=owner, name="Bench")
    slug = f"bench-{n_items}"
    store = Store.objects.filter(business=business, slug=slug).first()
    if store is not None:
        return store
    store = Store.objects.create(business=business, name=f"Bench {n_items}", slug=slug, delivery_enabled=True)
    IntelligentAIConfig.objects.create(store=store, language="fr")
    for day in range(7):
        OpeningInterval.objects.create(store=store, weekday=day, opens="11:00", closes="23:30")
    categories = {b: Category.objects.create(store=store, name=b, sort_order=i) for i, b in enumerate(BASES)}
    rng = random.Random(n_items)
    names = [f"{b} {f} {s}" for b, f, s in itertools.product(BASES, FILLINGS, STYLES)]
    rng.shuffle(names)
    products = [
        Product(
            store=store,
            category=categories[name.split()[0]],
            name=name,
            price=Decimal(rng.randrange(600, 1800)) / 100,
            sort_order=i,
        )
        for i, name in enumerate(names[:n_items])
    ]
    Product.objects.bulk_create(products)
    ProductVariation.objects.bulk_create(
        ProductVariation(product=p, type="size", name="Taille", value=v, price=p.price + d, sort_order=k)
        for p in products
        if p.name.startswith("Pizza")
        for k, (v, d) in enumerate((("Petite", Decimal("-2")), ("Grande", Decimal("4"))))
    )
    return store


def turn_latency(store, rounds: int) -> dict[str, float]:
    from ai import agent, context
    from stores.models import Product

    context.invalidate(store.pk)
    context.get_context(store)
    names = list(Product.objects.filter(store=store).values_list("name", flat=True)[:40])
    rng = random.Random(7)
    samples: list[float] = []
    for _ in range(rounds):
        session, _ = agent.begin(store, channel="cli", now=FRIDAY_EVENING)
        first, second = rng.sample([n for n in names if not n.startswith("Pizza")], 2)
        for line in (
            f"bonjour je voudrais deux {first.lower()}",
            f"et aussi un {second.lower()} s'il vous plait",
            "vous êtes ouverts jusqu'à quelle heure",
            "non merci c'est tout",
            "à emporter",
        ):
            started = time.perf_counter()
            agent.respond(session, line)
            samples.append((time.perf_counter() - started) * 1000)
        agent.finish(session)
    samples.sort()
    return {
        "turns": len(samples),
        "p50_ms": round(samples[len(samples) // 2], 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
    }


def context_times(store) -> list[dict[str, object]]:
    from ai import context

    build = measure(lambda: context.build_context(store), repeat=30, warmup=3)
    context.get_context(store)
    cached = measure(lambda: context.get_context(store.pk), repeat=500, warmup=20)

    def shared_only() -> None:
        context._LOCAL.clear()  # as a process that has not seen this store yet
        context.get_context(store.pk)

    shared = measure(shared_only, repeat=200, warmup=5)
    return [
        {"store": store.name, "what": "build from the database", **build},
        {"store": store.name, "what": "fetch from the shared cache", **shared},
        {"store": store.name, "what": "fetch, in-process copy valid", **cached},
    ]


def scenario_pass_rate() -> dict[str, object]:
    from django.core.management import call_command

    from ai import scenarios

    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    specs = scenarios.load_dir(ROOT / "tests" / "ai" / "scenarios")
    results = [scenarios.run(spec, rollback=True) for spec in specs]
    passed = sum(r.passed for r in results)
    by_lang: dict[str, list[bool]] = {}
    for spec, result in zip(specs, results, strict=True):
        by_lang.setdefault(spec.get("lang", "?"), []).append(result.passed)
    return {
        "scenarios": len(results),
        "passed": passed,
        "pass_rate": round(passed / len(results), 3) if results else None,
        **{f"pass_rate_{k}": round(sum(v) / len(v), 3) for k, v in sorted(by_lang.items())},
        "failing": [r.name for r in results if not r.passed],
    }


def main() -> int:
    setup_django()
    from ai import context

    stores = [make_store(200), make_store(2000)]
    latency_rows = []
    context_rows: list[dict[str, object]] = []
    for store in stores:
        latency_rows.append({"catalog": f"{store.products.count()} items", **turn_latency(store, rounds=60)})
        context_rows.extend(context_times(store))
        context.invalidate(store.pk)
    from django.conf import settings

    backend = "Redis" if settings.REDIS_URL else "local-memory"
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print_table(f"Local brain, one caller turn (agent.respond, {engine}, {backend} cache)", latency_rows)
    print_table("Store context", context_rows)
    rate = scenario_pass_rate()
    print_table(
        "Scenario suite on the local brain",
        [{k: v for k, v in rate.items() if k != "failing"}],
    )
    if rate["failing"]:
        print("failing:", ", ".join(rate["failing"]))  # type: ignore[arg-type]
    name = "assistant" if not settings.REDIS_URL else "assistant.redis"
    path = write_json(name, {"turn_latency": latency_rows, "context": context_rows, "scenarios": rate})
    print(f"\nwritten {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
