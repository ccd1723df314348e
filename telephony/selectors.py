"""Read paths about calls for the pages, the exports and the API: what a call produced, which
call produced a row, and the store cards of the dashboard home.

Stores rows do not know calls: a call reaches what it produced through its conversation
(Call.conversation → ai.ConversationOutcome), plus its own line in the customer's history
(Call.exchange). Decision 0032."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from ai.models import AIConversationSession, AnalysisSuggestion
from stores.access import stores_for
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking, Source, Store
from stores.selectors import count_today
from telephony.models import Call, PhoneNumber


# --- what a call produced ----------------------------------------------------------------------------
# By the call's id, not the instance's conversation_id: an instance read before the assistant
# answered (a page's, a test's) still finds what the call produced since.
def _conversation(call: Call | int) -> Subquery:
    pk = call.pk if isinstance(call, Call) else call
    return Subquery(Call.objects.filter(pk=pk).values("conversation_id")[:1])


def _of_call(model: type, call: Call | int) -> QuerySet:
    return model.objects.filter(conversation_outcome__conversation_id=_conversation(call))


def conversations_of_call(call: Call | int) -> QuerySet[AIConversationSession]:
    """The call's conversation, as a query (empty when the assistant held none)."""
    return AIConversationSession.objects.filter(pk=_conversation(call))


def conversation_of_call(call: Call | int) -> AIConversationSession | None:
    return conversations_of_call(call).first()


def orders_of_call(call: Call | int) -> QuerySet[Order]:
    return _of_call(Order, call)


def reservations_of_call(call: Call | int) -> QuerySet[Reservation]:
    return _of_call(Reservation, call)


def service_bookings_of_call(call: Call | int) -> QuerySet[ServiceBooking]:
    return _of_call(ServiceBooking, call)


def consultations_of_call(call: Call | int) -> QuerySet[Consultation]:
    return _of_call(Consultation, call)


def exchanges_of_call(call: Call | int) -> QuerySet[CustomerExchange]:
    """The exchanges its conversation recorded (complaints) and the call's own history line."""
    pk = call.pk if isinstance(call, Call) else call
    own = Subquery(Call.objects.filter(pk=pk).values("exchange_id")[:1])
    return CustomerExchange.objects.filter(
        Q(conversation_outcome__conversation_id=_conversation(call)) | Q(pk=own)
    )


def suggestions_of_call(call: Call | int) -> QuerySet[AnalysisSuggestion]:
    return AnalysisSuggestion.objects.filter(conversation_id=_conversation(call))


def calls_with_orders(call_ids: list[int]) -> set[int]:
    """Which of these calls produced an order (one query for a page of calls)."""
    made = Order.objects.filter(conversation_outcome__conversation_id=OuterRef("conversation_id"))
    return set(Call.objects.filter(pk__in=call_ids).filter(Exists(made)).values_list("pk", flat=True))


# --- which call produced a row -----------------------------------------------------------------------
def call_of(row: Order | Reservation | ServiceBooking | Consultation | CustomerExchange) -> Call | None:
    """The call that produced the row (None for a row made on the dashboard, by the API, in a
    chat with the assistant)."""
    if isinstance(row, CustomerExchange):
        found = Call.objects.filter(Q(conversation__outcomes__exchange=row) | Q(exchange=row))
    else:
        field = {Order: "order", Reservation: "reservation", ServiceBooking: "service_booking",
                 Consultation: "consultation"}[type(row)]  # fmt: skip
        found = Call.objects.filter(**{f"conversation__outcomes__{field}": row})
    return found.first()


def call_of_order(order: Order) -> Call | None:
    return call_of(order)


def call_id_of(row: Any) -> int | None:
    call = call_of(row)
    return call.pk if call is not None else None


def call_id_of_conversation(conversation_id: int | None) -> int | None:
    if conversation_id is None:
        return None
    return Call.objects.filter(conversation_id=conversation_id).values_list("pk", flat=True).first()


def call_of_conversation_subquery(field: str = "conversation_id") -> Subquery:
    """For `.annotate()`: the call whose conversation is the row's `field`."""
    return Subquery(Call.objects.filter(conversation_id=OuterRef(field)).values("pk")[:1])


def call_id_subquery() -> Subquery:
    """For `.annotate()` on orders, bookings or exchanges: the call that produced each row."""
    return call_of_conversation_subquery("conversation_outcome__conversation_id")


# --- the dashboard home's store cards ----------------------------------------------------------------
@dataclass(frozen=True)
class StoreCard:
    store: Store
    numbers: list[PhoneNumber]
    calls_today: int
    orders_today: int


def store_cards_for(user: User) -> list[StoreCard]:
    """The dashboard home: each store with its numbers and today's calls and orders.

    Four queries whatever the number of stores (stores, numbers, one grouped count each for
    calls and orders); 'today' is each store's own local day, stores grouped by time zone."""
    stores = list(
        stores_for(user)
        .select_related("business")
        .prefetch_related(
            # A number still being bought has no digits yet (placeholder): not shown here.
            Prefetch(
                "phone_numbers",
                queryset=PhoneNumber.objects.filter(number__startswith="+").order_by("number"),
            )
        )
        .order_by("business__name", "name")
    )
    if not stores:
        return []
    now = timezone.now()
    by_tz: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        by_tz[store.timezone].append(store.pk)
    calls = count_today(Call.objects.all(), "started_at", by_tz, now)
    # Orders placed while testing the assistant (sandbox) are not business: keep them out of stats.
    orders = count_today(Order.objects.exclude(source=Source.TEST), "created_at", by_tz, now)
    return [
        StoreCard(
            store=s,
            numbers=list(s.phone_numbers.all()),
            calls_today=calls.get(s.pk, 0),
            orders_today=orders.get(s.pk, 0),
        )
        for s in stores
    ]
