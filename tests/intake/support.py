"""Helpers shared by the intake tests: the actors, payloads and files they use."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterable
from typing import Any

SUBMIT_URL = "/api/v1/intake/reports"
ME_URL = "/api/v1/intake/me"
ME_MESSAGES_URL = "/api/v1/intake/me/messages"
ME_ATTACHMENTS_URL = "/api/v1/intake/me/attachments"
REPORTS_URL = "/api/v1/reports"

NARRATIVE = (
    "El supervisor de la línea 3 dijo que quien vote por el sindicato nuevo "
    "perderá las horas extra."
)
RECEIPT_MISMATCH = (
    "Ese número de recibo no corresponde a ninguna denuncia. Revise los 16 dígitos."
)
INVALID_DATA = "Hay datos que no son válidos."


# --- The anonymous side ---------------------------------------------------------------


def report_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "language": "es",
        "categories": ["intimidation"],
        "narrative": NARRATIVE,
        "facility_id": None,
        "facility_name": "La maquila de la carretera",
        "state": "MX-AGU",
        "occurred_on": None,
        **overrides,
    }


def submit(client: Any, **overrides: Any) -> Any:
    return client.post(
        SUBMIT_URL, report_payload(**overrides), content_type="application/json"
    )


def submit_ok(client: Any, **overrides: Any) -> str:
    """Submit a valid report; return its receipt."""
    response = submit(client, **overrides)
    assert response.status_code == 201, response.content
    return response.json()["receipt"]


def receipt_auth(receipt: str) -> dict[str, str]:
    return {"Authorization": f"Receipt {receipt}"}


# --- Searching for a secret in stored bytes ----------------------------------------------


def encodings_of(secret: bytes) -> list[bytes]:
    """The secret as it would appear in plain, hex or base64 at any byte alignment.

    Base64 of a longer value holding the secret contains, whatever the
    secret's offset, the encoding of the secret without its first 0, 1 or 2
    bytes, cut to whole 4-character groups.
    """
    forms = [secret, secret.hex().encode(), secret.hex().upper().encode()]
    for skip in range(3):
        part = secret[skip:]
        whole = len(part) // 3 * 3
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(part[:whole]))
    return forms


def found_in(haystack: bytes, secrets: Iterable[bytes]) -> list[str]:
    """Which forms of which secrets occur in `haystack` (empty list: none)."""
    return [
        f"{secret!r} as {form!r}"
        for secret in secrets
        for form in encodings_of(secret)
        if form in haystack
    ]


# --- Files with metadata ----------------------------------------------------------------

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def jpeg_with_gps(make: str, *, size: tuple[int, int] = (64, 32)) -> bytes:
    """A photo whose EXIF holds a camera make, a GPS position and 'rotate 90°'."""
    from PIL import Image

    image = Image.new("RGB", size, (180, 30, 30))
    for x in range(size[0]):
        image.putpixel((x, size[1] // 2), (20, 200, 20))
    exif = Image.Exif()
    exif[MAKE] = make
    exif[ORIENTATION] = 6  # the camera was held on its side: turn 90° clockwise
    exif[GPS_IFD] = {1: "N", 2: (21.0, 52.0, 48.0), 3: "W", 4: (102.0, 18.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_with_text(text: str) -> bytes:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", text)
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 200)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_author(author: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Creator": author})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _riff_chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)


def wav_with_info(text: str, *, frames: int = 800) -> bytes:
    """A short mono WAV with a LIST/INFO chunk naming its artist."""
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    samples = b"".join(
        struct.pack("<h", (i * 997) % 20000 - 10000) for i in range(frames)
    )
    info = b"INFO" + _riff_chunk(b"IART", text.encode() + b"\0")
    payload = (
        b"WAVE"
        + _riff_chunk(b"fmt ", fmt)
        + _riff_chunk(b"LIST", info)
        + _riff_chunk(b"data", samples)
    )
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


# --- Everything the database holds ---------------------------------------------------------


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str).encode()
    return str(value).encode()


def database_dump(tables: Iterable[str] | None = None) -> bytes:
    """Every value of every row of every table (or of `tables`), as bytes.

    Read with plain SQL so it works alike on SQLite and PostgreSQL, and sees
    what a database dump or a backup would.
    """
    from django.db import connection

    chunks = []
    with connection.cursor() as cursor:
        names = tables or connection.introspection.table_names(cursor)
        for table in names:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                chunks.extend(_as_bytes(value) for value in row)
    return b"\n".join(chunks)


def database_file_image() -> bytes:
    """On SQLite, the database file's bytes, free pages and all; else nothing."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return b""
    connection.ensure_connection()
    return bytes(connection.connection.serialize())


def report_form(**overrides):
    """The worker's report form as a browser posts it, with `overrides`."""
    return {
        "categories": ["intimidation", "non_neutrality"],
        "state": "MX-AGU",
        "facility_q": "",
        "facility_name": "",
        "occurred_on": "",
        "narrative": NARRATIVE,
        "action": "submit",
        **overrides,
    }
