"""What a request says about its visitor, worked out offline and once per distinct value.

Browser and platform come from the user agent (ua-parser, with its Rust backend);
country and ISP name from the IP address (geoip2fast's bundled data), before the
address is hashed and forgotten. Bots are told apart so they stay out of visitor
counts (C7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import ua_parser
from geoip2fast import GeoIP2Fast

# Crawlers, feed readers, monitors and HTTP libraries name themselves.
BOT_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrap|archiver|feed|rss|monitor|check|preview|fetch|"
    r"curl|wget|python-requests|python-urllib|aiohttp|httpx|go-http-client|java/|"
    r"libwww|lwp-|httpclient|okhttp|node-fetch|axios|ruby|php/|perl|scrapy|headless|"
    r"phantomjs|facebookexternalhit|ia_archiver|^-?$",
    re.IGNORECASE,
)
# geoip2fast ships ASN names, not numbers: datacenters are told by name.
DATACENTER_ASN = re.compile(
    r"amazon|aws|google|microsoft|azure|digitalocean|ovh|hetzner|linode|akamai|choopa|"
    r"vultr|alibaba|tencent|oracle|leaseweb|contabo|scaleway|online s\.a\.s|ionos|"
    r"hosting|datacenter|data center|colocation|cloudflare|facebook|yandex|baidu|"
    r"m247|hostinger|psychz|quadranet|servers|cdn77|fastly",
    re.IGNORECASE,
)
GEO_DATA = "geoip2fast-asn-ipv6.dat.gz"


@dataclass(frozen=True, slots=True)
class Agent:
    browser: str
    platform: str
    bot: bool


@dataclass(frozen=True, slots=True)
class Network:
    country: str
    isp: str
    datacenter: bool


@cache
def _geo() -> GeoIP2Fast:
    return GeoIP2Fast(geoip2fast_data_file=GEO_DATA, verbose=False)


def describe_agent(user_agent: str) -> Agent:
    result = ua_parser.parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    platform = result.os.family if result.os else "Other"
    spider = result.device is not None and result.device.family == "Spider"
    return Agent(
        browser=browser, platform=platform, bot=spider or bool(BOT_AGENT.search(user_agent))
    )


def describe_network(ip: str) -> Network:
    try:
        found = _geo().lookup(ip)
    except Exception:  # noqa: BLE001 - a bad address is an unknown network, not a failure
        return Network(country="", isp="", datacenter=False)
    if found.is_private:
        return Network(country="", isp="", datacenter=False)
    code = found.country_code or ""
    country = code if len(code) == 2 and code.isalpha() else ""
    isp = (found.asn_name or "")[:200]
    return Network(country=country, isp=isp, datacenter=bool(DATACENTER_ASN.search(isp)))
