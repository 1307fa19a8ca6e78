"""The processor's webhook: signed events that move orders on (C3)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .events import MalformedEvent, read_event
from .ledger import handle_once
from .processor import ProcessorError
from .signature import SignatureError, verify

logger = logging.getLogger("pledge.payments.webhook")


@csrf_exempt  # the processor has no CSRF token; the signature proves the sender
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify the signature on the raw body, then handle the event once.

    400 for a forged, stale, future-dated or malformed event; 404 for an event about
    an order we do not have; 503 when the processor cannot be asked to confirm (it
    retries); 200 otherwise, a duplicate included. Each refusal is one log line
    with the reason, never the body.
    """
    from pledge.orders.fulfilment import UnknownOrder, handle_event

    body = request.body
    try:
        verify(
            body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
        )
    except SignatureError as error:
        logger.warning("webhook refused: %s: %s", type(error).__name__, error)
        return JsonResponse({"error": "signature"}, status=400)
    try:
        event = read_event(body)
    except MalformedEvent as error:
        logger.warning("webhook refused: malformed event: %s", error)
        return JsonResponse({"error": "malformed"}, status=400)
    try:
        outcome = handle_once(event, handle_event)
    except UnknownOrder as error:
        logger.warning("webhook refused: %s %s: %s", event.type, event.id, error)
        return JsonResponse({"error": "unknown order"}, status=404)
    except ProcessorError as error:
        logger.warning("webhook deferred: %s %s: %s", event.type, event.id, error)
        return JsonResponse({"error": "processor unavailable"}, status=503)
    logger.info("webhook %s %s: %s", event.type, event.id, outcome)
    return JsonResponse({"received": True, "outcome": outcome})
