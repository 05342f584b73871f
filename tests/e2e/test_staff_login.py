"""Staff login with a second factor, in Chromium, as a person would do it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.pages import PageLog
from tests.support.factories.accounts import PASSWORD, member, totp_code, totp_device

pytestmark = pytest.mark.e2e

GENERIC_ERROR = "El usuario, la contraseña o el código no son correctos."
LOGIN = "/staff/login/"


def code_from_secret(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows for a base32 secret: RFC 6238, SHA-1."""
    key = base64.b32decode(secret.strip().replace(" ", "").upper())
    counter = int(time.time() if at is None else at) // 30
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 1_000_000).zfill(6)


def test_code_from_secret_matches_rfc_6238() -> None:
    # RFC 6238, appendix B, SHA-1 at T = 59 s (8 digits 94287082).
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert code_from_secret(secret, at=59) == "287082"


def fill_login(page: Any, username: str, password: str, code: str = "") -> None:
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_label("Código de verificación").fill(code)
    page.get_by_role("button", name="Entrar", exact=True).click()


def path_of(page: Any) -> str:
    return urlsplit(page.url).path


def expect_visible(page: Any, text: str) -> None:
    locator = page.get_by_text(text, exact=True)
    locator.first.wait_for(state="visible")
    assert locator.first.is_visible()


@pytest.fixture
def handler_with_device(db: None) -> tuple[Any, Any]:
    user = member("handler", username="hilda")
    return user, totp_device(user)


def test_handler_logs_in_with_password_and_totp(
    page: Any, handler_with_device: tuple[Any, Any]
) -> None:
    user, device = handler_with_device
    page.goto(LOGIN)
    fill_login(page, user.username, PASSWORD, totp_code(device))
    page.wait_for_url("**/staff/")
    assert path_of(page) == "/staff/"
    role = page.locator('[data-role="handler"]')
    assert role.inner_text() == "Gestión de casos"
    expect_visible(page, "Gestión de casos")
    assert page.get_by_role("button", name="Cerrar sesión").is_visible()


def test_wrong_code_shows_the_one_generic_error(
    page: Any, handler_with_device: tuple[Any, Any]
) -> None:
    user, device = handler_with_device
    secret = base64.b32encode(device.bin_key).decode()
    now = time.time()
    # Not the code of this time step nor of the neighbours the server accepts.
    valid = {code_from_secret(secret, at=now + 30 * d) for d in (-2, -1, 0, 1, 2)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    page.goto(LOGIN)
    fill_login(page, user.username, PASSWORD, wrong)
    alert = page.locator("#form-errors")
    alert.wait_for(state="visible")
    assert alert.inner_text().strip() == GENERIC_ERROR
    assert alert.get_attribute("role") == "alert"
    assert path_of(page) == LOGIN
    assert page.get_by_label("Contraseña").input_value() == ""
    assert page.locator('[data-role="handler"]').count() == 0


def test_handler_without_device_enrols_then_reaches_home(
    page_log: PageLog, db: None
) -> None:
    page = page_log.page
    user = member("handler", username="hugo")
    page.goto(LOGIN)
    fill_login(page, user.username, PASSWORD)
    page.wait_for_url("**/staff/enrol/")
    expect_visible(page, "Configure su segundo factor")
    # Until enrolled, the home page sends the user back here.
    page.goto("/staff/")
    assert path_of(page) == "/staff/enrol/"

    secret = page.locator("#totp-secret").inner_text()
    assert len(secret.strip()) >= 16
    page.get_by_label("Código de 6 dígitos").fill(code_from_secret(secret))
    page.get_by_role("button", name="Confirmar").click()

    codes = page.locator("#recovery-codes li")
    codes.first.wait_for(state="visible")
    assert codes.count() == 10
    texts = [t.strip() for t in codes.all_inner_texts()]
    assert len(set(texts)) == 10
    assert all(texts)

    page.get_by_role("link", name="Ya los guardé, continuar").click()
    page.wait_for_url("**/staff/")
    expect_visible(page, "Gestión de casos")
    assert not page_log.errors


def test_language_switch_turns_the_login_page_english(page: Any) -> None:
    page.goto(LOGIN)
    assert page.locator("html").get_attribute("lang") == "es-mx"
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert path_of(page) == LOGIN
    assert page.get_by_role("button", name="Español").is_visible()
    # And back again.
    page.get_by_role("button", name="Español").click()
    page.wait_for_function("document.documentElement.lang === 'es-mx'")
    assert path_of(page) == LOGIN
    expect_visible(page, "Entrar al espacio del personal")


def test_pages_load_nothing_from_elsewhere_and_break_no_csp(
    page_log: PageLog, live_server: Any, db: None
) -> None:
    page = page_log.page
    user = member("handler", username="hanna")
    response = page.goto(LOGIN)
    assert response is not None
    assert response.ok
    assert "default-src 'self'" in response.headers["content-security-policy"]
    fill_login(page, user.username, PASSWORD)
    page.wait_for_url("**/staff/enrol/")
    page.locator("img.qr").wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    # The QR code is an inline image, so it must actually have been drawn.
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    assert page.evaluate("document.styleSheets.length") >= 1

    own = urlsplit(live_server.url).netloc
    visited = [urlsplit(url) for url in page_log.requests]
    assert any(u.path == "/static/remedia/remedia.css" for u in visited)
    elsewhere = [u.geturl() for u in visited if u.scheme != "data" and u.netloc != own]
    assert elsewhere == []
    assert page_log.csp_violations() == []
    assert page_log.errors == []
