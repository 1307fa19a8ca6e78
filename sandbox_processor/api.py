"""The ``/v1`` API: Stripe's HTTP protocol for the endpoints the vendor uses.

Requests are form-encoded with Stripe's brackets, authenticated with
``Authorization: Bearer sk_test_…``; answers are Stripe-shaped JSON or
Stripe's error envelope. A POST with an ``Idempotency-Key`` runs once: the
same key with the same parameters replays the stored answer
(``Idempotent-Replayed: true``), with other parameters it is refused with
``idempotency_error``, and while the first is still running, with 409.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

from sandbox_processor import checkout, payments
from sandbox_processor.errors import ApiError, invalid
from sandbox_processor.params import Params, decode
from sandbox_processor.processor import API_VERSION, Processor, RequestInfo, new_id
from sandbox_processor.web import Request, Response, json_response

Handler = Callable[[Processor, dict[str, Any], RequestInfo, re.Match[str]], dict[str, Any]]


def _create_session(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, _: re.Match[str]
) -> dict[str, Any]:
    return checkout.create_session(sandbox, params)


def _get_session(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand"])
    return checkout.get_session(sandbox, m["id"])


def _session_items(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand", "limit", "starting_after", "ending_before"])
    return checkout.line_items(sandbox, m["id"])


def _expire_session(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand"])
    return checkout.expire_session(sandbox, m["id"], info)


def _get_intent(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand", "client_secret"])
    return payments.get_intent(sandbox, m["id"])


def _get_charge(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand"])
    return payments.get_charge(sandbox, m["id"])


def _create_refund(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, _: re.Match[str]
) -> dict[str, Any]:
    return payments.create_refund(sandbox, params, info)


def _get_refund(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand"])
    return payments.get_refund(sandbox, m["id"])


def _get_event(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, m: re.Match[str]
) -> dict[str, Any]:
    Params(params).only(["expand"])
    event = sandbox.store.get(m["id"], "event")
    if event is None:
        raise ApiError(404, f"No such event: '{m['id']}'", param="id", code="resource_missing")
    return event


def _list_events(
    sandbox: Processor, params: dict[str, Any], info: RequestInfo, _: re.Match[str]
) -> dict[str, Any]:
    """Newest first, optionally of one ``type``; ``limit`` 1–100 (default 10)."""
    given = Params(params).only(["type", "limit", "expand"])
    limit = given.integer("limit", minimum=1) or 10
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    kind = given.text("type")
    where, args = ("AND json_extract(body, '$.type') = ?", (kind,)) if kind else ("", ())
    events = sandbox.store.latest("event", limit=limit + 1, where=where, args=args)
    return {
        "object": "list",
        "data": events[:limit],
        "has_more": len(events) > limit,
        "url": "/v1/events",
    }


ID = r"(?P<id>[A-Za-z0-9_]+)"
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("POST", re.compile(r"^/v1/checkout/sessions$"), _create_session),
    ("GET", re.compile(rf"^/v1/checkout/sessions/{ID}$"), _get_session),
    ("GET", re.compile(rf"^/v1/checkout/sessions/{ID}/line_items$"), _session_items),
    ("POST", re.compile(rf"^/v1/checkout/sessions/{ID}/expire$"), _expire_session),
    ("GET", re.compile(rf"^/v1/payment_intents/{ID}$"), _get_intent),
    ("GET", re.compile(rf"^/v1/charges/{ID}$"), _get_charge),
    ("POST", re.compile(r"^/v1/refunds$"), _create_refund),
    ("GET", re.compile(rf"^/v1/refunds/{ID}$"), _get_refund),
    ("GET", re.compile(rf"^/v1/events/{ID}$"), _get_event),
    ("GET", re.compile(r"^/v1/events$"), _list_events),
]
# Ids the expand walker can follow, by prefix.
EXPANDABLE = {
    "pi_": payments.INTENT,
    "ch_": payments.CHARGE,
    "re_": payments.REFUND,
    "cs_": checkout.SESSION,
}


def expand(sandbox: Processor, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Replace ids by their objects along each dotted path (``payment_intent.latest_charge``)."""
    obj = json.loads(json.dumps(obj))
    for dotted in paths:
        node: Any = obj
        parts = dotted.split(".")
        for depth, name in enumerate(parts):
            if not isinstance(node, dict) or name not in node:
                raise invalid(f"This property cannot be expanded ({dotted}).", param="expand")
            value = node[name]
            if isinstance(value, str):
                kind = next((k for p, k in EXPANDABLE.items() if value.startswith(p)), None)
                if kind is None:
                    raise invalid(f"This property cannot be expanded ({dotted}).", param="expand")
                value = node[name] = sandbox.store.get(value, kind)
            if depth < len(parts) - 1:
                node = value
    return obj


def _authenticate(sandbox: Processor, request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    if scheme.lower() == "basic":  # curl -u sk_test_…: as Stripe also accepts
        try:
            key = base64.b64decode(key.strip()).decode().partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
        scheme = "bearer"
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        key.strip().encode(), sandbox.config.secret_key.encode()
    ):
        shown = key.strip()[:8] + "*" * 4 + key.strip()[-4:] if len(key.strip()) > 12 else "****"
        raise ApiError(401, f"Invalid API Key provided: {shown}", code="api_key_invalid")


def _fingerprint(request: Request, params: dict[str, Any]) -> str:
    """What must match for a key's replay: method, path and the decoded parameters."""
    canonical = json.dumps([request.method, request.path, params], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _route(request: Request) -> tuple[Handler, re.Match[str]]:
    known_path = False
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            return handler, match
        known_path = known_path or bool(match)
    if known_path:
        raise ApiError(405, f"Method {request.method} is not allowed for {request.path}.")
    raise ApiError(404, f"Unrecognized request URL ({request.method}: {request.path}).")


def handle(sandbox: Processor, request: Request) -> Response:
    request_id = new_id("req", 14)
    headers = {
        "Request-Id": request_id,
        "Stripe-Version": request.headers.get("stripe-version", API_VERSION),
    }
    try:
        _authenticate(sandbox, request)
        handler, match = _route(request)
        source = (
            request.query if request.method == "GET" else request.body.decode("utf-8", "replace")
        )
        params = decode(source)
        key = request.headers.get("idempotency-key")
        if request.method == "POST" and key:
            headers["Idempotency-Key"] = key
            return _idempotent(sandbox, request, params, handler, match, key, headers)
        obj = handler(sandbox, params, RequestInfo(request_id), match)
        return json_response(200, expand(sandbox, obj, Params(params).expand()), headers)
    except ApiError as error:
        return json_response(error.status, error.body(), headers)


def _idempotent(
    sandbox: Processor,
    request: Request,
    params: dict[str, Any],
    handler: Handler,
    match: re.Match[str],
    key: str,
    headers: dict[str, str],
) -> Response:
    store = sandbox.store
    fingerprint = _fingerprint(request, params)
    with store.write() as db:
        row = db.execute("SELECT * FROM idempotency WHERE key = ?", (key,)).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO idempotency (key, request, request_id, created) VALUES (?, ?, ?, ?)",
                (key, fingerprint, headers["Request-Id"], time.time()),
            )
    if row is not None:
        if row["request"] != fingerprint:
            raise ApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
            )
        if row["status"] is None:
            raise ApiError(
                409,
                "There is currently another in-progress request using this Idempotent Key "
                "(that probably means you submitted twice, and the other request is still "
                "going through): " + key + ". Please try again later.",
                type="idempotency_error",
                code="idempotency_key_in_use",
            )
        replay = {**headers, "Idempotent-Replayed": "true", "Original-Request": row["request_id"]}
        return json_response(row["status"], json.loads(row["response"]), replay)
    info = RequestInfo(headers["Request-Id"], key)
    try:
        obj = handler(sandbox, params, info, match)
        body = expand(sandbox, obj, Params(params).expand())
    except BaseException:
        # Stripe saves no result for a request that failed validation or did not
        # run: the key is free again, and a corrected retry may use it.
        with store.write() as db:
            db.execute("DELETE FROM idempotency WHERE key = ?", (key,))
        raise
    with store.write() as db:
        db.execute(
            "UPDATE idempotency SET status = 200, response = ? WHERE key = ?",
            (json.dumps(body), key),
        )
    return json_response(200, body, headers)
