"""Places where a higher app adds to a page that a lower app owns.

The staff home page belongs to `accounts`, but the inbox, the cases and the
warnings belong to later apps, which `accounts` must not import. Each of them
registers a panel at start-up (in its AppConfig.ready); the home view asks
every registered panel for what to show the current user.

References work the same way: an app registers a kind of object (the
protection directory's services) that an app it may not import
(coordination) links to by id, validates and shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

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


# --- References: one app's objects that another may point at, by id only ----------


@dataclass(frozen=True)
class Reference:
    """How an object another app points at is shown: a label and, if the
    viewer may open it, a link. `available` is False for one withdrawn."""

    label: Any
    url: str = ""
    available: bool = True


class ReferenceKind(Protocol):
    """Objects of a higher app that a lower (or sibling) app links to by id.

    `choices` lists what the user may pick (id, label); `resolve` answers,
    for the ids the user may see, how each is shown: ids it leaves out are
    missing (or not the user's), and the caller says so.
    """

    kind: str
    label: Any

    def choices(self, user: Any) -> list[tuple[str, str]]: ...

    def resolve(self, user: Any, ids: Iterable[Any]) -> dict[str, Reference]: ...


_reference_kinds: dict[str, ReferenceKind] = {}


def reference_kind_register(kind: ReferenceKind) -> ReferenceKind:
    _reference_kinds[kind.kind] = kind
    return kind


def reference_kind(name: str) -> ReferenceKind | None:
    """The registered kind, or None when the app that owns it is not installed."""
    return _reference_kinds.get(name)
