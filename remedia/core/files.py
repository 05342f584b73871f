"""File checks and metadata removal, before anything is encrypted or stored.

Used by every app that accepts a file (report attachments, case and petition
documents, remediation evidence).

A photo's EXIF can hold the GPS position of the worker's home and the phone's
serial number; a PDF's document information can hold the author's name. Every
file is identified by its content (not its name or the type the client claims),
cleaned, and refused if it is of a kind we cannot clean. All of this happens in
memory: the plain file never touches the disk.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from remedia.core.errors import ApplicationError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

ALLOWED_DESCRIPTION = _("fotos (JPEG, PNG, WebP), PDF o audio (MP3, OGG, M4A, WAV)")


class AttachmentRefused(ApplicationError):
    status_code = 422


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    data: bytes
    extension: str


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"ID3") or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    ):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data[4:8] == b"ftyp" and data[8:12] in {
        b"M4A ",
        b"mp42",
        b"isom",
        b"M4B ",
        b"3gp4",
        b"3gp5",
    }:
        return "audio/mp4"
    return None


def _clean_image(data: bytes, content_type: str) -> CleanFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > 60_000_000:
                raise AttachmentRefused(_("La imagen es demasiado grande."))
            source.load()
            # Turn the picture the way the camera said, then keep only the pixels:
            # a new image built from raw pixel data carries no EXIF, GPS, XMP or
            # ICC block of the original.
            turned = ImageOps.exif_transpose(source) or source
            if turned.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
                turned = turned.convert("RGBA" if "A" in turned.getbands() else "RGB")
            clean = Image.frombytes(turned.mode, turned.size, turned.tobytes())
            if turned.mode == "P":
                clean.putpalette(turned.getpalette() or [])
            out = io.BytesIO()
            if content_type == "image/jpeg":
                if clean.mode not in {"RGB", "L"}:
                    clean = clean.convert("RGB")
                clean.save(out, format="JPEG", quality=90)
                return CleanFile("image/jpeg", out.getvalue(), "jpg")
            if content_type == "image/png":
                clean.save(out, format="PNG")
                return CleanFile("image/png", out.getvalue(), "png")
            clean.save(out, format="WEBP", quality=90)
            return CleanFile("image/webp", out.getvalue(), "webp")
    except AttachmentRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise AttachmentRefused(_("No pudimos leer la imagen. ¿Está dañada?")) from None


def _clean_pdf(data: bytes) -> CleanFile:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentRefused(
                _("El PDF está protegido con contraseña. Envíelo sin protección.")
            )
        writer = PdfWriter(clone_from=reader)
        # Document information (author, creator, producer, dates) and XMP streams.
        writer.metadata = None
        for holder in [writer._root_object, *writer.pages]:
            for key in ("/Metadata", "/PieceInfo"):
                if NameObject(key) in holder:
                    del holder[NameObject(key)]
        # Objects no longer referenced (the old information dictionary) are dropped.
        writer.compress_identical_objects()
        out = io.BytesIO()
        writer.write(out)
        return CleanFile("application/pdf", out.getvalue(), "pdf")
    except AttachmentRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        raise AttachmentRefused(_("No pudimos leer el PDF. ¿Está dañado?")) from None


def _clean_wav(data: bytes) -> CleanFile:
    """Keep only the format and the sound: drop LIST/INFO, bext, iXML and the rest."""
    if len(data) < 12:
        raise AttachmentRefused(_("No pudimos leer el audio. ¿Está dañado?"))
    chunks = []
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id in {b"fmt ", b"data"}:
            chunks.append(
                chunk_id
                + struct.pack("<I", len(body))
                + body
                + (b"\0" if size % 2 else b"")
            )
        pos += 8 + size + (size % 2)
    if not any(c.startswith(b"fmt ") for c in chunks) or not any(
        c.startswith(b"data") for c in chunks
    ):
        raise AttachmentRefused(_("No pudimos leer el audio. ¿Está dañado?"))
    payload = b"WAVE" + b"".join(chunks)
    return CleanFile(
        "audio/wav", b"RIFF" + struct.pack("<I", len(payload)) + payload, "wav"
    )


def _clean_tagged_audio(data: bytes, content_type: str) -> CleanFile:
    import mutagen

    buffer = io.BytesIO(data)
    try:
        audio = mutagen.File(buffer)
        if audio is None:
            raise AttachmentRefused(_("No pudimos leer el audio. ¿Está dañado?"))
        buffer.seek(0)
        if audio.tags is not None:
            audio.delete(buffer)
    except mutagen.MutagenError:
        raise AttachmentRefused(_("No pudimos leer el audio. ¿Está dañado?")) from None
    extension = {"audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/mp4": "m4a"}[
        content_type
    ]
    return CleanFile(content_type, buffer.getvalue(), extension)


def clean(data: bytes, *, too_large: bool = False) -> CleanFile:
    """Identify, check and clean one file; raise `AttachmentRefused` with the reason.

    `too_large`: the upload handler already stopped reading a file past the
    limit (its bytes are not here), which gets the same answer as a large one.
    """
    if too_large or len(data) > MAX_BYTES:
        raise AttachmentRefused(
            _("El archivo pesa más de %(mb)s MB. Envíe uno más ligero.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if len(data) == 0:
        raise AttachmentRefused(_("El archivo está vacío."))
    content_type = _sniff(data)
    if content_type is None:
        raise AttachmentRefused(
            _("Ese tipo de archivo no se acepta. Se aceptan %(kinds)s.")
            % {"kinds": ALLOWED_DESCRIPTION}
        )
    if content_type.startswith("image/"):
        return _clean_image(data, content_type)
    if content_type == "application/pdf":
        return _clean_pdf(data)
    if content_type == "audio/wav":
        return _clean_wav(data)
    return _clean_tagged_audio(data, content_type)
