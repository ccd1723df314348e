"""Which businesses a user may act on. An id that belongs to another tenant is answered exactly
like an id that does not exist (404), so nothing leaks. The stores of those businesses:
stores.access."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Business, Membership, User
from kalliky.errors import PermissionDenied


def businesses_for(user: User) -> QuerySet[Business]:
    if not user.is_authenticated:
        return Business.objects.none()
    return Business.objects.filter(memberships__user=user).distinct()


def managed_business_ids(user: User) -> set[int]:
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
