"""End to end in a real browser: visitors browse both sites, follow an outbound link and
read a mail; the access log is ingested; marketing sees the charts (C6, C7, C8).

Five browser contexts with five ordinary user agents are five visitors (k = 5), all
from 127.0.0.1. The outbound destination is outside the machine, so the browser's
request to it is answered at the network boundary. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from pledge.analytics.models import DailyCount
from pledge.analytics.tasks import ingest_access_logs
from pledge.mail.delivery import deliver_due
from pledge.mail.outbox import enqueue
from pledge.mail.tests.conftest import TEMPLATES_DIR
from pledge.people.models import Person
from pledge.shop.demo import seed_products
from pledge.staff.roles import assign_role, sync_roles

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENTS = [
    f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/12{n}.0.0.0 Safari/537.36"
    for n in range(5)
]


@pytest.fixture
def sites(live_server, settings, policy, tmp_path):
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    settings.ACCESS_LOG_DIR = str(tmp_path / "logs")
    settings.ACCESS_LOGS = [str(tmp_path / "logs" / "access-*.log")]
    engine = settings.TEMPLATES[0]  # the test notice: mail/test/notice
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATES_DIR]}]
    seed_products()
    port = settings.PUBLIC_PORT
    return f"http://contactgenie.localhost:{port}", f"http://claxton.localhost:{port}"


def browse_as(chromium, agent, contactgenie, claxton):
    """One visitor: both home pages, a product page (its beacon), an outbound link."""
    context = chromium.new_context(user_agent=agent, viewport={"width": 1280, "height": 900})
    context.route(
        "https://www.example.org/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Example Software</h1>"
        ),
    )
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text)
        ),
    )
    page.goto(f"{contactgenie}/")
    page.goto(f"{contactgenie}/products/")
    page.locator(".shop-grid a, .shop-upgrades a, main a[href^='/products/']").first.click()
    page.wait_for_load_state("networkidle")
    product = page.url
    if agent == AGENTS[0]:
        screenshot(page, "analytics-00-product-page-links-elsewhere")
    page.get_by_role("link", name="LabelWriter by Example Software").click()
    page.wait_for_url("https://www.example.org/labelwriter/")
    page.goto(f"{claxton}/")
    page.goto(f"{claxton}/products/")
    context.close()
    return product, errors


def test_visits_a_click_out_and_a_mail_open_reach_the_dashboard(
    chromium, sites, smtp_sink, make_person
):
    contactgenie, claxton = sites
    seen = [browse_as(chromium, agent, contactgenie, claxton) for agent in AGENTS]
    reader = make_person("grace@example.com", name="Grace Hopper")
    message = enqueue(
        person=reader,
        purpose="account",
        template="test/notice",
        site="contactgenie",
        context={"note": "Your order has shipped."},
    )
    deliver_due()
    html = smtp_sink.messages[-1].message.get_body(("html",)).get_content()
    mail = chromium.new_page()
    mail.set_content(html)
    mail.wait_for_load_state("networkidle")
    mail.close()

    lines = ingest_access_logs()

    message.refresh_from_db()
    today = datetime.now(UTC).date()
    outbound = DailyCount.objects.get(site="contactgenie", day=today, dimension="outbound")
    assert (lines > 40, message.open_count, [errors for _, errors in seen]) == (True, 1, [[]] * 5)
    assert (outbound.value, outbound.hits, outbound.visitors) == ("www.example.org", 5, 5)

    staff = Person.objects.create_user(
        "marketer@claxton.localhost",
        "staff password 2026",
        point="staff",
        name="Mara Keting",
        email_verified_at=datetime.now(UTC),
        is_staff=True,
    )
    sync_roles()
    assign_role(staff, "marketing", by=None)
    client = Client()
    client.force_login(staff)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": contactgenie,
            }
        ]
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{contactgenie}/staff/analytics/dailycount/?start={today}&end={today}")
    screenshot(page, "analytics-01-dashboard-both-sites")
    charts = page.locator("svg.chart").count()
    outbound_chart = page.locator("section", has_text="Outbound destinations").first.inner_text()
    content_chart = page.locator("section", has_text="Content seen").first.inner_text()
    click_chart = page.locator("section", has_text="Outbound links").first.inner_text()
    page.select_option("select[name=site]", "claxton")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "analytics-02-dashboard-claxton")
    claxton_pages = page.locator("section", has_text="Pages viewed").first.inner_text()
    context.close()

    # The admin links no favicon, so the browser's own /favicon.ico is a 404: only
    # refusals by the Content Security Policy count here.
    assert (charts >= 8, [e for e in errors if "Content Security Policy" in e]) == (True, [])
    assert ("www.example.org" in outbound_chart, "product-" in content_chart) == (True, True)
    assert "/products/cg-standard/ → www.example.org" in click_chart
    assert ("/products/" in claxton_pages, "/labelwriter/" in claxton_pages) == (True, False)
