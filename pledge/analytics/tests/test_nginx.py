"""A real nginx, configured by ``pledge logs nginx-config``, in front of Pledge (C7, C8).

Its access log holds no token, email address or account number, line for line the
same as Pledge's own log of the requests it handed on; it answers the page beacon
itself; and ``pledge logs ingest`` counts its log. Debian's nginx-light
(``make nginx``).
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledge.analytics.exits import exit_url
from pledge.analytics.ingest import ingest_file
from pledge.analytics.logformat import Malformed, parse_batch
from pledge.analytics.logmask import escaped, mask_referrer, mask_target
from pledge.analytics.models import DailyCount
from pledge.mail.outbox import enqueue, manage_url, unsubscribe_token
from pledge.mail.tests.conftest import TEMPLATES_DIR
from pledge.tests.certificates import self_signed

from .conftest import CHROME
from .test_log_masks import EXAMPLES, EXIT_QUERIES

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "contactgenie.localhost"
ACCOUNT = 987654
EMAIL = "ada.fronted@example.com"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    assert found, "nginx is needed for the access log test: `make nginx` installs nginx-light"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Front:
    port: int
    access_log: Path

    def get(self, path: str, **headers: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path, headers={"Host": HOST, "User-Agent": CHROME, **headers})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def log_lines(self, count: int) -> list[str]:
        """The log's lines once it has ``count``: nginx writes a line after it answers."""
        for _ in range(600):
            lines = self.access_log.read_text().splitlines()
            if len(lines) >= count:
                return lines
            time.sleep(0.05)
        raise AssertionError(f"nginx wrote {len(lines)} lines, not {count}")


def main_config(tmp: Path, generated: str) -> str:
    """A whole nginx.conf around the generated part, everything under ``tmp``."""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, workers run as root too, so they can reach the test's private directory.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};\n"
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'};\nevents {{}}\n"
        f"http {{\n{temp}\n{generated}}}\n"
    )


def configured(tmp_path: Path, **options: Any) -> tuple[list[str], str]:
    """The command that runs nginx with the printed configuration, and what
    ``nginx -t`` says of it."""
    binary = nginx_binary()
    generated = StringIO()
    call_command(
        "logs_nginx_config",
        access_log=str(tmp_path / "nginx-access.log"),
        error_log=str(tmp_path / "pledge-error.log"),
        stdout=generated,
        **options,
    )
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(tmp_path, generated.getvalue()))
    command = [binary, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)]
    test = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    return command, f"exit status {test.returncode}: {test.stderr}"


@pytest.fixture
def front(tmp_path: Path, live_server: Any, settings: Any) -> Iterator[Front]:
    """nginx on a free port, configured by the command, handing on to the live server."""
    settings.PUBLIC_PORT = ""
    port = free_port()
    command, test = configured(
        tmp_path, listen=f"127.0.0.1:{port}", upstream=urlsplit(live_server.url).netloc
    )
    assert test.startswith("exit status 0:"), test
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        yield Front(port, tmp_path / "nginx-access.log")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx never listened on port {port}")


@pytest.fixture
def person(make_person: Any, settings: Any) -> Any:
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATES_DIR]}]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_person(EMAIL, id=ACCOUNT)


def test_nginx_logs_no_token_email_or_account_and_answers_the_beacon_itself(
    front: Front, person: Any, settings: Any, tmp_path: Path
):
    settings.ACCESS_LOG_DIR = str(tmp_path / "pledge-logs")
    manage = urlsplit(manage_url(person, "contactgenie")).path
    signed = manage.split("/")[2]
    message = enqueue(
        person=person,
        purpose="account",
        template="test/notice",
        site="contactgenie",
        context={"note": "Your order has shipped."},
    )
    unsubscribe = unsubscribe_token(person.pk, "newsletter")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    reset = default_token_generator.make_token(person)
    page = f"http://{HOST}{manage}?email={EMAIL}"
    requests = [
        ("/", {}),
        (f"{manage}?email={EMAIL}&u={ACCOUNT}", {}),
        ("/b/product-contactgenie.gif", {"Referer": page}),
        (f"/o/{message.open_token}.gif", {}),
        (f"/mail/unsubscribe/{unsubscribe}/", {}),
        (f"/account/password/reset/{uid}/{reset}/", {}),
        (f"/products/?email={EMAIL.replace('@', '%40')}", {"Referer": page}),
        (exit_url("https://www.example.org/recommended/"), {"Referer": page}),
        # Odd requests, written alike by both: escaped bytes, parameters, many numbers.
        ("/caf%C3%A9/%22q%22/", {"User-Agent": 'Agent "quoted" \xe9'}),
        (f"/cart/;sessionid={reset}", {"Referer": f"http://{HOST}/u/{EMAIL}/"}),
        (f"/u/{EMAIL.replace('@', '%40')}/1/2/3/4/5/6/7/", {}),
    ]

    answers = [front.get(path, **headers) for path, headers in requests]
    beacon = answers[2]
    nginx_lines = front.log_lines(len(requests))
    [pledge_log] = (tmp_path / "pledge-logs").glob("access-*.log")
    pledge_lines = pledge_log.read_text().splitlines()

    planted = [EMAIL, EMAIL.replace("@", "%40"), str(ACCOUNT), uid, reset, message.open_token]
    # Each signed value whole, and each part: account number, time stamp, signature.
    planted += [signed, unsubscribe, *signed.split(":"), *filter(None, unsubscribe.split(":"))]
    leaks = [p for p in planted if any(p in line for line in nginx_lines)]
    rows = parse_batch("\n".join(nginx_lines).encode(), Malformed()).to_dicts()
    requested = [row["request"] for row in rows]
    assert (leaks, requested) == (
        [],
        [
            "GET / HTTP/1.1",
            "GET /my-data/:token/ HTTP/1.1",
            "GET /b/product-contactgenie.gif HTTP/1.1",
            "GET /o/:token.gif HTTP/1.1",
            "GET /mail/unsubscribe/:token/ HTTP/1.1",
            "GET /account/password/reset/:token/:token/ HTTP/1.1",
            "GET /products/ HTTP/1.1",
            "GET /out/?to=https%3A%2F%2Fwww.example.org%2F HTTP/1.1",
            "GET /caf\\xC3\\xA9/\\x22q\\x22/ HTTP/1.1",
            "GET /cart/ HTTP/1.1",
            "GET /u/:token HTTP/1.1",  # more to mask than passes: cut at the first
        ],
    )
    # The beacon never reached Pledge: nginx answered it, a clear gif never cached.
    assert (
        beacon.status,
        beacon.getheader("Content-Type"),
        beacon.getheader("Cache-Control"),
        len(pledge_lines),
    ) == (200, "image/gif", "no-store, max-age=0", len(requests) - 1)
    # The mail pixel did: the open is counted on the message.
    message.refresh_from_db()
    assert message.open_count == 1
    # Every line nginx wrote for a request it handed on is Pledge's own, but for the
    # host's port and the size.
    proxied = [line for line in nginx_lines if "/b/" not in line]
    assert [_comparable(line) for line in proxied] == [_comparable(line) for line in pledge_lines]


def _comparable(line: str) -> tuple[str, ...]:
    [row] = parse_batch(line.encode(), Malformed()).to_dicts()
    return (row["ip"], row["request"], str(row["status"]), row["referrer"], row["user_agent"])


def test_the_ingest_counts_nginxs_log(front: Front, person: Any):
    front.get("/")
    front.get("/products/", Referer=f"http://{HOST}/")
    front.get("/b/product-contactgenie.gif", Referer=f"http://{HOST}/products/")
    front.log_lines(3)
    printed = StringIO()

    call_command("logs_ingest", str(front.access_log), stdout=printed)
    result = ingest_file(front.access_log)  # again: nothing new, nothing counted twice

    pages = dict(DailyCount.objects.filter(dimension="page").values_list("value", "hits"))
    content = dict(DailyCount.objects.filter(dimension="content").values_list("value", "hits"))
    assert (printed.getvalue().split(": ", 1)[1], result.lines, pages, content) == (
        "3 new lines from the start, 3 requests, 2 page views by people, 0 by bots, 0 malformed\n",
        0,
        {"/": 1, "/products/": 1},
        {"product-contactgenie": 1},
    )


def test_the_configuration_with_tls_passes_nginxs_own_check(tmp_path: Path, db: Any):
    certificate, key = (str(f) for f in self_signed(tmp_path, "contactgenie.example"))

    _, test = configured(
        tmp_path, server_name=["contactgenie.example"], certificate=certificate, certificate_key=key
    )

    assert test.startswith("exit status 0:") and "test is successful" in test, test


def test_nginx_masks_every_example_as_pledge_does(front: Front):
    """nginx's PCRE and Python's re, on the same masks, give the same line."""
    paths = [path for path, _ in EXAMPLES if path]
    queries = [f"/out/?{query.decode()}" for query in EXIT_QUERIES]
    for path in paths + queries:
        front.get(path, Referer=f"http://{HOST}{path}")

    rows = parse_batch("\n".join(front.log_lines(len(paths + queries))).encode(), Malformed())

    expected = []
    for path in paths + queries:
        raw_path, _, query = path.partition("?")
        target = mask_target(unquote_to_bytes(raw_path), query.encode())
        referrer = mask_referrer(f"http://{HOST}{path}".encode())
        expected.append((f"GET {escaped(target)} HTTP/1.1", escaped(referrer or b"-")))
    assert list(zip(rows["request"], rows["referrer"], strict=True)) == expected
