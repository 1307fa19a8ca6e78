"""The nginx configuration in front of Pledge, as ``pledge logs nginx-config`` prints it.

nginx writes the access log in production (C7) and answers the page beacon itself
(C8). Its log line is the one Pledge's own middleware writes in the embedded
default: every step of ``logmask`` becomes a ``map`` block, so the path, the exit
redirect's destination and the referring page are masked by the same regexes, and
the query string is never written.
"""

from __future__ import annotations

from dataclasses import dataclass

from .logmask import (
    EXIT,
    PATH_STEPS,
    REFERRER_ORIGIN,
    REFERRER_PATH,
    Mask,
    Step,
)

LOG_FORMAT = "pledge_vhost_combined"
BEACON_LOCATION = r"^/b/[a-z0-9_-]{1,64}\.gif$"
# What the beacon view answers, and so what nginx answers in its place.
NO_STORE = "no-store, max-age=0"


@dataclass
class Server:
    """Where nginx listens and what it hands on to Pledge."""

    server_names: list[str]
    upstream: str = "127.0.0.1:8000"
    listen: str = ""
    certificate: str = ""
    certificate_key: str = ""
    access_log: str = "/var/log/nginx/pledge.access.log"
    error_log: str = "/var/log/nginx/pledge.error.log"


def quoted(text: str) -> str:
    """An nginx string: in double quotes, ``\\`` and ``"`` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _entry(mask: Mask, source: str) -> str:
    value = source if mask.template is None else quoted(mask.template)
    return f"    {quoted('~' + mask.regex)} {value};"


def _map(source: str, target: str, step: Step, default: str) -> list[str]:
    return [
        f"map {source} {target} {{",
        f"    default {default};",
        *(_entry(mask, source) for mask in step),
        "}",
    ]


def _chain(source: str, prefix: str) -> list[str]:
    """One map per step of ``PATH_STEPS``, from ``source`` to ``$<prefix>``."""
    lines = []
    for number, step in enumerate(PATH_STEPS, start=1):
        target = f"${prefix}" if number == len(PATH_STEPS) else f"${prefix}_{number}"
        lines += _map(source, target, step, source)
        source = target
    return lines


def log_maps() -> list[str]:
    """The http-level part: the masked request and referrer, and the log format."""
    return [
        "# C7: the request path as every access log keeps it: no query string, no ;",
        "# parameters, and each segment that could name a person (a token, a number, an",
        "# email address) replaced by :token, :n or :email, by the masks Pledge applies.",
        *_chain("$uri", "pledge_path"),
        "",
        "# C6: an exit redirect keeps its destination's host, nothing else of the query.",
        *_map('"$pledge_path?$args"', "$pledge_target", (EXIT,), "$pledge_path"),
        "",
        "# The referring page: scheme, host and masked path; never its query.",
        *_map("$http_referer", "$pledge_referrer_origin", (REFERRER_ORIGIN,), '""'),
        *_map("$http_referer", "$pledge_referrer_path_0", (REFERRER_PATH,), '""'),
        *_chain("$pledge_referrer_path_0", "pledge_referrer_path"),
        "map $pledge_referrer_origin $pledge_referrer {",
        '    default "$pledge_referrer_origin$pledge_referrer_path";',
        '    "" "-";',
        "}",
        "",
        "# Apache's vhost_combined, as Pledge's own log writes it: no cookie, no session,",
        "# no user, and the request made of the method, the masked target and protocol.",
        f"log_format {LOG_FORMAT} '$host:$server_port $remote_addr - - [$time_local] '",
        "    '\"$request_method $pledge_target $server_protocol\" $status $body_bytes_sent '",
        '    \'"$pledge_referrer" "$http_user_agent"\';',
    ]


def server_blocks(server: Server) -> list[str]:
    names = " ".join(server.server_names)
    logs = [
        f"    access_log {server.access_log} {LOG_FORMAT};",
        "    # At level error, nginx quotes the whole request line (tokens and all).",
        f"    error_log {server.error_log} crit;",
    ]
    lines: list[str] = []
    tls = bool(server.certificate)
    if tls:
        lines += [
            "server {",
            "    listen 80;",
            f"    server_name {names};",
            *logs,
            "    return 301 https://$host$request_uri;",
            "}",
            "",
        ]
    lines += [
        "server {",
        f"    listen {server.listen or ('443 ssl http2' if tls else '80')};",
        f"    server_name {names};",
    ]
    if tls:
        lines += [
            f"    ssl_certificate     {server.certificate};",
            f"    ssl_certificate_key {server.certificate_key};",
            "    ssl_protocols TLSv1.2 TLSv1.3;",
        ]
    lines += [
        *logs,
        "    client_max_body_size 2m;",
        "",
        "    # C8: nginx answers the page beacon itself, a 1x1 gif never cached; the log",
        "    # line is the count. The mail open pixel (/o/) goes to Pledge, which adds one",
        "    # to the message's open count; its line above names no one.",
        f"    location ~ {quoted(BEACON_LOCATION)} {{",
        "        empty_gif;",
        f"        add_header Cache-Control {quoted(NO_STORE)} always;",
        "    }",
        "",
        "    location / {",
        f"        proxy_pass http://{server.upstream};",
        "        proxy_http_version 1.1;",
        "        proxy_set_header Host $host;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "        proxy_redirect off;",
        "    }",
        "}",
    ]
    return lines


def nginx_config(server: Server) -> str:
    """The configuration for nginx's http block (a conf.d file on Debian)."""
    return "\n".join(
        [
            "# Made by `pledge logs nginx-config`: make it again rather than edit it. The masks",
            "# are those of pledge/analytics/logmask.py, which Pledge's own log applies too.",
            "# For nginx's http block: /etc/nginx/conf.d/pledge.conf on Debian.",
            "",
            *log_maps(),
            "",
            *server_blocks(server),
            "",
        ]
    )
