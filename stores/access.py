"""Which stores a user may act on: the one place that decides.

Every selector and service reaches a tenant's stores through these helpers (the businesses
themselves: accounts.access). An id that belongs to another tenant is answered exactly like an
id that does not exist (404), so nothing leaks.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import managed_business_ids
from accounts.models import User
from kalliky.errors import PermissionDenied
from stores.models import Store


def stores_for(user: User) -> QuerySet[Store]:
    if not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(business__memberships__user=user)


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
