"""Places where a higher app adds to a page that a lower app owns.

The staff home page belongs to `accounts`, but the inbox, the cases and the
warnings belong to later apps, which `accounts` must not import. Each of them
registers a panel at start-up (in its AppConfig.ready); the home view asks
every registered panel for what to show the current user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    """What one app shows on the staff home: a template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest], Panel | None]

_home_panels: list[PanelProvider] = []


def home_panel_register(provider: PanelProvider) -> PanelProvider:
    if provider not in _home_panels:
        _home_panels.append(provider)
    return provider


def home_panels(request: HttpRequest) -> list[Panel]:
    panels = [p for provider in _home_panels if (p := provider(request)) is not None]
    return sorted(panels, key=lambda p: p.order)


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    order: int = 100


NavProvider = Callable[[HttpRequest], NavItem | None]

_nav_items: list[NavProvider] = []


def staff_nav_register(provider: NavProvider) -> NavProvider:
    if provider not in _nav_items:
        _nav_items.append(provider)
    return provider


def staff_nav(request: HttpRequest) -> dict[str, list[NavItem]]:
    """Context processor: the staff menu entries the current user may follow."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"staff_nav": []}
    items = [i for provider in _nav_items if (i := provider(request)) is not None]
    return {"staff_nav": sorted(items, key=lambda i: i.order)}
