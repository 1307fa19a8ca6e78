"""A send batch costs a fixed claim plus a fixed number of queries per chunk, whatever its size."""

from __future__ import annotations

import pytest

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage

# The claim: savepoint, pick (expired leases, then queued rows; the domains backing
# off are a subquery of each), one UPDATE that returns the claimed rows, release;
# then the pass reads the backoff rows of the batch's domains once (issue 7).
CLAIM = 6
# Per chunk (up to MAIL_CONNECTIONS × MAIL_MARK_EVERY messages): re-read the people,
# the gate (standing consents; the policy in force with the people's policy
# versions), renew the leases and count the attempts, then savepoint, one UPDATE for
# the sent that returns the rows still held, their events, their audit rows, release.
PER_CHUNK = 9


@pytest.mark.parametrize("count", [1, 3])
def test_a_batch_costs_the_claim_plus_nine_queries_a_chunk(
    count, django_assert_num_queries, smtp_sink, make_person, queue_notice
):
    for _ in range(count):
        queue_notice(make_person())

    with django_assert_num_queries(CLAIM + PER_CHUNK):
        result = deliver_due()

    assert [d.outcome for d in result.deliveries] == ["sent"] * count
    assert OutboundMessage.objects.filter(status="sent").count() == count
