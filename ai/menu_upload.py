"""Menu import, the write side: a file is stored and queued (menu_upload_create), read by the
worker with its progress saved as it goes (menu_upload_extract), then the rows the owner reviewed
are written to the catalog, once (menu_upload_apply). Reading the file is ai/menu_import/."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from ai import menu_import
from ai.menu_import import CatalogEntry, MenuImportError
from ai.models import MenuUpload
from kalliky.errors import Conflict, ValidationFailed
from stores.models import Store
from stores.services.catalog import ImportedItem, catalog_import, template_items_remove

log = logging.getLogger(__name__)

# A reading with no progress for this long lost its worker: a redelivered task may take it over.
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ReviewedRow:
    """One line of the review table as the owner left it."""

    action: Literal["create", "update", "skip"]
    name: str = ""
    price: str = ""
    category: str = ""
    description: str = ""
    product_id: int | None = None
    variations: tuple[menu_import.Size, ...] = ()
    dietary: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()


class RowsInvalid(ValidationFailed):
    """Every problem of the review table at once, each naming its row and field
    ("rows.2.price", the index in the posted list), so the page marks them all in one go."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(" ".join(p["message"] for p in problems), field=problems[0]["field"])
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, "errors": self.problems}


# --- upload -------------------------------------------------------------------------------------
def menu_upload_create(*, store: Store, user: User, file_name: str, data: bytes, language: str) -> MenuUpload:
    """Store the file and queue its reading; raises ValidationFailed (field "file") for a file
    too large or of a kind we cannot read."""
    if len(data) > menu_import.MAX_BYTES:
        raise ValidationFailed(menu_import.too_large_message(), field="file")
    if not data:
        raise ValidationFailed(_("The file is empty."), field="file")
    try:
        kind = menu_import.detect_kind(file_name, data[:4096])
    except MenuImportError as exc:
        raise ValidationFailed(exc.message, field="file") from None
    upload = MenuUpload.objects.create(
        store=store,
        uploaded_by=user,
        file_name=file_name[-255:],
        kind=kind,
        size=len(data),
        content=data,
        language=language,
    )
    from ai.tasks import extract_menu  # ai.tasks imports this module: its task runs menu_upload_extract

    # After the commit, so the worker finds the row.
    transaction.on_commit(partial(extract_menu.delay, upload.pk))
    return upload


# --- reading ------------------------------------------------------------------------------------
def _save_progress(upload_id: int, percent: int) -> None:
    # An UPDATE of its own, committed at once, so the page's polling sees the bar move.
    MenuUpload.objects.filter(pk=upload_id).update(progress=percent, updated_at=timezone.now())


def _fail(upload: MenuUpload, message: str) -> MenuUpload:
    upload.status, upload.error, upload.progress = MenuUpload.Status.FAILED, message, 100
    upload.save(update_fields=["status", "error", "progress", "updated_at"])
    return upload


def menu_upload_extract(upload_id: int) -> MenuUpload | None:
    """Read a queued upload into rows matched against the store's catalog (the body of the
    ai.extract_menu task). Progress: 5 % claimed, 10–85 % reading, 90 % matching, 100 % done.
    Any failure ends the upload FAILED with a message for the owner; None when there was nothing
    to do (already read, or gone)."""
    now = timezone.now()
    claimable = Q(status=MenuUpload.Status.QUEUED) | Q(
        status=MenuUpload.Status.RUNNING, updated_at__lt=now - STALE_AFTER
    )
    claimed = MenuUpload.objects.filter(claimable, pk=upload_id).update(
        status=MenuUpload.Status.RUNNING, progress=5, error="", updated_at=now
    )
    if not claimed:
        return None
    upload = MenuUpload.objects.select_related("store").get(pk=upload_id)
    shown = [5]

    def on_progress(fraction: float) -> None:
        percent = 10 + int(max(0.0, min(fraction, 1.0)) * 75)
        if percent > shown[-1]:
            shown.append(percent)
            _save_progress(upload.pk, percent)

    with translation.override(upload.language):
        try:
            on_progress(0.0)
            rows = menu_import.extract(upload.kind, bytes(upload.content), on_progress=on_progress)
            _save_progress(upload.pk, 90)
            catalog = [
                CatalogEntry(product_id=pk, name=name, price=f"{price:.2f}")
                for pk, name, price in upload.store.products.values_list("pk", "name", "price")
            ]
            rows = menu_import.match_rows(rows, catalog)
        except MenuImportError as exc:
            return _fail(upload, exc.message)
        except Exception:
            # openpyxl, pypdf and friends raise whatever a hostile file makes them raise: the owner
            # gets a way forward, the log keeps the trace.
            log.exception("menu upload %s (%s) could not be read", upload.pk, upload.kind)
            return _fail(
                upload, _("This file could not be read: try another format (CSV or Excel works best).")
            )
    upload.rows = [row.as_dict() for row in rows]
    upload.status, upload.progress = MenuUpload.Status.DONE, 100
    upload.save(update_fields=["rows", "status", "progress", "updated_at"])
    return upload


# --- import -------------------------------------------------------------------------------------
def _price_problem(text: str) -> str | None:
    cleaned = text.strip()
    if not cleaned:
        return _("the price is missing")
    if cleaned.startswith("-"):
        return _("the price cannot be negative")
    if menu_import.parse_price(cleaned) is None:
        return _("“%(price)s” is not a price (write it like 9.50)") % {"price": cleaned[:20]}
    return None


def _problems(row: ReviewedRow, *, known: set[int], updated: dict[int, int]) -> list[tuple[str, str]]:
    """What is wrong with a row to create or update, as (field, message) pairs."""
    found: list[tuple[str, str]] = []
    name = row.name.strip()
    if not name:
        found.append(("name", _("the name is empty")))
    elif len(name) > menu_import.NAME_MAX:
        found.append(
            ("name", _("the name is longer than %(max)s characters") % {"max": menu_import.NAME_MAX})
        )
    if problem := _price_problem(row.price):
        found.append(("price", problem))
    if row.action == "update":
        if row.product_id is None:
            found.append(("product_id", _("choose the existing item to update")))
        elif row.product_id not in known:
            found.append(("product_id", _("the item to update is not in this store's menu")))
        elif row.product_id in updated:
            other = updated[row.product_id] + 1
            found.append(("product_id", _("row %(other)s already updates this item") % {"other": other}))
    labels = [size.name.strip().casefold() for size in row.variations]
    if not all(labels) or len(labels) != len(set(labels)):
        found.append(("variations", _("each size needs its own name")))
    for size in row.variations:
        if problem := _price_problem(size.price):
            found.append(
                ("variations", _("size %(size)s: %(problem)s") % {"size": size.name, "problem": problem})
            )
    return found


def _imported_item(row: ReviewedRow) -> ImportedItem:
    """The catalog's view of a row _problems found nothing wrong with."""
    sizes: tuple[tuple[str, Decimal], ...] = ()
    if row.action == "create":
        sizes = tuple(
            (v.name.strip(), menu_import.parse_price(v.price) or Decimal(0)) for v in row.variations
        )
    return ImportedItem(
        name=row.name.strip(),
        price=menu_import.parse_price(row.price) or Decimal(0),
        category=row.category.strip()[: menu_import.CATEGORY_MAX],
        description=row.description.strip(),
        product_id=row.product_id if row.action == "update" else None,
        sizes=sizes,
        dietary=row.dietary,
        allergens=row.allergens,
    )


def _not_importable(upload: MenuUpload) -> Conflict:
    if upload.status == MenuUpload.Status.IMPORTED:
        when = formats.date_format(timezone.localtime(upload.imported_at), "SHORT_DATETIME_FORMAT")
        return Conflict(
            _("This menu was already imported (%(when)s): upload the file again to import it again.")
            % {"when": when}
        )
    if upload.status == MenuUpload.Status.FAILED:
        return Conflict(_("This file could not be read, so there is nothing to import."))
    return Conflict(_("This file is still being read: wait for the review table."))


def template_leftovers(upload: MenuUpload) -> list[dict[str, Any]]:
    """The items a sector template put in the store that this menu does not have (by name,
    ignoring case, or by the row's match): the review offers to remove them. `suggested` when
    never ordered, so nobody's order history points at them."""
    if upload.status != MenuUpload.Status.DONE:
        return []
    names = {str(row.get("name", "")).strip().casefold() for row in upload.rows}
    matched = {(row.get("match") or {}).get("product_id") for row in upload.rows}
    products = (
        upload.store.products.filter(from_template=True)
        .annotate(orders=Count("order_items"))
        .order_by("sort_order", "name")
    )
    return [
        {"product_id": p.pk, "name": p.name, "ordered": p.orders > 0, "suggested": p.orders == 0}
        for p in products
        if p.name.casefold() not in names and p.pk not in matched
    ]


def menu_upload_apply(
    *, upload: MenuUpload, rows: Sequence[ReviewedRow], remove_template_ids: Sequence[int] = ()
) -> dict[str, int]:
    """Write the reviewed rows to the store's catalog in one transaction, once per upload:
    Conflict when the upload is not ready or already imported, RowsInvalid (nothing written)
    when any row to create or update is wrong. `remove_template_ids`: items a sector template put
    there that the owner chose to drop (only such items go). Returns the counts shown."""
    with transaction.atomic():
        # Claimed by a conditional UPDATE: of two imports racing, the second finds it IMPORTED.
        claimed = MenuUpload.objects.filter(pk=upload.pk, status=MenuUpload.Status.DONE).update(
            status=MenuUpload.Status.IMPORTED, imported_at=timezone.now()
        )
        if not claimed:
            upload.refresh_from_db(fields=["status", "imported_at"])
            raise _not_importable(upload)
        wanted = {row.product_id for row in rows if row.action == "update" and row.product_id is not None}
        known = set(upload.store.products.filter(pk__in=wanted).values_list("pk", flat=True))
        problems: list[dict[str, Any]] = []
        updated: dict[int, int] = {}  # product id → index of the row that updates it
        items: list[ImportedItem] = []
        for index, row in enumerate(rows):
            if row.action == "skip":
                continue
            found = _problems(row, known=known, updated=updated)
            problems += [
                {
                    "field": f"rows.{index}.{field}",
                    "row": index,
                    "message": _("Row %(row)s: %(problem)s.") % {"row": index + 1, "problem": message},
                }
                for field, message in found
            ]
            if row.action == "update" and row.product_id is not None:
                updated.setdefault(row.product_id, index)
            if not found:
                items.append(_imported_item(row))
        if problems:
            raise RowsInvalid(problems)  # the atomic block rolls the claim back: still DONE
        counts = catalog_import(store=upload.store, items=items)
        # A template item this import updates is the owner's now: it is never removed.
        removed = template_items_remove(
            store=upload.store, product_ids=[i for i in remove_template_ids if i not in updated]
        )
        result = {
            "removed": removed,
            "created": counts.created,
            "updated": counts.updated,
            "skipped": sum(1 for row in rows if row.action == "skip"),
            "categories_created": counts.categories_created,
        }
        # The file has served its purpose; its rows stay, as the record of what was imported.
        MenuUpload.objects.filter(pk=upload.pk).update(result=result, content=b"", updated_at=timezone.now())
    upload.refresh_from_db(fields=["status", "imported_at", "result", "updated_at"])
    return result
