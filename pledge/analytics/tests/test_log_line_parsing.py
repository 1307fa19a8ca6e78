"""The parser reads Apache and nginx combined lines and sets aside what it cannot read."""

from __future__ import annotations

from pledge.analytics.logformat import Malformed, parse_batch, referrer_host

APACHE = (
    '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash/?u=ada@example.com '
    'HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" '
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/32.0.1700.77 Safari/537.36"'
)
NGINX = (
    '2001:db8::7 - alice [02/Mar/2026:09:00:00 +0100] "GET /products/ HTTP/2.0" 304 0 '
    '"https://www.example.org/search?q=pledge" "curl/8.5.0" "203.0.113.9"'
)


def parse(*lines: str) -> tuple[list[dict], Malformed]:
    malformed = Malformed()
    rows = parse_batch("\n".join(lines).encode(), malformed)
    return rows.to_dicts(), malformed


def test_an_apache_line_gives_its_fields():
    [request], _ = parse(APACHE)

    assert (request["ip"], request["epoch"], request["request"], request["status"]) == (
        "83.149.9.216",
        1431857103,
        "GET /presentations/logstash/?u=ada@example.com HTTP/1.1",
        200,
    )


def test_an_nginx_line_with_ipv6_a_user_and_a_forwarded_for_field_is_read():
    [request], _ = parse(NGINX)

    assert (request["ip"], request["epoch"], request["user_agent"], request["status"]) == (
        "2001:db8::7",
        1772438400,
        "curl/8.5.0",
        304,
    )


def test_a_quote_escaped_inside_the_user_agent_and_referrer_stays_in_its_field():
    line = (
        '10.1.2.3 - - [02/Mar/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 5 '
        '"http://a.example/\\"x\\"" "Mozilla/5.0 \\"quoted\\" agent"'
    )

    [request], _ = parse(line)

    assert (request["referrer"], request["user_agent"]) == (
        'http://a.example/"x"',
        'Mozilla/5.0 "quoted" agent',
    )


def test_a_vhost_combined_line_names_its_host():
    line = (
        'claxton.localhost:443 10.1.2.3 - - [02/Mar/2026:09:00:00 +0000] "GET / HTTP/1.1" '
        '200 5 "-" "Mozilla/5.0"'
    )

    [request], _ = parse(line)

    assert (request["vhost"], request["ip"]) == ("claxton.localhost:443", "10.1.2.3")


def test_truncated_and_garbage_lines_are_counted_with_examples_not_raised():
    cut = APACHE[:-40]

    rows, malformed = parse(APACHE, cut, "garbage", "", NGINX)

    assert ([r["ip"] for r in rows], malformed.count, malformed.examples) == (
        ["83.149.9.216", "2001:db8::7"],
        3,
        [cut, "garbage", ""],
    )


def test_a_time_zone_is_taken_off_to_give_utc():
    east = APACHE.replace("+0000", "+0530")
    west = APACHE.replace("+0000", "-0130")

    rows, _ = parse(APACHE, east, west)

    assert [r["epoch"] - rows[0]["epoch"] for r in rows] == [0, -19800, 5400]


def test_a_referrer_keeps_only_its_host():
    assert [
        referrer_host("https://www.Google.com/search?q=ada@example.com"),
        referrer_host("-"),
        referrer_host("not a url"),
    ] == ["www.google.com", "", ""]
