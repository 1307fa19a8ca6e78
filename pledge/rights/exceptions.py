"""Refusals of the self-service rights actions (C21), shown in one place by the views."""

from __future__ import annotations


class RightsRefused(Exception):
    """An action on a person's data that cannot be done; the message says why, in plain words."""


class NotCorrectable(RightsRefused):
    """The registry does not let the person correct these fields themselves."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        super().__init__(f"These details cannot be corrected here: {', '.join(fields)}.")


class AccountNotActive(RightsRefused):
    """The account is deactivated or erased, so it cannot be changed this way."""

    def __init__(self, status: str):
        self.status = status
        super().__init__(f"This account is {status}.")


class AlreadyErased(RightsRefused):
    """The person's data is erased already: there is nothing left to act on."""

    def __init__(self) -> None:
        super().__init__("We hold no data about this person any more.")
