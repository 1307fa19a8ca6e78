"""What the campaign actions refuse, by name; the admin shows each one's message."""

from __future__ import annotations


class CampaignRefused(ValueError):
    """A campaign action that cannot be done now; the message says why."""


class CampaignStateError(CampaignRefused):
    """A move between statuses that the pipeline does not allow (draft → sent, ...)."""

    def __init__(self, current: str, wanted: str):
        self.current = current
        self.wanted = wanted
        super().__init__(f"a {current} campaign cannot become {wanted}")


class CampaignLocked(CampaignRefused):
    """Only a draft may be edited: once scheduled, the text is what recipients get."""

    def __init__(self, status: str):
        super().__init__(f"a {status} campaign cannot be edited; only a draft can")


class PromotionOver(CampaignRefused):
    """A promotion whose window would be over when the mail goes out (C10)."""

    def __init__(self, ends: str):
        super().__init__(f"its promotion ends {ends}: change the dates or remove the promotion")
