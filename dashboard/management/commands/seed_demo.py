"""`manage.py seed_demo`: the demo business, idempotent (a second run creates nothing)."""

from __future__ import annotations

import os
from datetime import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Business, Membership, User
from ai.models import IntelligentAIConfig
from billing.models import Subscription
from billing.plans import PlanCode
from dashboard.demo_history import add_history
from notifications.models import ActionType, Channel, NotificationConfig
from stores.models import (
    Category,
    OpeningInterval,
    Product,
    ProductVariation,
    ServiceResource,
    Store,
    UniversalService,
)
from stores.models.dietary import DIETARY_TAGS, allergen_field, tag_field
from telephony.models import PhoneNumber

OWNER_EMAIL = "demo@kalliky.local"
ADMIN_EMAIL = "admin@kalliky.local"
DEFAULT_PASSWORD = "kalliky-demo-2026"

SIZES = [("Petite", Decimal("-2.00")), ("Moyenne", Decimal("0")), ("Grande", Decimal("4.00"))]
PIZZA_EXTRAS = [("Mozzarella", "1.50"), ("Jambon", "2.00"), ("Champignons", "1.00"), ("Œuf", "1.00")]

# category → [(name, price, description, keywords, sized)]
PIZZERIA_MENU: dict[str, list[tuple[str, str, str, list[str], bool]]] = {
    "Pizzas": [
        ("Margherita", "9.50", "Tomate, mozzarella, basilic", ["marguerite", "classique"], True),
        ("Regina", "11.50", "Tomate, mozzarella, jambon, champignons", ["reine"], True),
        ("Quatre fromages", "12.50", "Mozzarella, gorgonzola, chèvre, parmesan", ["4 fromages"], True),
        ("Pepperoni", "12.00", "Tomate, mozzarella, pepperoni", ["pepperoni", "salami piquant"], True),
        ("Calzone", "12.50", "Chausson jambon, mozzarella, œuf", ["chausson"], True),
        ("Diavola", "12.00", "Tomate, mozzarella, spianata piquante", ["piquante"], True),
        ("Végétarienne", "11.50", "Légumes grillés, mozzarella", ["vegetarienne", "légumes"], True),
        ("Napolitaine", "11.00", "Tomate, anchois, câpres, olives", ["anchois"], True),
        ("Burrata", "14.50", "Tomate, burrata, roquette", ["burrata"], True),
        ("Savoyarde", "13.50", "Crème, reblochon, lardons, pommes de terre", ["reblochon"], True),
    ],
    "Entrées": [
        ("Bruschetta", "6.50", "Pain grillé, tomates, basilic", ["bruschetta"], False),
        ("Salade César", "9.00", "Poulet, parmesan, croûtons", ["cesar", "salade"], False),
        ("Carpaccio de bœuf", "11.00", "Parmesan, roquette", ["carpaccio"], False),
        ("Antipasti", "10.50", "Assortiment de charcuterie et légumes", ["antipasti"], False),
    ],
    "Pâtes": [
        ("Spaghetti carbonara", "12.00", "Guanciale, œuf, pecorino", ["carbonara"], False),
        ("Penne arrabbiata", "10.50", "Sauce tomate pimentée", ["arrabiata", "penne"], False),
        ("Lasagnes", "13.00", "Bolognaise maison", ["lasagne"], False),
        ("Tagliatelles aux cèpes", "14.00", "Crème, cèpes", ["champignons"], False),
    ],
    "Desserts": [
        ("Tiramisu", "6.50", "Maison", ["tiramisu"], False),
        ("Panna cotta", "5.50", "Coulis de fruits rouges", ["panna cotta"], False),
        ("Fondant au chocolat", "6.00", "Cœur coulant", ["fondant", "chocolat"], False),
        ("Glace deux boules", "4.50", "Vanille, chocolat, pistache", ["glace"], False),
    ],
    "Boissons": [
        ("Coca-Cola 33 cl", "3.00", "", ["coca", "coke"], False),
        ("Eau pétillante 50 cl", "3.50", "", ["eau gazeuse", "san pellegrino"], False),
        ("Limonade artisanale", "3.50", "", ["limonade"], False),
        ("Bière Peroni 33 cl", "4.50", "", ["bière", "peroni"], False),
        ("Vin rouge (verre)", "5.00", "Montepulciano", ["vin"], False),
    ],
}

# name → (true facts, false facts): dietary tags and allergens the demo owner has filled in.
# Anything not listed stays unknown, as on a real menu ("Panna cotta" may hold gelatine).
_PIZZA = ("gluten", "milk")
PIZZERIA_FACTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Margherita": (("vegetarian", *_PIZZA), ("vegan", "nuts", "fish", "eggs")),
    "Regina": (_PIZZA, ("vegetarian", "halal")),
    "Quatre fromages": (("vegetarian", *_PIZZA), ("vegan",)),
    "Pepperoni": (_PIZZA, ("vegetarian", "halal")),
    "Calzone": (("eggs", *_PIZZA), ("vegetarian",)),
    "Diavola": (_PIZZA, ("vegetarian",)),
    "Végétarienne": (("vegetarian", *_PIZZA), ("vegan", "nuts")),
    "Napolitaine": (("gluten", "fish"), ("vegetarian", "milk")),
    "Burrata": (("vegetarian", *_PIZZA), ("vegan",)),
    "Savoyarde": (_PIZZA, ("vegetarian",)),
    "Bruschetta": (("vegan", "gluten"), ("nuts",)),
    "Salade César": (("gluten", "milk", "eggs", "fish", "mustard"), ("vegetarian",)),
    "Carpaccio de bœuf": (("milk",), ("vegetarian",)),
    "Antipasti": ((), ("vegetarian",)),
    "Spaghetti carbonara": (("gluten", "eggs", "milk"), ("vegetarian",)),
    "Penne arrabbiata": (("vegan", "gluten"), ()),
    "Lasagnes": (("gluten", "eggs", "milk", "celery"), ("vegetarian",)),
    "Tagliatelles aux cèpes": (("vegetarian", "gluten", "eggs", "milk"), ()),
    "Tiramisu": (("vegetarian", "eggs", "milk", "gluten"), ("nuts",)),
    "Panna cotta": (("milk",), ()),
    "Fondant au chocolat": (("vegetarian", "eggs", "milk", "gluten"), ()),
    "Glace deux boules": (("vegetarian", "milk", "nuts"), ()),
    "Coca-Cola 33 cl": (("vegan",), ()),
    "Eau pétillante 50 cl": (("vegan",), ()),
    "Limonade artisanale": (("vegan",), ()),
    "Bière Peroni 33 cl": (("gluten",), ()),
    "Vin rouge (verre)": (("sulphites",), ()),
}


def _facts_field(key: str) -> str:
    return tag_field(key) if key in DIETARY_TAGS else allergen_field(key)


SALON_SERVICES = [
    ("Women's cut", 45, "48.00"),
    ("Men's cut", 30, "28.00"),
    ("Colour", 90, "75.00"),
    ("Blow-dry", 30, "30.00"),
]
SALON_STAFF = ["Emma", "Lucas", "Chloé"]

DURAND_SERVICES = [("Bilan patrimonial", 60, "120.00"), ("Conseil fiscal", 45, "90.00")]


class Command(BaseCommand):
    help = "Create (or complete) the demo business with three stores. Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also add three months of past calls and orders to the pizzeria (once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD)
        with transaction.atomic():
            owner = self._user(OWNER_EMAIL, password, first_name="Camille", last_name="Demo")
            self._user(ADMIN_EMAIL, password, first_name="Admin", last_name="Kalliky", superuser=True)
            business, _ = Business.objects.get_or_create(
                owner=owner, name="Kalliky Démo", defaults={"type": Business.Type.RESTAURANT}
            )
            Membership.objects.get_or_create(
                user=owner, business=business, defaults={"role": Membership.Role.OWNER}
            )
            pizzeria = self._pizzeria(business)
            salon = self._salon(business)
            practice = self._practice(business)
            for store, number, plan in (
                (pizzeria, "+33100000001", PlanCode.PRO),
                (salon, "+33100000002", PlanCode.STARTER),
                (practice, "+33100000003", PlanCode.STARTER),
            ):
                self._line(store, number, plan, owner)
        if options.get("history"):
            added = add_history(pizzeria)
            if added:
                self.stdout.write(f"  {added} past calls added to {pizzeria.name} (with their orders).")
        base = settings.PUBLIC_BASE_URL
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  {base}/  —  {OWNER_EMAIL} / {password}  (admin: {ADMIN_EMAIL}, same password)")
        self.stdout.write(
            "  Pizzeria Bella Napoli +33100000001 · Elegance Hair Salon +33100000002 ·"
            " Cabinet Conseil Durand +33100000003"
        )

    # --- people ---------------------------------------------------------------------------
    def _user(self, email: str, password: str, *, superuser: bool = False, **names: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            make = User.objects.create_superuser if superuser else User.objects.create_user
            user = make(email=email, password=password, **names)
        return user

    # --- stores ---------------------------------------------------------------------------
    def _store(self, business: Business, slug: str, **fields: Any) -> Store:
        store, _ = Store.objects.get_or_create(business=business, slug=slug, defaults=fields)
        return store

    def _hours(self, store: Store, days: range, intervals: list[tuple[time, time]]) -> None:
        if store.opening_intervals.exists():
            return
        OpeningInterval.objects.bulk_create(
            OpeningInterval(store=store, weekday=d, opens=o, closes=c) for d in days for o, c in intervals
        )

    def _ai(self, store: Store, personality: str, greeting: str, upsell: bool = False) -> None:
        IntelligentAIConfig.objects.get_or_create(
            store=store,
            defaults={
                "personality": personality,
                "language": store.language,
                "greeting": greeting,
                "upsell_enabled": upsell,
            },
        )

    def _pizzeria(self, business: Business) -> Store:
        store = self._store(
            business,
            "pizzeria-bella-napoli",
            name="Pizzeria Bella Napoli",
            language="fr",
            address="12 rue de la République, 69002 Lyon",
            phone="+33478000001",
            has_products=True,
            has_reservations=True,
            delivery_enabled=True,
            tax_rate=Decimal("10.00"),
        )
        for position, (category_name, items) in enumerate(PIZZERIA_MENU.items()):
            category, _ = Category.objects.get_or_create(
                store=store, name=category_name, defaults={"sort_order": position}
            )
            for order, (name, price, description, keywords, sized) in enumerate(items):
                product, created = Product.objects.get_or_create(
                    store=store,
                    name=name,
                    defaults={
                        "category": category,
                        "price": Decimal(price),
                        "description": description,
                        "ai_keywords": keywords,
                        "sort_order": order,
                    },
                )
                yes, no = PIZZERIA_FACTS.get(name, ((), ()))
                facts = {_facts_field(k): True for k in yes} | {_facts_field(k): False for k in no}
                # Fill what is still unknown; what the owner already said is theirs.
                unknown = {f: v for f, v in facts.items() if getattr(product, f) is None}
                if unknown:
                    for field_name, value in unknown.items():
                        setattr(product, field_name, value)
                    product.save(update_fields=list(unknown))
                if created and sized:
                    ProductVariation.objects.bulk_create(
                        [
                            ProductVariation(
                                product=product,
                                type="size",
                                name="Taille",
                                value=size,
                                price=product.price + delta,
                                is_default=size == "Moyenne",
                                sort_order=i,
                            )
                            for i, (size, delta) in enumerate(SIZES)
                        ]
                        + [
                            ProductVariation(
                                product=product,
                                type="extra",
                                name="Supplément",
                                value=extra,
                                price_delta=Decimal(cost),
                                sort_order=10 + i,
                            )
                            for i, (extra, cost) in enumerate(PIZZA_EXTRAS)
                        ]
                    )
        for n, seats in enumerate((2, 2, 4, 4, 4, 6, 8), start=1):
            ServiceResource.objects.get_or_create(
                store=store, type="table", name=f"Table {n}", defaults={"capacity": seats}
            )
        self._hours(store, range(1, 7), [(time(11, 30), time(14, 30)), (time(18, 30), time(23, 0))])
        self._ai(store, "amical", "Bonjour, Pizzeria Bella Napoli, que puis-je pour vous ?", upsell=True)
        return store

    def _salon(self, business: Business) -> Store:
        store = self._store(
            business,
            "elegance-hair-salon",
            name="Elegance Hair Salon",
            language="en",
            address="5 avenue Montaigne, 75008 Paris",
            phone="+33140000002",
            has_products=False,
            timezone="Europe/Paris",
        )
        schedule = {
            "working_hours": {"mon-fri": ["09:00", "19:00"], "sat": ["09:00", "17:00"]},
            "slot_config": {"interval_minutes": 15, "buffer_minutes": 5},
            "booking_rules": {"min_notice_hours": 2, "max_days_ahead": 60},
        }
        services = []
        for order, (name, minutes, price) in enumerate(SALON_SERVICES):
            service, _ = UniversalService.objects.get_or_create(
                store=store,
                name=name,
                defaults={
                    "pattern": UniversalService.Pattern.FIXED_SLOTS,
                    "duration_minutes": minutes,
                    "price": Decimal(price),
                    "schedule_config": schedule,
                    "sort_order": order,
                    "custom_fields": [
                        {
                            "name": "hair_length",
                            "type": "choice",
                            "required": False,
                            "config": {"choices": ["short", "medium", "long"]},
                        }
                    ],
                },
            )
            services.append(service)
        for name in SALON_STAFF:
            stylist, created = ServiceResource.objects.get_or_create(store=store, type="staff", name=name)
            if created:
                stylist.services.set(services)
        self._hours(store, range(0, 6), [(time(9, 0), time(19, 0))])
        self._ai(store, "professionnel", "Hello, Elegance Hair Salon, how can I help you today?")
        return store

    def _practice(self, business: Business) -> Store:
        store = self._store(
            business,
            "cabinet-conseil-durand",
            name="Cabinet Conseil Durand",
            language="fr",
            address="8 quai des Chartrons, 33000 Bordeaux",
            phone="+33556000003",
            has_products=False,
            has_consultations=True,
        )
        for order, (name, minutes, price) in enumerate(DURAND_SERVICES):
            UniversalService.objects.get_or_create(
                store=store,
                name=name,
                defaults={
                    "pattern": UniversalService.Pattern.AVAILABILITY,
                    "duration_minutes": minutes,
                    "price": Decimal(price),
                    "sort_order": order,
                },
            )
        ServiceResource.objects.get_or_create(store=store, type="staff", name="Maître Durand")
        self._hours(store, range(0, 5), [(time(9, 0), time(12, 30)), (time(14, 0), time(18, 0))])
        self._ai(store, "professionnel", "Cabinet Conseil Durand, bonjour. En quoi puis-je vous aider ?")
        return store

    def _line(self, store: Store, number: str, plan: str, owner: User) -> None:
        PhoneNumber.objects.get_or_create(
            number=number,
            defaults={
                "business": store.business,
                "store": store,
                "status": PhoneNumber.Status.ACTIVE,
                "country": "FR",
                "activated_at": timezone.now(),
                "monthly_price": Decimal("1.00"),
            },
        )
        Subscription.objects.get_or_create(
            store=store,
            defaults={"business": store.business, "plan": plan, "status": Subscription.Status.TRIALING},
        )
        NotificationConfig.objects.get_or_create(
            business=store.business,
            store=store,
            action_type=ActionType.NEW_ORDER,
            channel=Channel.EMAIL,
            defaults={"recipients": [owner.email]},
        )
