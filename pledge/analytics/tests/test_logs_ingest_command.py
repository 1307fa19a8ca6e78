"""``pledge logs ingest FILE…`` reports each file, its malformed lines, and refuses bad input."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import log_line


def test_the_command_reports_new_lines_and_malformed_examples(db, write_log):
    path = write_log([log_line("10.0.0.1", 0, "/"), "not a log line\n"])
    out = StringIO()

    call_command("logs_ingest", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        f"{path}: 2 new lines from the start, 1 requests, 1 page views by people, "
        "0 by bots, 1 malformed",
        "  malformed: not a log line",
    ]


def test_an_unknown_site_is_refused(db, write_log):
    path = write_log([log_line()])

    with pytest.raises(CommandError) as refused:
        call_command("logs_ingest", str(path), site="nowhere")

    assert str(refused.value) == "unknown site 'nowhere'"
