"""What the worker's pages share: the category icons, the other channels, the quick exit.

The icons are drawn here, as inline SVG (no icon font, no file from another
host, nothing for a content-security policy to refuse): a few strokes each on
a 24-unit grid, in the text's colour, hidden from screen readers (the words
beside them say it all).
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ICONS: dict[str, str] = {
    # An eye: someone watching.
    "intimidation": '<path d="M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z"/>'
    '<circle cx="12" cy="12" r="3"/>',
    # A warning sign.
    "threats": '<path d="M12 3 2 21h20z"/><path d="M12 10v5"/><path d="M12 18v.5"/>',
    # A pen over a line to sign.
    "coercion": '<path d="M3 21h9"/><path d="m15 4 5 5-10 10H5v-5z"/>',
    # Shown the door.
    "retaliation": '<path d="M14 3H5v18h9"/><path d="M10 12h11"/><path d="m17 8 4 4-4 4"/>',
    # A tilted scale.
    "non_neutrality": '<path d="M12 4v17"/><path d="M8 21h8"/><path d="M4 9l16-4"/>'
    '<path d="M4 9 2 14h4z"/><path d="m20 5-2 5h4z"/>',
    # Two people, a hand from outside between them.
    "union_interference": '<circle cx="7" cy="7" r="3"/><circle cx="17" cy="7" r="3"/>'
    '<path d="M2 20c0-3 2-5 5-5s5 2 5 5"/><path d="M12 20c0-3 2-5 5-5s5 2 5 5"/>',
    # A contract crossed out.
    "bargaining_bad_faith": '<path d="M6 3h9l4 4v14H6z"/><path d="m9 11 6 6M15 11l-6 6"/>',
    # A banknote.
    "wages": '<rect x="2" y="6" width="20" height="12" rx="2"/>'
    '<circle cx="12" cy="12" r="3"/>',
    # A clock.
    "hours": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 3"/>',
    # A shield with a cross.
    "health_safety": '<path d="M12 3l8 3v6c0 5-4 8-8 9-4-1-8-4-8-9V6z"/>'
    '<path d="M12 9v6M9 12h6"/>',
    # A speech bubble with an exclamation mark.
    "harassment": '<path d="M4 4h16v12H9l-5 4z"/><path d="M12 7v4"/><path d="M12 13.5v.5"/>',
    # Not equal.
    "discrimination": '<path d="M5 9h14M5 15h14"/><path d="M16 5 8 19"/>',
    # A small person.
    "child_labour": '<circle cx="12" cy="6" r="3"/><path d="M12 9v7"/><path d="M8 12h8"/>'
    '<path d="m12 16-3 5M12 16l3 5"/>',
    # A padlock.
    "forced_labour": '<rect x="5" y="11" width="14" height="10" rx="2"/>'
    '<path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    # A van.
    "trafficking": '<path d="M2 16V7h12v9"/><path d="M14 10h4l4 4v2h-8"/>'
    '<circle cx="6" cy="18" r="2"/><circle cx="17" cy="18" r="2"/>',
    # Three dots.
    "other": '<circle cx="6" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/>'
    '<circle cx="18" cy="12" r="1.5"/>',
}


@register.simple_tag
def category_icon(code: str) -> SafeString:
    """The icon of one category, decorative (`aria-hidden`)."""
    inner = _ICONS.get(code, _ICONS["other"])
    return mark_safe(  # noqa: S308 (the markup is this module's constants only)
        '<svg class="icon" viewBox="0 0 24 24" width="32" height="32" '
        'aria-hidden="true" focusable="false" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        f"{inner}</svg>"
    )


def _digits(number: str) -> str:
    return re.sub(r"[^\d+]", "", number)


def _whatsapp(number: str) -> str:
    return re.sub(r"^whatsapp:", "", number.strip())


@register.inclusion_tag("intake/channels.html")
def report_channels(heading_level: int = 2) -> dict[str, Any]:
    """The other ways to report (voice line, SMS, WhatsApp, email), from settings.

    The same numbers the channels answer on (docs/operations.md, "Telephony"):
    a line that is not configured is not shown.
    """
    voice = getattr(settings, "REMEDIA_VOICE_NUMBER", None) or ""
    sms = settings.TWILIO_SMS_FROM or ""
    whatsapp = _whatsapp(settings.TWILIO_WHATSAPP_FROM or "")
    email = settings.REMEDIA_REPORT_EMAIL or ""
    return {
        "voice": voice,
        "voice_href": f"tel:{_digits(voice)}",
        "sms": sms,
        "sms_href": f"sms:{_digits(sms)}",
        "whatsapp": whatsapp,
        "whatsapp_href": "https://wa.me/" + _digits(whatsapp).lstrip("+"),
        "email": email,
        "any": bool(voice or sms or whatsapp or email),
        "heading_level": heading_level,
    }


@register.simple_tag
def quick_exit_url() -> str:
    return str(getattr(settings, "REMEDIA_QUICK_EXIT_URL", "https://www.google.com/"))


@register.simple_tag
def quick_exit() -> SafeString:
    """The quick-exit link: leaves for a neutral site (the script also replaces
    this page in the browser's history, so Back does not return to it)."""
    from django.utils.translation import gettext as _

    return format_html(
        '<a class="quick-exit" id="quick-exit" href="{}" rel="noreferrer">'
        '<span aria-hidden="true">✕</span> {}</a>',
        quick_exit_url(),
        _("Salir rápido"),
    )
