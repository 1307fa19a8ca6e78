"""Which of the vendor's sites a request is for, told apart by host name."""

from __future__ import annotations

from dataclasses import dataclass

from pledge.policy.loaded import configured_declaration


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    tagline: str
    theme: str
    hosts: tuple[str, ...]


def all_sites() -> list[Site]:
    sites = configured_declaration().sites
    return [
        Site(
            key=key,
            name=data["name"],
            tagline=data.get("tagline", ""),
            theme=data.get("theme", key),
            hosts=tuple(data["hosts"]),
        )
        for key, data in sites.items()
    ]


def site_for_host(host: str) -> Site:
    """The site serving ``host``; the first declared site serves unknown hosts."""
    host = host.split(":")[0].lower()
    sites = all_sites()
    for site in sites:
        if host in site.hosts:
            return site
    return sites[0]


def site_by_key(key: str) -> Site:
    for site in all_sites():
        if site.key == key:
            return site
    return all_sites()[0]
