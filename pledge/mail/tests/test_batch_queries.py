"""A send batch costs a fixed claim plus a fixed number of queries per message."""

from __future__ import annotations

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage

# The claim: savepoint, pick, UPDATE, release, load the claimed rows.
CLAIM = 5
# Per message: renew the lease, re-read the person, the gate (policy in force,
# standing consent), then savepoint, UPDATE, event, audit, release.
PER_MESSAGE = 9


@pytest.mark.parametrize("count", [1, 3])
def test_a_batch_costs_the_claim_plus_nine_queries_a_message(
    count, django_assert_num_queries, smtp_sink, make_person, queue_notice
):
    for _ in range(count):
        queue_notice(make_person())

    with django_assert_num_queries(CLAIM + PER_MESSAGE * count):
        result = deliver_due()

    assert [d.outcome for d in result.deliveries] == ["sent"] * count
    assert OutboundMessage.objects.filter(status="sent").count() == count
