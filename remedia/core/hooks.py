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
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from django.core import signing
from django.http import HttpRequest, HttpResponse


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
    # Filled by `staff_nav`: the page the user is on, and how much waits there.
    current: bool = False
    count: int = 0


NavProvider = Callable[[HttpRequest], NavItem | None]

_nav_items: list[NavProvider] = []


def staff_nav_register(provider: NavProvider) -> NavProvider:
    if provider not in _nav_items:
        _nav_items.append(provider)
    return provider


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the staff menu entries the current user may follow,
    the one they are on marked, each with the count of what waits there (from
    the last time the home page counted it, kept a minute: the menu is on every
    page and must cost no query)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"staff_nav": [], "nav_home_current": False, "nav_waiting": 0}
    items = sorted(
        (i for provider in _nav_items if (i := provider(request)) is not None),
        key=lambda i: i.order,
    )
    path = request.path
    # The longest entry the path lies under is the current one ("Triaje" at
    # /staff/cases/triage/, not "Casos").
    under = [i for i in items if path.startswith(i.url)]
    current = max(under, key=lambda i: len(i.url)).url if under else None
    counts = waiting_counts_cached(request)
    marked = [
        replace(i, current=i.url == current, count=counts.get(i.url, 0)) for i in items
    ]
    return {
        "staff_nav": marked,
        "nav_home_current": current is None and path == _home_path(),
        "nav_waiting": sum(i.count for i in marked),
    }


def _home_path() -> str:
    from django.urls import reverse

    return reverse("accounts:home")


# --- What waits for the user: counts that lead to a filtered list ------------------


@dataclass(frozen=True)
class Waiting:
    """A count of things that wait for the user, and the list that shows them.

    `url` is the list filtered to exactly those rows (the count equals what
    the list shows); `nav_url` is the menu entry whose badge adds it up.
    `label` is said with `ngettext`, so the count reads in the user's words.
    """

    key: str
    count: int
    label: Any
    url: str
    nav_url: str = ""
    urgent: bool = False
    order: int = 100


WaitingProvider = Callable[[HttpRequest], list[Waiting]]

_waiting: list[WaitingProvider] = []


def waiting_register(provider: WaitingProvider) -> WaitingProvider:
    if provider not in _waiting:
        _waiting.append(provider)
    return provider


WAITING_COOKIE = "remedia_waiting"
WAITING_COOKIE_SALT = "remedia.waiting"
WAITING_COOKIE_MAX_AGE = 600


def waiting(request: HttpRequest) -> list[Waiting]:
    """What waits for the user now, counted afresh (the home page)."""
    found = sorted(
        (w for provider in _waiting for w in provider(request)), key=lambda w: w.order
    )
    counts: dict[str, int] = {}
    for w in found:
        if w.nav_url:
            counts[w.nav_url] = counts.get(w.nav_url, 0) + w.count
    request._waiting_counts = counts  # type: ignore[attr-defined]
    return found


def waiting_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the home page's counts for the menu's badges in a signed cookie:
    the menu is on every page, and reading a cookie costs no query and no
    session write (several processes serve one user: no process memory)."""
    counts = getattr(request, "_waiting_counts", None)
    if counts is None:
        return
    value = signing.dumps(
        {"u": str(getattr(request.user, "pk", "")), "c": counts},
        salt=WAITING_COOKIE_SALT,
        compress=True,
    )
    response.set_cookie(
        WAITING_COOKIE,
        value,
        max_age=WAITING_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def waiting_counts_cached(request: HttpRequest) -> dict[str, int]:
    """The menu's counts as the home page last counted them (ten minutes at
    most), for this user only; none before the first visit home."""
    counts = getattr(request, "_waiting_counts", None)
    if counts is not None:
        return dict(counts)
    raw = request.COOKIES.get(WAITING_COOKIE)
    if not raw:
        return {}
    try:
        kept = signing.loads(
            raw, salt=WAITING_COOKIE_SALT, max_age=WAITING_COOKIE_MAX_AGE
        )
    except signing.BadSignature:
        return {}
    if not isinstance(kept, dict) or kept.get("u") != str(
        getattr(request.user, "pk", "")
    ):
        return {}
    found = kept.get("c")
    if not isinstance(found, dict):
        return {}
    return {str(k): int(v) for k, v in found.items() if isinstance(v, int)}


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
