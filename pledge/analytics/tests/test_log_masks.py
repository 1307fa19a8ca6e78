"""One list of masks for every access log: Pledge's own, nginx's, and the ingest (C7)."""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import URLResolver, get_resolver
from django.utils.regex_helper import normalize

from pledge.analytics.logmask import mask_path, mask_referrer, mask_target

# Route parameters that name no one: a product, a page of the site, a policy version,
# a beacon's content key, an admin app, a campaign's action; and the admin's
# catch-all (any path at all: the generic masks see to it).
NAMES_NO_ONE = {"sku", "what", "number", "key", "app_label", "action", "url"}
# Looks like a word to the generic masks (no digit, no colon): only a route's own
# mask can hide it.
SECRET = "qwertyuiopasdfghjkl"


def every_route(resolver: URLResolver, prefix: str = "") -> list[tuple[str, list[str]]]:
    """Each route as a format string (``my-data/%(token)s/``) and its parameters."""
    routes = [
        (prefix + form, params)
        for key in list(resolver.reverse_dict)
        for possibilities, *_ in resolver.reverse_dict.getlist(key)
        for form, params in possibilities
    ]
    for namespace_prefix, child in resolver.namespace_dict.values():
        for form, params in normalize(namespace_prefix):
            assert not params, f"a parameter in the namespace prefix {form!r}"
            routes += every_route(child, prefix + form)
    return routes


def test_every_route_parameter_that_can_name_someone_is_masked():
    routes = every_route(get_resolver())
    secret_routes = [(form, params) for form, params in routes if set(params) - NAMES_NO_ONE]
    paths = {
        form: "/" + form % {p: "page" if p in NAMES_NO_ONE else SECRET for p in params}
        for form, params in secret_routes
    }

    unmasked = {form: mask_path(path) for form, path in paths.items() if SECRET in mask_path(path)}
    assert (len(secret_routes) > 20, unmasked) == (True, {})


EXAMPLES = [
    ("/my-data/987654:1uXb3c:AbCdEf0123/", "/my-data/:token/"),
    ("/my-data/you/download/", "/my-data/you/download/"),
    ("/o/0123456789abcdef0123456789abcdef.gif", "/o/:token.gif"),
    (
        "/account/password/reset/OTg3NjU0/set-password/",
        "/account/password/reset/:token/:token/",
    ),
    ("/orders/Xy_zAbCdEfGhIjKl-mnop/pay/", "/orders/:token/pay/"),
    ("/orders/buy/contactgenie/", "/orders/buy/contactgenie/"),
    ("/staff/people/person/987654/change/", "/staff/people/person/:token/change/"),
    ("/account/987654/orders/", "/account/:n/orders/"),
    ("/u/ada%40example.com/x", "/u/:email/x"),
    ("/cart/;sessionid=q8f2kz0x7m1n4b6v9c3a", "/cart/"),
    ("/static/app.3f9a8b7c6d5e4f30.css", "/static/:token.css"),
    ("/b/product-contactgenie.gif", "/b/product-contactgenie.gif"),
    ("/logstash-monitorama-2013/", "/logstash-monitorama-2013/"),
    # Long only with their extension: words, not tokens.
    ("/misc/tempest.netstat.Jan05", "/misc/tempest.netstat.Jan05"),
    ("/geekery/p%20ppuffer.html", "/geekery/p%20ppuffer.html"),
    ("/x/AbCdEfGh12IjKlMn.tar.gz", "/x/:token.gz"),
    ("/a/1/2/3/4/5/6/7/8/", "/a/:n/:n/:n/:n/:n/:n/:token"),
    ("", "/"),
]


@pytest.mark.parametrize(("path", "masked"), EXAMPLES)
def test_a_path_is_masked_once_and_for_all(path, masked):
    assert (mask_path(path), mask_path(masked)) == (masked, masked)


EXIT_QUERIES = [
    b"to=https%3A%2F%2Fwww.example.org%2Fx%3Fe%3Dada%40example.com",
    b"sig=x&to=https://user%40example.com@www.example.org:8443/",
    b"to=https%3A%2F%2Fevil.example%2F%40www.example.org",
]


def test_an_exit_keeps_only_its_destinations_host_and_a_referrer_only_its_page():
    assert [
        *(mask_target(b"/out/", query) for query in EXIT_QUERIES),
        mask_target(b"/products/", b"email=ada@example.com"),
        mask_referrer(b"https://ada:pw@www.Example.org:8443/my-data/9:a:b/?q=ada@example.com"),
        mask_referrer(b"not a page"),
    ] == [
        b"/out/?to=https%3A%2F%2Fwww.example.org%2F",
        b"/out/?to=https%3A%2F%2Fwww.example.org%2F",
        b"/out/?to=https%3A%2F%2Fevil.example%2F",
        b"/products/",
        b"https://www.Example.org/my-data/:token/",
        None,
    ]


DEPLOYMENT = Path(settings.BASE_DIR) / "docs" / "deployment.md"


def test_the_nginx_configuration_in_the_docs_is_what_the_command_prints():
    text = DEPLOYMENT.read_text()
    command = re.search(r"^pledge logs nginx-config .*?(?=\s>)", text, re.M | re.S)
    block = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert command and block, "docs/deployment.md shows the command and its output"
    printed = StringIO()

    args = shlex.split(command[0].replace("\\\n", " "))[3:]
    call_command("logs_nginx_config", *args, stdout=printed)

    assert block[1] == printed.getvalue()
