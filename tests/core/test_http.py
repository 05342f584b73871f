"""What every response carries, the start page's language, error pages, health."""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from remedia.config import urls as project_urls


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: internal detail that must not reach the page")


# This module doubles as a URLconf for the server-error test: the project's
# routes plus one view that fails.
urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500

PAGES = ["/", "/staff/login/", "/healthz", "/no-such-page/", "/api/v1/me"]


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def _html_lang(response: HttpResponse) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


# --- Security headers -----------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_a_strict_content_security_policy(client, url):
    # When any page, error or API answer is fetched
    response = client.get(url)

    # Then scripts may come only from this site, never inline
    policy = _directives(response["Content-Security-Policy"])
    scripts = policy.get("script-src", policy["default-src"])
    assert scripts == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", PAGES)
def test_every_response_denies_framing_and_sniffing(client, url):
    response = client.get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_hsts_is_sent_over_tls_only(client):
    # Given the same page over plain HTTP and over TLS (direct or via the proxy)
    plain = client.get("/")
    direct = client.get("/", secure=True)
    proxied = client.get("/", headers={"x-forwarded-proto": "https"})

    # Then only the TLS answers pin the browser to HTTPS
    assert "Strict-Transport-Security" not in plain
    for response in (direct, proxied):
        hsts = response["Strict-Transport-Security"]
        assert "max-age=63072000" in hsts
        assert "includeSubDomains" in hsts


@pytest.mark.parametrize("url", ["/", "/staff/login/", "/no-such-page/"])
def test_pages_load_nothing_from_another_host_and_run_no_inline_script(client, url):
    html = client.get(url).content.decode()

    # A link away (the worker's quick exit) loads nothing; anything else would.
    elements = re.findall(r'<(\w+)[^>]*\b(?:src|href|action)="(?:https?:)?//', html)
    assert [e for e in elements if e != "a"] == []
    for link in re.findall(r'<a\b[^>]*href="(?:https?:)?//[^>]*>', html):
        assert 'rel="noreferrer"' in link, link
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert inline_scripts == []


# --- Language -------------------------------------------------------------------------


def test_start_page_is_in_spanish_by_default(client):
    # When a worker opens the start page with no language preference
    response = client.get("/")

    # Then it is in Mexican Spanish
    assert response.status_code == 200
    assert _html_lang(response) == "es-mx"
    assert response["Content-Language"] == "es-mx"
    assert "Denuncie sin dar su nombre" in response.content.decode()


def test_language_switch_changes_the_language():
    # Given a browser that has the start page, with its CSRF cookie
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")
    token = browser.cookies["csrftoken"].value

    # When it asks for English through the switch's form
    response = browser.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
    )

    # Then it is sent back and the page is now in English
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = browser.get("/")
    assert _html_lang(page) == "en"
    assert page["Content-Language"] == "en"


def test_language_switch_refuses_a_request_without_csrf_token():
    # Given a browser with a CSRF cookie (a cross-site form cannot read it)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")

    # When a form from elsewhere posts the switch without the token
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # Then it is refused with our own page, and the language is unchanged
    assert response.status_code == 403
    assert "vuelva a cargar la página" in response.content.decode()
    assert _html_lang(browser.get("/")) == "es-mx"


def test_staff_login_refuses_a_request_without_csrf_token(handler):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/staff/login/", {"username": "hilda", "password": "whatever", "code": ""}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


# --- Error pages and health -----------------------------------------------------------


def test_unknown_page_renders_our_not_found_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "No encontramos esta página" in html
    assert "Volver al inicio" in html
    assert _html_lang(response) == "es-mx"


def test_server_error_renders_our_page_without_details(client, settings):
    # Given a view that fails
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False

    # When it is requested
    response = client.get("/boom/")

    # Then the visitor sees our page, the policy headers and none of the error
    assert response.status_code == 500
    html = response.content.decode()
    assert "Algo falló de nuestro lado" in html
    assert "internal detail" not in html
    assert "Traceback" not in html
    assert "Content-Security-Policy" in response


def test_health_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_pages_name_their_icon_and_favicon_ico_leads_to_it(client):
    """No page load ends in a 404 for the icon: pages link it, and the path
    browsers ask for anyway redirects to it (permanently, so asked once)."""
    page = client.get("/", secure=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page.content.decode())
    assert icon is not None
    assert icon.group(1).endswith(".svg")
    asked = client.get("/favicon.ico", secure=True)
    assert asked.status_code == 301
    assert asked["Location"] == icon.group(1)
    assert client.get(asked["Location"], secure=True).status_code == 200
