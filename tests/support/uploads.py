"""Files as a browser or an API client uploads them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile


def csv_file(
    text: str, name: str = "lista.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    """A CSV upload of `text` (a roster, an attendance list...)."""
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
