from __future__ import annotations

from django.utils import timezone

from accounts.models import Business
from stores.models import Customer, CustomerBehavior


def customer_touch(*, business: Business, phone: str, name: str = "") -> Customer | None:
    """The business's customer for this phone (created on first contact), or None without a phone."""
    if not phone:
        return None
    customer, created = Customer.objects.get_or_create(
        business=business, phone=phone, defaults={"name": name}
    )
    if created:
        CustomerBehavior.objects.create(customer=customer)
        return customer
    customer.last_seen = timezone.now()
    fields = ["last_seen", "updated_at"]
    if name and not customer.name:
        customer.name = name
        fields.append("name")
    customer.save(update_fields=fields)
    return customer
