"""Browser tests: Debian's Chromium, driven by Playwright, against the live server.

Playwright never downloads a browser here: it launches the system's
/usr/bin/chromium (Debian's `chromium` package, which .ci/run installs).
Without it a browser test is skipped on a developer's machine and fails in CI.

Every page gets a fresh browser context (cookies, storage) and records what it
asked for and what its console said, so a test can check that nothing left
the live server and that the Content Security Policy refused nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.pages import PageLog
from tests.e2e.worker import World, world_make

CHROMIUM_MISSING = (
    "Debian's chromium package is not installed; apt-get install chromium"
)

# Flags for a root user on a machine whose network is closed: without the
# background-networking ones Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A small Android phone, for the worker-facing pages.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Collects a page's in-page Content Security Policy violations; injected through
# DevTools, so the policy itself does not apply to it.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which
    # Django's async-safety check would take for async code calling the ORM.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=path, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(
    browser: Any, live_server: Any, _flushable_audit_log: None
) -> Iterator[Callable[..., PageLog]]:
    """Open pages in fresh contexts: `new_page()` for a desktop, `new_page(phone=True)`.

    Pages speak Spanish (Mexico) unless `locale` says otherwise, and resolve
    relative URLs against the live server.
    """
    contexts: list[Any] = []

    def open_page(
        *, phone: bool = False, locale: str = "es-MX", **options: Any
    ) -> PageLog:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            timezone_id="America/Mexico_City",
            **{**(PHONE if phone else DESKTOP), **options},
        )
        contexts.append(context)
        context.set_default_timeout(15_000)
        context.add_init_script(_CSP_LISTENER)
        page = context.new_page()
        log = PageLog(page)
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("console", lambda message: log.console.append(message.text))
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        return log

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page_log(new_page: Callable[..., PageLog]) -> PageLog:
    return new_page()


@pytest.fixture
def page(page_log: PageLog) -> Any:
    """A desktop-sized page in a fresh context."""
    return page_log.page


@pytest.fixture
def phone_page(new_page: Callable[..., PageLog]) -> Any:
    """A 360x740 touch phone page in a fresh context, for the worker-facing pages."""
    return new_page(phone=True).page


@pytest.fixture
def report_world(_flushable_audit_log: None) -> World:
    """The worker-report world (tests/e2e/worker.py), committed for the live server."""
    return world_make()
