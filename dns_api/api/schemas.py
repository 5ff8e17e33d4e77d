"""Request bodies and reply shapes of the HTTP API (the original field names)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from dns_api.domain.records import MAX_CONTENT_LENGTH


class RecordCreateBody(BaseModel):
    """``POST /records``. Unknown fields are ignored, as the original did."""

    model_config = ConfigDict(extra="ignore")

    domain_type: StrictStr = Field(max_length=16, examples=["CNAME"])
    domain: StrictStr = Field(max_length=253, examples=["example.com"])
    subdomain: StrictStr = Field(max_length=253, examples=["api"])
    to: StrictStr = Field(max_length=MAX_CONTENT_LENGTH, examples=["api.example.org"])
    ttl: StrictInt | None = Field(default=None, examples=[300])
    priority: StrictInt | None = Field(default=None, examples=[10])


class RecordUpdateBody(BaseModel):
    """``PATCH /records/<id>``: the new value."""

    model_config = ConfigDict(extra="ignore")

    to: StrictStr = Field(max_length=MAX_CONTENT_LENGTH, examples=["203.0.113.7"])
    ttl: StrictInt | None = Field(default=None, examples=[300])
    priority: StrictInt | None = Field(default=None, examples=[10])


class RecordOut(BaseModel):
    id: int
    type: str = "record"
    domain_key: str
    domain_type: str
    domain: str
    subdomain: str
    to: str
    ttl: int
    priority: int | None
    fqdn: str
    fqdn_unicode: str
    dnsimple_record_id: int
    created: str
    updated: str
    created_by: str
