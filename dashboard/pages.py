"""Helpers shared by the dashboard's pages: the store switch, filters from the query string,
safe redirects back, and answers to the pages' own scripts (fetch)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from kalliky.errors import PermissionDenied
from stores.access import access_store, stores_for
from stores.models.store import zone_named as zone

if TYPE_CHECKING:
    from stores.models import Store

PAGE_SIZE = 25
M = TypeVar("M", bound=Model)


def scoped_stores(request: HttpRequest) -> tuple[list[int], int | None]:
    """(ids of the stores the page covers, the chosen store or None): `?store=` narrows to one
    store, someone else's store (or garbage) is a 404 like any other."""
    chosen = request.GET.get("store", "")
    if chosen:
        if not chosen.isdigit():
            raise Http404("Store not found.")
        store = access_store(request.user, int(chosen))
        return [store.pk], store.pk
    return list(stores_for(request.user).values_list("pk", flat=True)), None


def day_range(request: HttpRequest, tz_name: str | None = None) -> tuple[datetime | None, datetime | None]:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD` as local midnights (to is inclusive); bad dates ignored."""

    def parse(raw: str) -> date | None:
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    tz = zone(tz_name)
    first, last = parse(request.GET.get("from", "")), parse(request.GET.get("to", ""))
    start = datetime.combine(first, time.min, tzinfo=tz) if first else None
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz) if last else None
    return start, end


def managed_store(request: HttpRequest, store_id: int) -> Store:
    """A store the visitor may configure: another tenant's is a 404, staff get Django's 403."""
    try:
        return access_store(request.user, store_id, manage=True)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def owned(queryset: QuerySet[M], pk: int, what: str) -> M:
    """The row `pk` of an already tenant-scoped queryset; anything else is a 404."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"{what} not found.")
    return found


def is_fetch(request: HttpRequest) -> bool:
    """The page's own script asked (it wants JSON, not a redirect)."""
    return request.headers.get("x-requested-with") == "fetch"


def next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default


def query_without_page(request: HttpRequest) -> str:
    """The current filters, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
