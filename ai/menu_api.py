"""Menu import API: send a menu file, follow its reading, import the rows the owner reviewed.

POST /api/ai/menu-upload (multipart: store_id, file) queues the reading and answers 202;
GET /api/ai/upload-status/{id} shows its progress, then the rows; POST /api/ai/process-menu
writes the reviewed rows, once. Uploads are reached through the user's stores (another tenant's
is a 404) and importing changes the catalog, so it takes an owner or a manager."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.security import django_auth
from pydantic import Field, field_validator

from ai import menu_import
from ai.menu_upload import ReviewedRow, menu_upload_apply, menu_upload_create, template_leftovers
from ai.models import MenuUpload
from kalliky.errors import ValidationFailed
from stores.access import access_store, stores_for
from stores.models.dietary import ALLERGENS, DIETARY_TAGS

router = Router(tags=["menu import"], auth=django_auth)


def _as_text(value: object) -> object:
    # The review table sends what the owner typed ("9,50"); a script may send a number.
    return "" if value is None else str(value) if isinstance(value, int | float) else value


class SizeSchema(Schema):
    name: str = Field(max_length=120)
    price: str = Field(max_length=40)

    _price_text = field_validator("price", mode="before")(_as_text)


class MatchOut(Schema):
    product_id: int
    name: str
    price: str
    score: int


class RowOut(Schema):
    category: str
    name: str
    description: str
    price: str
    variations: list[SizeSchema]
    warning: str
    match: MatchOut | None
    dietary: list[str] = Field(default_factory=list, description="Dietary tags the file gives it.")
    allergens: list[str] = Field(default_factory=list, description="Allergens the file says it contains.")


class LeftoverOut(Schema):
    product_id: int
    name: str
    ordered: bool = Field(description="Already in an order (its lines are kept either way).")
    suggested: bool = Field(description="Offered ticked: from a template and never ordered.")


class UploadOut(Schema):
    id: int
    store_id: int
    file_name: str
    kind: str
    status: str
    progress: int
    error: str
    rows: list[RowOut] = Field(description="The rows found, once the status is done.")
    result: dict[str, int] = Field(description="Counts of the import, once the status is imported.")
    template_leftovers: list[LeftoverOut] = Field(
        default_factory=list,
        description="Items a sector template added that this menu does not have, once done.",
    )
    created_at: datetime
    imported_at: datetime | None

    @staticmethod
    def resolve_template_leftovers(obj: MenuUpload) -> list[dict[str, Any]]:
        return template_leftovers(obj)


class RowIn(Schema):
    action: Literal["create", "update", "skip"]
    category: str = Field(default="", max_length=menu_import.CATEGORY_MAX)
    name: str = Field(default="", max_length=menu_import.NAME_MAX)
    description: str = Field(default="", max_length=menu_import.DESCRIPTION_MAX)
    price: str = Field(default="", max_length=40, description='As typed: "9.50", "9,50 €"…')
    product_id: int | None = Field(default=None, description="The item to update (action update).")
    variations: list[SizeSchema] = Field(
        default_factory=list, max_length=20, description="Sizes of a new item."
    )
    dietary: list[Literal[DIETARY_TAGS]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Tags the item has (others stay as they are, unknown if new)."
    )
    allergens: list[Literal[ALLERGENS]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Allergens the item contains (others stay as they are)."
    )

    _price_text = field_validator("price", mode="before")(_as_text)


class ProcessIn(Schema):
    upload_id: int
    rows: list[RowIn] = Field(min_length=1, max_length=menu_import.MAX_ROWS)
    remove_template_ids: list[int] = Field(
        default_factory=list,
        max_length=500,
        description="Template items to delete (see template_leftovers); other ids are ignored.",
    )


class ProcessOut(Schema):
    upload_id: int
    status: str
    created: int
    updated: int
    skipped: int
    categories_created: int
    removed: int = 0


def _upload(request: HttpRequest, upload_id: int) -> MenuUpload:
    # The file stays in the database (content): polled every half second, it is never loaded.
    upload = (
        MenuUpload.objects.defer("content")
        .select_related("store")
        .filter(pk=upload_id, store__in=stores_for(request.user))
        .first()
    )
    if upload is None:
        raise Http404("Upload not found.")
    access_store(request.user, upload.store_id, manage=True)
    return upload


@router.post("/menu-upload", response={202: UploadOut}, summary="Send a menu file to read")
def menu_upload(request: HttpRequest, store_id: Form[int], file: File[UploadedFile]) -> Status:
    """CSV, Excel (.xlsx), PDF or a photo (JPEG, PNG, WebP), 5 MB at most. The reading runs in
    the background: follow it with GET /api/ai/upload-status/{id}."""
    store = access_store(request.user, store_id, manage=True)
    if file.size is not None and file.size > menu_import.MAX_BYTES:  # refused before it is read
        raise ValidationFailed(menu_import.too_large_message(), field="file")
    upload = menu_upload_create(
        store=store,
        user=request.user,
        file_name=file.name or "",
        data=file.read(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return Status(202, _upload(request, upload.pk))


@router.get("/upload-status/{upload_id}", response=UploadOut, summary="Progress and rows of an upload")
def upload_status(request: HttpRequest, upload_id: int) -> MenuUpload:
    return _upload(request, upload_id)


@router.post("/process-menu", response=ProcessOut, summary="Import the reviewed rows")
def process_menu(request: HttpRequest, payload: ProcessIn) -> dict[str, Any]:
    """Each row: create a new item, update the price (and description) of the existing item
    product_id, or skip. Every row is checked before anything is written (422 names each bad row
    and field, as rows.<index>.<field>); an upload is imported once (409 after)."""
    upload = _upload(request, payload.upload_id)
    rows = [
        ReviewedRow(
            action=row.action,
            name=row.name,
            price=row.price,
            category=row.category,
            description=row.description,
            product_id=row.product_id,
            variations=tuple(menu_import.Size(name=v.name, price=v.price) for v in row.variations),
            dietary=tuple(row.dietary),
            allergens=tuple(row.allergens),
        )
        for row in payload.rows
    ]
    result = menu_upload_apply(upload=upload, rows=rows, remove_template_ids=payload.remove_template_ids)
    return {"upload_id": upload.pk, "status": upload.status, **result}
