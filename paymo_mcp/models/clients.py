"""Clients (`/api/clients`): the companies a Paymo account bills."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from paymo_mcp.client.uploads import check_image_url
from paymo_mcp.models.common import InputModel, ListFilters, ReadModel, partial_model

# Paymo takes a logo only as a multipart upload (clients.md): the server fetches this URL and uploads it.
ImageUrl = Annotated[
    str,
    AfterValidator(check_image_url),
    Field(description="Logo: http(s) URL of a JPEG, PNG or GIF up to 2 MB; fetched and uploaded."),
]


class Client(ReadModel):
    name: str | None = None
    active: bool | None = None


class ClientFilters(ListFilters):
    active: bool | None = Field(None, description="true: active clients only; false: archived only.")


class ClientCreate(InputModel):
    name: str = Field(min_length=1, description="Client (company) name.")
    address: str | None = Field(None, description="Street address.")
    city: str | None = Field(None, description="City.")
    state: str | None = Field(None, description="State or region.")
    postal_code: str | None = Field(None, description="Postal or ZIP code.")
    country: str | None = Field(None, description="Country name.")
    phone: str | None = Field(None, description="Phone number.")
    fax: str | None = Field(None, description="Fax number.")
    email: str | None = Field(None, description="Billing e-mail address.")
    website: str | None = Field(None, description="Website URL.")
    fiscal_information: str | None = Field(None, description="Tax/VAT details shown on invoices.")
    image: ImageUrl | None = None


ClientUpdate = partial_model(
    "ClientUpdate",
    ClientCreate,
    clearable=frozenset(set(ClientCreate.model_fields) - {"name", "image"}),
    extra={"active": (bool | None, Field(None, description="false archives the client; true restores it."))},
)
