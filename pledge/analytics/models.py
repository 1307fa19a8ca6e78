"""Access-log analytics: checkpoints, the daily visitor salt, and aggregates only (C7, C13).

No table here holds an IP address, a user agent string, a query string or a full
referrer: the ingest enriches from them in memory and keeps counts.
"""

from __future__ import annotations

from django.db import models

from pledge.policy.registry import not_personal


class LogCheckpoint(models.Model):
    """How far one log file has been counted, so nothing is counted twice.

    A file is known by its device and inode and a hash of its first line: a grown file
    resumes at ``offset``; a rotated file (new inode under the same name) starts fresh.
    """

    path = models.CharField(max_length=1000)
    device = models.BigIntegerField()
    inode = models.BigIntegerField()
    first_line_sha256 = models.CharField(max_length=64)
    offset = models.BigIntegerField(default=0)
    last_timestamp = models.DateTimeField(null=True)
    lines = models.BigIntegerField(default=0)
    malformed = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "inode", "first_line_sha256"], name="log_checkpoint_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path} @ {self.offset}"


class VisitorSalt(models.Model):
    """The random salt that makes one day's visitor hashes (C7).

    A visitor is a keyed hash of IP address, user agent and site; the key rotates
    daily and is deleted within 48 hours, after which no hash can be recomputed.
    """

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"salt for {self.day}"


@not_personal(
    value=(
        "a page path without its query string, a referring site's host name, a browser, "
        "platform, country or ISP name: each shared by at least the counted visitors, "
        "never one person's address"
    ),
)
class DailyCount(models.Model):
    """One aggregate cell: a site, a day, a dimension and one of its values.

    ``hits`` counts events (page views, visits, transitions); ``visitors`` the
    distinct visitors behind them, so a report can suppress a cell built from fewer
    than the declaration's ``analytics.k_anonymity`` people (C7, C13).
    """

    site = models.CharField(max_length=50)
    day = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=500)
    hits = models.BigIntegerField(default=0)
    visitors = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "site analytics"
        verbose_name_plural = "site analytics"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "dimension", "value"], name="daily_count_cell"
            )
        ]
        indexes = [models.Index(fields=["site", "dimension", "day"])]

    def __str__(self) -> str:
        return f"{self.site} {self.day} {self.dimension}={self.value}"


class CountedVisitors(models.Model):
    """Which of a site's visitors of a day are already counted in which cell, so a
    later ingest of the same day does not count them again.

    ``marks`` is a compressed table of (dimension, value, visitor) where visitor is
    the day's keyed hash, not an identifier; the row is deleted with the day's salt,
    within 48 hours (C7).
    """

    site = models.CharField(max_length=50)
    day = models.DateField()
    marks = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="counted_visitors_day")]

    def __str__(self) -> str:
        return f"visitors counted on {self.site} {self.day}"
