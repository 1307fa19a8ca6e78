"""Filling in a campaign for one recipient: subject, text and HTML with CSS inlined.

Staff write the subject and bodies as Django templates. They are compiled once per
batch (``compile_campaign``) and rendered per recipient; the site's layout around
them is rendered once, with markers where each message's own links go, and filled
in per message. Building one mail is the slow part of a send (DESIGN.md,
"Measured on these machines"): here about 0.1 ms a recipient, links aside. The templates run in an engine of their own that loads no file and no tag
library, with a small context that holds no more of the person than the mail
shows: their first name and name.

The authored part is set inside the site's mail layout (``mail/campaigns/``), whose
footer carries the manage-your-data link (C21) and which states the promotion and
its end (C10). HTML mail programs ignore style sheets, so the authored <style>
rules are written into style attributes (``css-inline``), with remote style sheets
never fetched.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import css_inline
from django.template import Context, Engine, Template
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pledge.mail.outbox import Rendered, site_base_url
from pledge.policy.loaded import configured_declaration

from .promotion import Promotion, promotion_of

# No loaders and no libraries: {% include %}, {% extends %} and {% load %} find
# nothing, so a campaign cannot pull in another template.
ENGINE = Engine(loaders=[], libraries={}, autoescape=True, debug=False)
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_link_tags=False)

LAYOUT_TEXT = "mail/campaigns/campaign.txt"
LAYOUT_HTML = "mail/campaigns/campaign.html"


# The layout's values that differ from one message to the next. The layout is
# rendered once per set of links with a marker in their place, and each message
# fills the markers in: the layout is most of a mail, and rendering it per
# recipient cost several times what the recipient's own parts do.
PER_MESSAGE = ("manage_url", "unsubscribe_url", "open_url")


@dataclass(frozen=True)
class Skeleton:
    """The layout rendered once, with a marker where each per-message value goes."""

    text: str
    html: str
    markers: dict[str, str]

    def fill(self, part: str, values: Mapping[str, str], content: str, *, html: bool) -> str:
        for name, marker in self.markers.items():
            if name != "content":
                part = part.replace(marker, escape(values[name]) if html else values[name])
        # Last: the content is the recipient's and is never searched for markers.
        return part.replace(self.markers["content"], content)


@dataclass(frozen=True)
class CompiledCampaign:
    """A campaign's templates, parsed once, and the context every recipient shares."""

    subject: Template
    text: Template
    html: Template | None
    layout_text: Template
    layout_html: Template
    shared: dict[str, Any]
    skeletons: dict[tuple[tuple[str, str], ...], Skeleton] = field(default_factory=dict)

    def render(self, person: Any, *, links: Mapping[str, str], name_mask: str = "") -> Rendered:
        """The campaign as ``person`` gets it.

        ``links`` are the message's own links for the layout (``Links.context()``:
        manage-your-data, the list's opt-out link, the clear gif). ``name_mask``
        replaces the name wherever it goes, for a preview by staff whose role may
        not see names.
        """
        name = name_mask or person.name
        first_name = name_mask or person.get_short_name()
        own = {"first_name": first_name, "name": name, "manage_url": links["manage_url"]}
        authored = {**self.shared["authored"], **own}
        subject = self.subject.render(Context(authored, autoescape=False))
        skeleton = self.skeleton(links)
        content = self.text.render(Context(authored, autoescape=False))
        text = skeleton.fill(skeleton.text, links, content, html=False)
        html = ""
        if self.html is not None:
            # Staff's HTML, rendered with escaping and re-serialised by the inliner.
            fragment = INLINER.inline_fragment(self.html.render(Context(authored)), "")
            html = skeleton.fill(skeleton.html, links, fragment, html=True)
        return Rendered(subject=" ".join(subject.split()), text=text, html=html)

    def skeleton(self, links: Mapping[str, str]) -> Skeleton:
        """The layout for messages with these kinds of links, rendered on first use."""
        key = tuple(sorted((k, "" if k in PER_MESSAGE else v) for k, v in links.items()))
        if key not in self.skeletons:
            # Letters and digits only, so escaping leaves a marker as it is.
            markers = {
                name: f"pledge{secrets.token_hex(12)}"
                for name in (*(k for k in links if k in PER_MESSAGE), "content")
            }
            context = {**self.shared["layout"], **links, **markers}
            text = self.layout_text.render(Context(context, autoescape=False))
            html = self.layout_html.render(
                Context({**context, "content": mark_safe(markers["content"])})  # noqa: S308
            )
            self.skeletons[key] = Skeleton(text, html, markers)
        return self.skeletons[key]


def shared_context(campaign: Any, promotion: Promotion | None) -> dict[str, dict[str, Any]]:
    """What every recipient's copy shares: the site and the promotion."""
    declaration = configured_declaration()
    site = {"key": campaign.site, **declaration.sites[campaign.site]}
    promo = None
    if promotion is not None:
        promo = {
            "label": promotion.label,
            "price": str(promotion.price),
            "starts": promotion.starts,
            "ends": promotion.ends,
        }
    authored = {"site_name": site["name"], "promotion": promo}
    layout = {
        "site": site,
        "organisation": declaration.data["organisation"],
        "base_url": site_base_url(campaign.site),
        "promotion": promo,
    }
    return {"authored": authored, "layout": layout}


def _layout(name: str) -> Template:
    template = get_template(name)
    assert isinstance(template, DjangoTemplate)  # the one engine in TEMPLATES
    return template.template


def compile_campaign(campaign: Any) -> CompiledCampaign:
    """Parse the campaign's templates once, for a batch of recipients or a preview."""
    return CompiledCampaign(
        subject=ENGINE.from_string(campaign.subject),
        text=ENGINE.from_string(campaign.body_text),
        html=ENGINE.from_string(campaign.body_html) if campaign.body_html.strip() else None,
        layout_text=_layout(LAYOUT_TEXT),
        layout_html=_layout(LAYOUT_HTML),
        shared=shared_context(campaign, promotion_of(campaign)),
    )


@dataclass(frozen=True)
class SampleRecipient:
    """Stands in for a recipient in a preview when no one on the list can be mailed now."""

    name: str = "Sample Recipient"

    def get_short_name(self) -> str:
        return self.name.split(" ")[0]


SAMPLE = {
    "first_name": "Ada",
    "name": "Ada Lovelace",
    "site_name": "ContactGenie",
    "manage_url": "https://example.invalid/my-data/",
    "promotion": {"label": "Offer", "price": "$1.00", "starts": "", "ends": ""},
}


def template_errors(campaign: Any) -> list[tuple[str, str]]:
    """Templates that do not compile or render, as (field, message) pairs for a form.

    Rendered once with a sample recipient, so a mistake shows when staff save the
    draft, not in the middle of a send.
    """
    errors = []
    for name in ("subject", "body_text", "body_html"):
        try:
            rendered = ENGINE.from_string(getattr(campaign, name)).render(Context(SAMPLE))
            if name == "body_html" and rendered.strip():
                INLINER.inline_fragment(rendered, "")
        except Exception as exc:  # any template or style error: show it on its field
            errors.append((name, f"This cannot be filled in: {exc}"))
    return errors


def preview_links(campaign: Any) -> dict[str, str]:
    """Stand-ins for a recipient's own links in a preview: real ones would act for them,
    and a real clear gif would count the preview as an open."""
    withheld = f"{site_base_url(campaign.site)}/… [link withheld in the preview]"
    return {"manage_url": withheld, "list_label": campaign.list_label, "unsubscribe_url": withheld}
