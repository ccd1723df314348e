"""What the assistant knows about one store, and the system prompt built from it.

Both are cached (Redis in production) for CONTEXT_TTL under a key that carries the schema
version and a per-store generation: invalidation bumps the generation, so a context being
built from data read just before a change can never be served after it (docs/decisions/0006).
"""

from __future__ import annotations

import time as _time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from ai.brains import phrases
from ai.models import IntelligentAIConfig
from ai.prompt import render_system_prompt
from billing.plans import PlanCode, get_plan
from kalliky.languages import SUPPORTED_LANGUAGES
from stores import availability
from stores.models import Product, ProductVariation, Store
from stores.models.dietary import implied_allergens, implied_tags
from stores.models.store import zone_named

SCHEMA_VERSION = 2  # 2: items carry dietary tags and allergens
CONTEXT_TTL = 3 * 60 * 60
STATS_KEY = "ai:ctx:stats:{}"


# --- The context ----------------------------------------------------------------------------
@dataclass(frozen=True)
class VariationCtx:
    id: int
    type: str  # size | option | extra
    name: str
    value: str
    price: Decimal | None  # replaces the product price (sizes)
    price_delta: Decimal  # added to it (extras)
    is_default: bool
    is_available: bool

    def unit_price(self, base: Decimal) -> Decimal:
        return self.price if self.price is not None else base + self.price_delta


@dataclass(frozen=True)
class ItemCtx:
    id: int
    name: str
    category: str
    description: str
    price: Decimal
    status: str  # available | unavailable | out_of_stock
    keywords: tuple[str, ...]
    variations: tuple[VariationCtx, ...]
    # (key, True/False) pairs; a key absent is unknown (stores.models.dietary).
    dietary: tuple[tuple[str, bool], ...] = ()
    allergens: tuple[tuple[str, bool], ...] = ()

    def tag(self, key: str) -> bool | None:
        return dict(self.dietary).get(key)

    def contains(self, key: str) -> bool | None:
        return dict(self.allergens).get(key)

    @property
    def available(self) -> bool:
        return self.status == Product.Status.AVAILABLE

    @property
    def sizes(self) -> tuple[VariationCtx, ...]:
        return tuple(v for v in self.variations if v.type == ProductVariation.Type.SIZE)

    @property
    def extras(self) -> tuple[VariationCtx, ...]:
        return tuple(v for v in self.variations if v.type != ProductVariation.Type.SIZE)

    @property
    def needs_size(self) -> bool:
        # Two sizes or more: the caller must choose, the kitchen cannot guess.
        return len([v for v in self.sizes if v.is_available]) > 1


@dataclass(frozen=True)
class ServiceCtx:
    id: int
    name: str
    description: str
    pattern: str
    duration_minutes: int
    price: Decimal
    custom_fields: tuple[dict[str, Any], ...]
    resource_ids: tuple[int, ...]


@dataclass(frozen=True)
class ResourceCtx:
    id: int
    type: str
    name: str
    capacity: int


@dataclass(frozen=True)
class StoreContext:
    store_id: int
    business_id: int
    business_name: str
    store_name: str
    slug: str
    address: str
    phone: str
    timezone: str
    currency: str
    language: str
    has_products: bool
    has_reservations: bool
    has_consultations: bool
    delivery_enabled: bool
    hours: tuple[tuple[int, str, str], ...]  # (weekday, opens, closes)
    hours_lines: dict[str, tuple[str, ...]]  # per language, human lines
    closed_dates: tuple[str, ...]
    categories: tuple[str, ...]
    items: tuple[ItemCtx, ...]
    services: tuple[ServiceCtx, ...]
    resources: tuple[ResourceCtx, ...]
    personality: str
    voice_type: str
    voice_style: str
    greeting: str
    custom_instructions: str
    automation_level: str
    brain: str
    upsell_enabled: bool  # the owner's switch AND the plan's feature
    plan: str
    plan_features: dict[str, Any]
    ai_active: bool
    built_at: str
    generation: int = 0
    turn_detection: str = "server_vad"  # realtime voice: server_vad | semantic_vad
    system_prompt: str = field(default="", compare=False)

    def item(self, item_id: int) -> ItemCtx | None:
        return next((i for i in self.items if i.id == item_id), None)

    def service(self, service_id: int) -> ServiceCtx | None:
        return next((s for s in self.services if s.id == service_id), None)

    @property
    def max_party(self) -> int:
        tables = [r.capacity for r in self.resources if r.type == "table"]
        return max(tables) if tables else 0


def _plan_of(store: Store) -> str:
    sub = getattr(store, "subscription", None)
    return sub.plan if sub is not None else PlanCode.STARTER


def _known(facts: dict[str, bool | None]) -> tuple[tuple[str, bool], ...]:
    return tuple((key, value) for key, value in facts.items() if value is not None)


def build_context(store: Store) -> StoreContext:
    """Read everything the assistant needs about a store (8 queries whatever the catalog size)."""
    store = (
        Store.objects.select_related("business", "ai_config", "subscription")
        .prefetch_related(
            "opening_intervals",
            "closed_dates",
            "categories",
            Prefetch(
                "products",
                queryset=Product.objects.select_related("category").prefetch_related("variations"),
            ),
            "services__resources",
        )
        .get(pk=store.pk)
    )
    try:
        config = store.ai_config
    except Store.ai_config.RelatedObjectDoesNotExist:
        config = None
    plan = get_plan(_plan_of(store))
    items = tuple(
        ItemCtx(
            id=p.pk,
            name=p.name,
            category=p.category.name if p.category else "",
            description=p.description,
            price=p.price,
            status=p.status,
            keywords=tuple(str(k) for k in (p.ai_keywords or []) if k),
            variations=tuple(
                VariationCtx(
                    id=v.pk,
                    type=v.type,
                    name=v.name,
                    value=v.value,
                    price=v.price,
                    price_delta=v.price_delta,
                    is_default=v.is_default,
                    is_available=v.is_available,
                )
                for v in p.variations.all()
            ),
            dietary=_known(implied_tags(p.dietary_tags(), p.allergens())),
            allergens=_known(implied_allergens(p.dietary_tags(), p.allergens())),
        )
        for p in store.products.all()
    )
    services = tuple(
        ServiceCtx(
            id=s.pk,
            name=s.name,
            description=s.description,
            pattern=s.pattern,
            duration_minutes=s.duration_minutes,
            price=s.price,
            custom_fields=tuple(s.custom_fields or ()),
            resource_ids=tuple(r.pk for r in s.resources.all() if r.is_active),
        )
        for s in store.services.all()
        if s.is_active
    )
    resources = tuple(
        ResourceCtx(id=r.pk, type=r.type, name=r.name, capacity=r.capacity)
        for r in store.resources.filter(is_active=True)
    )
    language = (config.language if config and config.language else store.language) or "fr"
    week = availability.weekly_hours(store)
    ctx = StoreContext(
        store_id=store.pk,
        business_id=store.business_id,
        business_name=store.business.name,
        store_name=store.name,
        slug=store.slug,
        address=store.address,
        phone=store.phone,
        timezone=store.timezone,
        currency=store.currency,
        language=language,
        has_products=store.has_products,
        has_reservations=store.has_reservations,
        has_consultations=store.has_consultations,
        delivery_enabled=store.delivery_enabled,
        hours=tuple(
            (i.weekday, f"{i.opens:%H:%M}", f"{i.closes:%H:%M}") for i in store.opening_intervals.all()
        ),
        hours_lines={lang: tuple(phrases.hours_lines(week, lang)) for lang in SUPPORTED_LANGUAGES},
        closed_dates=tuple(d.date.isoformat() for d in store.closed_dates.all()),
        categories=tuple(c.name for c in store.categories.all()),
        items=items,
        services=services,
        resources=resources,
        personality=config.personality if config else "professionnel",
        voice_type=config.voice_type if config else "female",
        voice_style=config.voice_style if config else "marin",
        greeting=config.greeting if config else "",
        custom_instructions=config.custom_instructions if config else "",
        automation_level=config.automation_level if config else "standard",
        brain=config.brain if config else "default",
        turn_detection=config.turn_detection if config else "server_vad",
        upsell_enabled=bool(config and config.upsell_enabled and plan.upsell),
        plan=plan.code,
        plan_features={
            "upsell": plan.upsell,
            "realtime_voice": plan.realtime_voice,
            "max_concurrent_calls": plan.max_concurrent_calls,
            "voice_cloning": plan.voice_cloning,
        },
        ai_active=config.is_active if config else True,
        built_at=timezone.now().isoformat(),
    )
    return _with_prompt(ctx, render_system_prompt(ctx))


def _with_prompt(ctx: StoreContext, prompt: str, generation: int | None = None) -> StoreContext:
    return replace(ctx, system_prompt=prompt, generation=ctx.generation if generation is None else generation)


# --- The cache ------------------------------------------------------------------------------
def _gen_key(store_id: int) -> str:
    return f"store:{store_id}:ctx:gen"


def _ctx_key(store_id: int, generation: int) -> str:
    return f"store:{store_id}:ctx:v{SCHEMA_VERSION}:g{generation}"


def _count(kind: str, by: int = 1) -> None:
    key = STATS_KEY.format(kind)
    try:
        cache.incr(key, by)
    except ValueError:  # first count since the cache started
        cache.add(key, 0, timeout=None)
        cache.incr(key, by)


# A per-process copy in front of the shared cache: a 2,000-item context costs milliseconds to
# unpickle on every turn. It is only used while the shared cache still holds the same build
# (same generation and stamp), so an edit seen by any process is seen by all.
_LOCAL: OrderedDict[int, tuple[str, str, StoreContext, Store | None]] = OrderedDict()
_LOCAL_MAX = 512


def _stamp_key(ctx_key: str) -> str:
    return f"{ctx_key}:stamp"


def get_context(store: Store | int) -> StoreContext:
    """The store's context from the cache, built and cached on a miss."""
    store_id = store if isinstance(store, int) else store.pk
    generation = cache.get(_gen_key(store_id)) or 0
    key = _ctx_key(store_id, generation)
    stamp = cache.get(_stamp_key(key))
    local = _LOCAL.get(store_id)
    if local is not None and stamp is not None and local[0] == key and local[1] == stamp:
        _count("hit")
        _LOCAL.move_to_end(store_id)
        return local[2]
    ctx = cache.get(key) if stamp is not None else None
    if ctx is not None:
        _count("hit")
        _remember(store_id, key, stamp, ctx)
        return ctx
    _count("miss")
    started = _time.perf_counter()
    built = build_context(store if isinstance(store, Store) else Store.objects.get(pk=store_id))
    built = _with_prompt(built, built.system_prompt, generation)
    cache.set(key, built, timeout=CONTEXT_TTL)
    cache.set(_stamp_key(key), built.built_at, timeout=CONTEXT_TTL)
    _count("build_ms_total", int((_time.perf_counter() - started) * 1_000_000))
    _remember(store_id, key, built.built_at, built)
    return built


def _remember(store_id: int, key: str, stamp: str, ctx: StoreContext) -> None:
    _LOCAL[store_id] = (key, stamp, ctx, None)
    _LOCAL.move_to_end(store_id)
    while len(_LOCAL) > _LOCAL_MAX:
        _LOCAL.popitem(last=False)


def store_for_tools(ctx: StoreContext) -> Store:
    """The Store row the tools act on, with its hours prefetched, kept beside its context (so a
    turn costs no query for the store or its opening hours)."""
    local = _LOCAL.get(ctx.store_id)
    if local is not None and local[2] is ctx and local[3] is not None:
        return local[3]
    store = (
        Store.objects.select_related("business")
        .prefetch_related("opening_intervals", "closed_dates", "special_hours", "holiday_decisions")
        .get(pk=ctx.store_id)
    )
    if local is not None and local[2] is ctx:
        _LOCAL[ctx.store_id] = (local[0], local[1], ctx, store)
    return store


def invalidate(store_id: int) -> int:
    """Forget the store's cached context; the next turn rebuilds it. Returns the new generation."""
    key = _gen_key(store_id)
    if cache.add(key, 1, timeout=None):
        generation = 1
    else:
        try:
            generation = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=None)
            generation = 1
    _count("invalidation")
    return generation


def is_cached(store_id: int) -> bool:
    generation = cache.get(_gen_key(store_id)) or 0
    key = _ctx_key(store_id, generation)
    return cache.get(_stamp_key(key)) is not None and cache.get(key) is not None


def stats() -> dict[str, Any]:
    values = cache.get_many([STATS_KEY.format(k) for k in ("hit", "miss", "invalidation", "build_ms_total")])
    hits = values.get(STATS_KEY.format("hit"), 0)
    misses = values.get(STATS_KEY.format("miss"), 0)
    lookups = hits + misses
    return {
        "hits": hits,
        "misses": misses,
        "invalidations": values.get(STATS_KEY.format("invalidation"), 0),
        "hit_rate": round(hits / lookups, 3) if lookups else None,
        "avg_build_ms": round(values.get(STATS_KEY.format("build_ms_total"), 0) / 1000 / misses, 2)
        if misses
        else None,
    }


def preload(stores: list[Store] | None = None, *, batch_size: int = 50) -> int:
    """Warm the cache for every active store (or the given ones). Returns how many were built."""
    queryset = Store.objects.filter(is_active=True).order_by("pk")
    ids = [s.pk for s in stores] if stores is not None else list(queryset.values_list("pk", flat=True))
    built = 0
    for start in range(0, len(ids), batch_size):
        for store_id in ids[start : start + batch_size]:
            if not is_cached(store_id):
                get_context(store_id)
                built += 1
    return built


def on_signup_completed(*, store_id: int, **kwargs: Any) -> None:
    """billing's `signup_completed` (connected in AiConfig.ready): the new store gets its
    assistant config, and its context is built now rather than on the first call."""
    store = Store.objects.get(pk=store_id)
    IntelligentAIConfig.objects.get_or_create(store=store, defaults={"language": store.language})
    preload([store])


def local_now(ctx: StoreContext, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(zone_named(ctx.timezone))
