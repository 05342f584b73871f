"""Documents as PDF (WeasyPrint), rendered from our own templates only.

The URL fetcher refuses every address, so a document never reaches the
network or the file system, whatever free text it holds (a course's notes, a
meeting's minutes). Used by the course report and coordination's minutes and
plan; ``language`` is ``es`` or ``en``, checked by ``document_language``.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from remedia.core.errors import InvalidInput

LANGUAGES = ("es", "en")


def document_language(raw: str | None) -> str:
    """The document's language: ``es`` (default) or ``en``; anything else refused."""
    language = (raw or translation.get_language() or "es")[:2].lower()
    if language not in LANGUAGES:
        raise InvalidInput(
            [
                {
                    "field": "lang",
                    "reason": _("El documento existe en español (es) o inglés (en)."),
                }
            ]
        )
    return language


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the document fetches nothing: {url[:40]}")


def render_pdf(
    template: str, context: dict[str, Any], *, language: str, identifier: str
) -> bytes:
    """The PDF of ``template`` rendered in ``language``."""
    from weasyprint import HTML  # imported here: loading pango costs ~0.3 s

    with translation.override(language):
        html = render_to_string(template, context)
    pdf = HTML(string=html, url_fetcher=_refuse_fetch, base_url=None).write_pdf(
        pdf_identifier=identifier.encode(), uncompressed_pdf=False
    )
    return bytes(pdf)
