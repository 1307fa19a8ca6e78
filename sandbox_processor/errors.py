"""Refusals the sandbox answers with, in Stripe's error envelope.

The vendor's adapter maps Stripe's errors to its own refusals through the SDK,
which picks the exception class from the HTTP status and ``error.type``: the
sandbox must use the same statuses and types for the SDK to raise the same
exceptions as against Stripe.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One refusal: HTTP status plus the body of ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 ``invalid_request_error``: the parameters were wrong."""
    return ApiError(400, message, param=param, code=code)


def missing(param: str) -> ApiError:
    return invalid(f"Missing required param: {param}.", param=param, code="parameter_missing")


def no_such(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")
