"""``/v1/webhooks``: a user's webhook endpoints, their secrets, deliveries and delivery log.

Everything here belongs to the caller alone: another user's endpoint answers 404, as if it did
not exist. Nothing is kept in the shared response cache: the worker changes an endpoint (its
failure state, or disabling it) without touching the API's cache tags, so every read goes to
the database. Reads carry ETags (an endpoint's version, or a hash of a listing) and honour
``If-None-Match``; ``PATCH`` and ``DELETE`` honour ``If-Match`` with the version ETag.

A URL that may not be requested (a private, loopback or unresolvable address) is refused with
422 at ``/body/url``, its ``code`` saying why (``forbidden_address``, ``unresolvable_host``,
``invalid_url``). Signing secrets are shown once, when created or rotated.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.store import (
    EndpointCreate,
    EndpointPatch,
    EndpointRead,
    EndpointWithSecret,
    NotFound,
    Page,
    VersionConflict,
)
from gw2wvw.store.schemas import AttemptRead, DeliveryRead, DeliveryStatus
from gw2wvw_api.auth import Caller, UserReaderDep, WriterDep, security
from gw2wvw_api.http import (
    Representation,
    content_etag,
    expected_version,
    respond,
    version_etag,
)
from gw2wvw_api.problems import problem_responses
from gw2wvw_api.routes.common import (
    CONDITIONAL_GET,
    NO_CONTENT,
    next_link,
    read_json,
    written_json,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

_STRING = {"schema": {"type": "string"}}
_ETAG = {"description": "The endpoint's version.", **_STRING}
_NO_STORE = {"description": "``no-store``: the body holds a secret or a just-written state."}
_SECRET_HEADERS = {"ETag": _ETAG, "Cache-Control": {**_NO_STORE, **_STRING}}

CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Registered; ``secret`` signs its deliveries and is shown this once.",
        "headers": {
            "Location": {"description": "The new endpoint.", **_STRING},
            **_SECRET_HEADERS,
        },
    }
}
ROTATED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The new ``secret``, shown this once; the old one signs too until "
        "``previous_secret_expires_at``.",
        "headers": _SECRET_HEADERS,
    }
}
CHANGED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The endpoint as it is now.", "headers": _SECRET_HEADERS}
}
QUEUED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Queued: the delivery, pending; follow it at Location.",
        "headers": {"Location": {"description": "The delivery.", **_STRING}},
    }
}


class DeliveryQuery(BaseModel):
    """Filter and page of an endpoint's deliveries (newest first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: DeliveryStatus | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=100)


class AttemptQuery(BaseModel):
    """Filter and page of an endpoint's delivery log (newest first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_id: uuid.UUID | None = Field(default=None, description="Only this delivery's.")
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=100)


def _endpoint(endpoint: EndpointRead, status: int = 200) -> Response:
    headers = {"ETag": version_etag(endpoint.version)}
    if status == 201:
        headers["Location"] = f"/v1/webhooks/{endpoint.id}"
    return written_json(endpoint, status, headers)


def _page(request: Request, page: Page[Any]) -> Response:
    body = page.model_dump_json().encode()
    link = next_link(request, page.next_cursor)
    headers = {"Link": link} if link else {}
    return respond(request, Representation(body, content_etag(body), headers=headers))


def _queued(delivery: DeliveryRead) -> Response:
    where = f"/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.id}"
    return written_json(delivery, 202, {"Location": where})


@router.post(
    "",
    status_code=201,
    response_model=EndpointWithSecret,
    responses={**CREATED, **problem_responses(400, 401, 422)},
    summary="Register a webhook endpoint",
    openapi_extra=security("write"),
)
async def create_webhook(caller: WriterDep, body: EndpointCreate) -> Response:
    """Register a URL for events of the given types (``build.*``, ``composition.created``, ``*``).

    The answer carries the signing ``secret`` (``whsec_...``), shown this once: every delivery
    is signed with it as Standard Webhooks describe. ``"kind": "discord"`` takes a Discord
    webhook URL (``https://discord.com/api/webhooks/...``) instead and delivers Discord messages,
    unsigned: a composition's post, or a short message for other events.
    """
    services = caller.services
    endpoint = await services.store.webhooks.create(caller.actor, body)
    return _endpoint(endpoint, 201)


@router.get(
    "",
    response_model=Page[EndpointRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401)},
    summary="Your webhook endpoints",
    openapi_extra=security("read"),
)
async def list_webhooks(request: Request, caller: UserReaderDep) -> Response:
    """Every endpoint of the caller, oldest first (one page, no cursor)."""
    endpoints = await caller.services.store.webhooks.list(caller.actor)
    return read_json(request, Page[EndpointRead](items=tuple(endpoints), next_cursor=None))


@router.get(
    "/{webhook_id}",
    response_model=EndpointRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="One of your webhook endpoints",
    openapi_extra=security("read"),
)
async def get_webhook(request: Request, caller: UserReaderDep, webhook_id: uuid.UUID) -> Response:
    """An endpoint with its failure state (``enabled``, ``disabled_reason``, failures so far).

    Its ETag is its version, which every change bumps (the worker's too): send it back in
    ``If-Match`` to change the endpoint only if nobody else did.
    """
    endpoint = await caller.services.store.webhooks.get(caller.actor, webhook_id)
    return read_json(request, endpoint, version_etag(endpoint.version))


@router.patch(
    "/{webhook_id}",
    response_model=EndpointRead,
    responses={**CHANGED, **problem_responses(400, 401, 404, 412, 422)},
    summary="Change, enable or disable a webhook endpoint",
    openapi_extra=security("write"),
)
async def patch_webhook(
    request: Request, caller: WriterDep, webhook_id: uuid.UUID, body: EndpointPatch
) -> Response:
    """Change the given fields; ``"enabled": true`` re-enables it and clears its failures.

    Deliveries that waited while it was disabled go out once it is enabled again.
    """
    services = caller.services
    endpoint = await services.store.webhooks.update(
        caller.actor, webhook_id, body, expected_version(request)
    )
    services.notify()
    return _endpoint(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 404, 412, 422)},
    summary="Remove a webhook endpoint",
    openapi_extra=security("write"),
)
async def delete_webhook(request: Request, caller: WriterDep, webhook_id: uuid.UUID) -> Response:
    """Remove an endpoint with its deliveries and their log; with ``If-Match``, at that version."""
    services, actor = caller.services, caller.actor
    version = expected_version(request)
    async with services.store.unit_of_work() as uow:
        if version is not None:
            current = await uow.webhooks.get(actor, webhook_id)
            if current.version != version:
                raise VersionConflict("webhook endpoint", webhook_id, version, current.version)
        await uow.webhooks.delete(actor, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=EndpointWithSecret,
    responses={**ROTATED, **problem_responses(400, 401, 404, 422)},
    summary="Give a webhook endpoint a new signing secret",
    openapi_extra=security("write"),
)
async def rotate_secret(caller: WriterDep, webhook_id: uuid.UUID) -> Response:
    """A new secret, shown this once. Until ``previous_secret_expires_at`` deliveries carry two
    signatures, by the new and by the old secret, so the receiver can switch at its own pace.
    """
    services = caller.services
    endpoint = await services.store.webhooks.rotate_secret(caller.actor, webhook_id)
    return _endpoint(endpoint)


@router.post(
    "/{webhook_id}/test",
    status_code=202,
    response_model=DeliveryRead,
    responses={**QUEUED, **problem_responses(400, 401, 404, 409, 422)},
    summary="Send a test event to a webhook endpoint",
    openapi_extra=security("write"),
)
async def send_test(caller: WriterDep, webhook_id: uuid.UUID) -> Response:
    """Queue a ``webhook.test`` event for this endpoint alone (409 while it is disabled)."""
    services = caller.services
    delivery = await services.store.webhooks.send_test(caller.actor, webhook_id)
    services.notify()
    return _queued(delivery)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A webhook endpoint's deliveries",
    openapi_extra=security("read"),
)
async def list_deliveries(
    request: Request,
    caller: UserReaderDep,
    webhook_id: uuid.UUID,
    query: Annotated[DeliveryQuery, Query()],
) -> Response:
    """One delivery per event sent to this endpoint, newest first, paged by ``cursor``.

    Each says where it stands (``pending``, ``succeeded``, ``failed``), its attempts and when
    the next is due, and how the last one went.
    """
    page = await caller.services.store.deliveries.list(
        caller.actor, webhook_id, status=query.status, cursor=query.cursor, limit=query.limit
    )
    return _page(request, page)


async def _delivery(caller: Caller, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> DeliveryRead:
    """One delivery of one of the caller's endpoints (404 if it belongs to another)."""
    delivery = await caller.services.store.deliveries.get(caller.actor, delivery_id)
    if delivery.endpoint_id != webhook_id:
        raise NotFound("webhook delivery", delivery_id)
    return delivery


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    response_model=DeliveryRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="One delivery of a webhook endpoint",
    openapi_extra=security("read"),
)
async def get_delivery(
    request: Request, caller: UserReaderDep, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> Response:
    """One delivery: its status, attempts, next attempt and the last answer."""
    return read_json(request, await _delivery(caller, webhook_id, delivery_id))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
    responses={**QUEUED, **problem_responses(400, 401, 404, 409, 422)},
    summary="Send a delivery again",
    openapi_extra=security("write"),
)
async def redeliver(caller: WriterDep, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> Response:
    """Send it again now, whatever its state, with a fresh retry schedule (409 if disabled).

    The receiver gets the same ``webhook-id``, so it can tell a redelivery from a new event.
    """
    services = caller.services
    await _delivery(caller, webhook_id, delivery_id)
    delivery = await services.store.deliveries.redeliver(caller.actor, delivery_id)
    services.notify()
    return _queued(delivery)


@router.get(
    "/{webhook_id}/attempts",
    response_model=Page[AttemptRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A webhook endpoint's delivery log",
    openapi_extra=security("read"),
)
async def list_attempts(
    request: Request,
    caller: UserReaderDep,
    webhook_id: uuid.UUID,
    query: Annotated[AttemptQuery, Query()],
) -> Response:
    """Every HTTP attempt, newest first: when, the status code or the error, how long it took,
    and the first bytes of the answer. ``delivery_id`` narrows it to one delivery.
    """
    page = await caller.services.store.deliveries.attempts(
        caller.actor,
        webhook_id,
        delivery_id=query.delivery_id,
        cursor=query.cursor,
        limit=query.limit,
    )
    return _page(request, page)
