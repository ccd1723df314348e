"""Which businesses and stores a user may act on: the one place that decides.

Every selector and service reaches tenant data through these helpers. An id that belongs to
another tenant is answered exactly like an id that does not exist (404), so nothing leaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from kalliky.errors import PermissionDenied

if TYPE_CHECKING:
    from accounts.models import Business, User
    from stores.models import Store


def businesses_for(user: User) -> QuerySet[Business]:
    from accounts.models import Business

    if not user.is_authenticated:
        return Business.objects.none()
    return Business.objects.filter(memberships__user=user).distinct()


def stores_for(user: User) -> QuerySet[Store]:
    from stores.models import Store

    if not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(business__memberships__user=user)


def managed_business_ids(user: User) -> set[int]:
    from accounts.models import Membership

    return set(
        Membership.objects.filter(
            user=user, role__in=(Membership.Role.OWNER, Membership.Role.MANAGER)
        ).values_list("business_id", flat=True)
    )


def access_business(user: User, business_id: int, *, manage: bool = False) -> Business:
    business = businesses_for(user).filter(pk=business_id).first()
    if business is None:
        raise Http404("Business not found.")
    if manage and business.pk not in managed_business_ids(user):
        raise PermissionDenied("Only an owner or a manager of this business can change it.")
    return business


def access_store(user: User, store_id: int, *, manage: bool = False) -> Store:
    """The store if the user is a member of its business; 404 otherwise.

    `manage=True` further requires the owner or manager role (staff may read and move orders
    and tickets, not change the store's configuration)."""
    store = stores_for(user).select_related("business").filter(pk=store_id).first()
    if store is None:
        raise Http404("Store not found.")
    if manage and store.business_id not in managed_business_ids(user):
        raise PermissionDenied("Only an owner or a manager of this business can change this store.")
    return store
