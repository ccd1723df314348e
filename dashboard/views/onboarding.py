"""The onboarding wizard: three steps from signup to the first call — trade (a sector template
fills catalog, services, hours and notifications), catalog (keep the template, import a menu, or
later), go live (a number and a test call). Each step is saved, so a later visit resumes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Membership
from dashboard.pages import managed_store
from kalliky.errors import AppError
from stores import sectors
from stores.access import stores_for
from stores.models import OnboardingProgress, Store
from stores.services import onboarding as setup
from telephony import numbers
from telephony.models import PhoneNumber

Step = OnboardingProgress.Step
CATALOG_CHOICES = ("template", "import", "skip")


def unfinished_for(user) -> OnboardingProgress | None:  # noqa: ANN001 - a User
    """The first store the user manages whose setup is not finished (for the dashboard's nudge)."""
    # One query: the memberships that may manage go in as a subquery.
    roles = (Membership.Role.OWNER, Membership.Role.MANAGER)
    managing = Membership.objects.filter(user=user, role__in=roles).values("business_id")
    managed = Store.objects.filter(business_id__in=managing)
    return (
        OnboardingProgress.objects.filter(store__in=managed, completed_at__isnull=True)
        .select_related("store")
        .order_by("store__name")
        .first()
    )


@login_required
def onboarding_start(request: HttpRequest) -> HttpResponse:
    """Where a new owner lands after signup: the wizard of their first store not yet set up
    (stores created another way — the API, the demo — are set up from their own wizard URL)."""
    unfinished = unfinished_for(request.user)
    if unfinished is None:
        if not stores_for(request.user).exists():
            # No store at all: the signup opens the first one, then brings the owner back here.
            return redirect("billing:signup")
        return redirect("dashboard:home")
    return redirect("dashboard:onboarding", store_id=unfinished.store_id)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest, store_id: int) -> HttpResponse:
    store = managed_store(request, store_id)
    progress = setup.onboarding_progress_for(store)
    if request.method == "POST":
        return _advance(request, store, progress)
    # ?step= revisits a step already reached; never jumps ahead of the saved progress.
    wanted = request.GET.get("step", "")
    step = int(wanted) if wanted.isdigit() and 1 <= int(wanted) <= progress.step else progress.step
    store_numbers = list(
        PhoneNumber.objects.filter(store=store).exclude(status=PhoneNumber.Status.CANCELLED).order_by("number")
    )
    return render(
        request,
        "dashboard/onboarding.html",
        {
            "store": store,
            "current_store_id": store.pk,
            "progress": progress,
            "step": step,
            "steps": Step.choices,
            "sectors": sectors.SECTORS.values(),
            "counts": {
                "products": store.products.count(),
                "services": store.services.count(),
            },
            "numbers": store_numbers,
            "callable": [n for n in store_numbers if n.number.startswith("+")],
        },
    )


def _advance(request: HttpRequest, store: Store, progress: OnboardingProgress) -> HttpResponse:
    here = reverse("dashboard:onboarding", args=[store.pk])
    action = request.POST.get("action", "")
    if action == "sector":
        sector = sectors.SECTORS.get(request.POST.get("sector", ""))
        if sector is None:
            messages.error(request, _("Choose the trade closest to yours."))
            return redirect(f"{here}?step=1")
        created = sectors.apply(store, sector)
        setup.onboarding_sector_chosen(progress, sector.key)
        messages.success(
            request,
            _("Template applied: %(products)s items, %(services)s services, %(hours)s opening hours added.")
            % created,
        )
        return redirect(here)
    if action == "catalog":
        choice = request.POST.get("catalog", "")
        if choice not in CATALOG_CHOICES:
            messages.error(request, _("Choose how to fill your catalog."))
            return redirect(f"{here}?step=2")
        setup.onboarding_catalog_chosen(progress, choice)
        if choice == "import":
            # The import page brings the owner back here (step 3) once the menu is in.
            return redirect(reverse("assistant:menu_import", args=[store.pk]) + f"?next={here}")
        return redirect(here)
    if action == "number":
        try:
            numbers.number_purchase(store, request.POST.get("country", "FR") or "FR", actor=request.user)
        except AppError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Your number is being set up; it shows here within a minute or two."))
        return redirect(f"{here}?step=3")
    if action == "finish":
        setup.onboarding_finish(progress)
        done = _("%(store)s is set up. Your assistant answers its calls.") % {"store": store.name}
        messages.success(request, done)
        return redirect(reverse("dashboard:home") + f"?store={store.pk}")
    messages.error(request, _("Unknown step: reload the page."))
    return redirect(here)
