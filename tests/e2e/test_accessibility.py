"""Issue 22.7: axe-core finds no serious or critical violation, in Chromium.

axe-core (through `axe-playwright-python`, its script bundled in the wheel:
nothing is fetched) runs on every page a worker meets, at 360 px and at
1366 px: the start page, the report form (its first step, every step at once as
without JavaScript, and after a failed submit with its error summary), the
receipt, the follow-up entry and the follow-up page,
the public RRM record and the public figures. On the staff side it runs, for
every role of the demo, on each page of the role's menu and on the first
record each list links to (a report, a case, a petition, a course, a file...),
at 1366 px, and on the handler's at 360 px.

Any violation of impact "serious" or "critical" fails the test, listed with
its rule, the element and axe's summary; "moderate" and "minor" are not
counted here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.pages import PageLog
from tests.e2e.test_workspace import demo, log_in  # noqa: F401 (the fixture)
from tests.e2e.worker import (
    INTIMIDATION,
    fill_report,
    follow_up,
    read_receipt,
    send_report,
    to_step,
)

pytestmark = pytest.mark.e2e

AXE = Axe()
SERIOUS = {"serious", "critical"}
WIDE = {"viewport": {"width": 1366, "height": 900}}
NARRATIVE = (
    "Nos vigilan en el baño y el supervisor dice que votemos por la planilla roja."
)
WIDTHS = [pytest.param(True, id="360px"), pytest.param(False, id="1366px")]


def _serious(page: Any) -> list[str]:
    """The serious and critical violations on the page as it is now."""
    found = []
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] not in SERIOUS:
            continue
        node = violation["nodes"][0]
        summary = " ".join(node.get("failureSummary", "").split())[:300]
        found.append(
            f"{page.url} {violation['id']} ({violation['impact']}, "
            f"{len(violation['nodes'])}x) {node['target']}: {summary}"
        )
    return found


def _open(new_page: Callable[..., PageLog], phone: bool, **options: Any) -> Any:
    return (
        new_page(phone=True, **options).page
        if phone
        else new_page(**WIDE, **options).page
    )


@pytest.mark.parametrize("phone", WIDTHS)
def test_the_workers_pages_with_javascript(
    new_page: Callable[..., PageLog], report_world: Any, phone: bool
) -> None:
    page = _open(new_page, phone)
    found: list[str] = []
    for url in ("/", "/seguimiento/", "/rrm/", "/cifras/"):
        page.goto(url)
        found += _serious(page)
    page.goto("/denunciar/")
    found += _serious(page)
    # A submit without the story: the summary of errors on top
    to_step(page, "step-what")
    page.get_by_label(INTIMIDATION, exact=True).check()
    send_report(page)
    page.locator("#error-summary, .error-summary").first.wait_for()
    found += _serious(page)
    fill_report(page, NARRATIVE)
    send_report(page)
    receipt = read_receipt(page)
    found += _serious(page)
    follow_up(page, receipt)
    found += _serious(page)
    assert found == []


@pytest.mark.parametrize("phone", WIDTHS)
def test_the_report_form_as_it_is_without_its_step_script(
    new_page: Callable[..., PageLog], report_world: Any, phone: bool
) -> None:
    # axe is a script itself, so the page keeps JavaScript; the steps' script
    # is refused, which leaves the form as a browser without JavaScript shows
    # it: every step at once. Then the failed submit with its summary.
    page = _open(new_page, phone)
    page.route("**/report-steps.js", lambda route: route.abort())
    page.goto("/denunciar/")
    assert not page.locator("#report-form.js-steps").count()
    found = _serious(page)
    page.get_by_role("button", name="Enviar denuncia").click()
    page.locator("#error-summary").wait_for()
    found += _serious(page)
    assert found == []


# A list's first record: the link into its table (or its list of cards).
FIRST_RECORD = (
    "main table tbody a[href^='/staff/'], main [data-course] a[href^='/staff/']"
)
# Menu entries that are not pages to read (a file, the way out).
SKIPPED = re.compile(r"/logout/|\.(csv|xlsx|pdf|ics)(\?|$)|/admin/")


def _menu(page: Any) -> list[str]:
    hrefs = page.locator("header nav a[href^='/staff/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return list(dict.fromkeys(h for h in hrefs if not SKIPPED.search(h)))


def _walk(page: Any, start: str) -> tuple[list[str], int]:
    """Axe on the role's home, each page of its menu and each list's first
    record; the violations and the number of pages checked."""
    page.goto(start)
    found, seen = _serious(page), {start}
    for href in _menu(page):
        if href in seen:
            continue
        seen.add(href)
        page.goto(href)
        found += _serious(page)
        first = page.locator(FIRST_RECORD).first
        target = first.get_attribute("href") if first.count() else None
        if target and target not in seen and not SKIPPED.search(target):
            seen.add(target)
            page.goto(target)
            found += _serious(page)
    return found, len(seen)


def test_every_roles_staff_pages(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    found: list[str] = []
    checked = 0
    for username in sorted(demo):
        page = new_page(**WIDE).page
        log_in(page, username, demo[username])
        role_found, pages = _walk(page, "/staff/")
        found += [f"{username}: {line}" for line in role_found]
        checked += pages
        page.context.close()
    assert found == []
    # Every role's menu, and the records behind the lists.
    assert checked >= 40, checked


def test_the_handlers_pages_on_a_phone(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    page = new_page(phone=True).page
    log_in(page, "handler", demo["handler"])
    found, pages = _walk(page, "/staff/")
    assert found == []
    assert pages >= 8, pages
