"""File cleaning: identified by content, stripped of metadata, refused with a reason."""

from __future__ import annotations

import io
import wave

import pytest
from PIL import Image

from remedia.core import files
from remedia.core.files import AttachmentRefused
from tests.intake.support import (
    jpeg_with_gps,
    pdf_with_author,
    png_with_text,
    wav_with_info,
)

KINDS = "fotos (JPEG, PNG, WebP), PDF o audio (MP3, OGG, M4A, WAV)"
NOT_ACCEPTED = f"Ese tipo de archivo no se acepta. Se aceptan {KINDS}."
TOO_HEAVY = "El archivo pesa más de 10 MB. Envíe uno más ligero."
MAKER = "CamaraDelTelefonoDeJuana"
AUTHOR = "Juana Pérez López"

# --- Cleaning, file by file -----------------------------------------------------------------


def test_photo_loses_exif_and_gps_and_keeps_its_turned_size():
    # Given a photo taken on its side, with a camera make and a GPS position
    original = jpeg_with_gps(MAKER, size=(64, 32))
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825), "the test photo has a GPS position"

    # When it is cleaned
    cleaned = files.clean(original)

    # Then it is still a JPEG, turned upright, with no EXIF at all
    assert cleaned.content_type == "image/jpeg"
    with Image.open(io.BytesIO(cleaned.data)) as after:
        assert after.format == "JPEG"
        assert after.size == (32, 64)
        assert dict(after.getexif()) == {}
        assert "exif" not in after.info
    assert MAKER.encode() not in cleaned.data
    assert b"Exif\0\0" not in cleaned.data


def test_png_loses_its_text_chunks():
    original = png_with_text(AUTHOR)

    cleaned = files.clean(original)

    assert cleaned.content_type == "image/png"
    assert AUTHOR.encode() not in cleaned.data
    assert b"tEXt" not in cleaned.data
    assert b"iTXt" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as after:
        assert after.size == (16, 16)
        assert "Author" not in after.info


def test_pdf_loses_its_author():
    from pypdf import PdfReader

    original = pdf_with_author(AUTHOR)
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == AUTHOR

    cleaned = files.clean(original)

    assert cleaned.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert len(reader.pages) == 1
    assert not (reader.metadata or {}).get("/Author")
    assert AUTHOR.encode() not in cleaned.data
    assert AUTHOR.encode("utf-16-be") not in cleaned.data


def test_password_protected_pdf_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secreta")
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(AttachmentRefused) as refused:
        files.clean(out.getvalue())

    assert str(refused.value.message) == (
        "El PDF está protegido con contraseña. Envíelo sin protección."
    )


def test_wav_loses_its_info_chunk_and_keeps_the_sound():
    original = wav_with_info(AUTHOR)
    assert b"LIST" in original

    cleaned = files.clean(original)

    assert cleaned.content_type == "audio/wav"
    assert b"LIST" not in cleaned.data
    assert AUTHOR.encode() not in cleaned.data
    with (
        wave.open(io.BytesIO(cleaned.data)) as cleaned_sound,
        wave.open(io.BytesIO(original)) as original_sound,
    ):
        assert cleaned_sound.getnframes() == original_sound.getnframes() == 800
        assert cleaned_sound.readframes(800) == original_sound.readframes(800)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Esto es una nota de texto, no una foto.\n", id="text"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, id="exe"),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, id="zip"),
    ],
)
def test_kinds_we_cannot_clean_are_refused_naming_what_is_accepted(data):
    with pytest.raises(AttachmentRefused) as refused:
        files.clean(data)

    assert str(refused.value.message) == NOT_ACCEPTED


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "El archivo está vacío.", id="empty"),
        pytest.param(
            b"\xff\xd8\xff\xe0" + b"roto" * 50,
            "No pudimos leer la imagen. ¿Está dañada?",
            id="broken-jpeg",
        ),
        pytest.param(
            b"%PDF-1.7\nno es un pdf",
            "No pudimos leer el PDF. ¿Está dañado?",
            id="broken-pdf",
        ),
        pytest.param(
            b"RIFF\x04\x00\x00\x00WAVE",
            "No pudimos leer el audio. ¿Está dañado?",
            id="broken-wav",
        ),
        pytest.param(
            b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), TOO_HEAVY, id="over-10-mb"
        ),
    ],
)
def test_broken_empty_or_heavy_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(AttachmentRefused) as refused:
        files.clean(data)

    assert str(refused.value.message) == reason


# --- Bounds: decompression bombs, memory ----------------------------------------------------


def _png_of_zeros(width: int, height: int) -> bytes:
    """A PNG of `width` × `height` black RGB pixels, compressed to a few hundred KB.

    Built by hand, row by row, so the test itself never holds the pixels.
    """
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * width)  # filter byte 0, then the row's pixels
    idat = b"".join(compressor.compress(row) for _ in range(height))
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_png_is_refused_quickly_and_without_memory():
    # Given a small PNG that decodes to 7000 × 7000 pixels (147 MB of RGB)
    import time
    import tracemalloc

    bomb = _png_of_zeros(7000, 7000)
    assert len(bomb) < 400_000

    # When it is cleaned
    tracemalloc.start()
    started = time.process_time()
    with pytest.raises(AttachmentRefused) as refused:
        files.clean(bomb)
    spent = time.process_time() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Then it is refused from its header: no decoding, no pixels in memory
    assert str(refused.value.message) == "La imagen es demasiado grande."
    assert spent < 0.5
    assert peak < 10 * 1024 * 1024


def test_an_image_is_cleaned_under_a_memory_bound(settings):
    # Given a 6000 × 6000 PNG (36 MP, 108 MB of pixels once decoded), under the
    # pixel ceiling, and a memory budget for cleaning too small to decode it.
    # (The child may also reuse heap its parent had already mapped and freed,
    # which a long test run leaves plenty of: the picture is far larger.)
    picture = _png_of_zeros(6000, 6000)
    settings.REMEDIA_FILE_CLEAN_MEMORY_MB = 16

    # When it is cleaned, then it is refused, and this process carries on
    with pytest.raises(AttachmentRefused) as refused:
        files.clean(picture)
    assert str(refused.value.message) == (
        "No pudimos limpiar este archivo: es demasiado grande o complejo. "
        "Envíe uno más sencillo."
    )

    # And with the ordinary budget the same picture is cleaned
    settings.REMEDIA_FILE_CLEAN_MEMORY_MB = 512
    cleaned = files.clean(picture)
    assert cleaned.content_type == "image/png"
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.size == (6000, 6000)


# --- PDF: what a phone's "scan to PDF" and a reader's comments leave behind -----------------


PDF_SECRETS = {
    "camera": "CamaraDelTelefonoDeJuana",
    "annotation author": "Juana Pérez López",
    "annotation date": "D:20240305101500-06'00'",
    "embedded file": "NOMBRE-DEL-ARCHIVO-ADJUNTO",
    "embedded file content": "contenido-del-adjunto-con-su-nombre",
    "javascript": "app.alert('hola')",
    "xmp": "autora-en-xmp",
    "info author": "Autora En Info",
}


def _pdf_with_everything() -> bytes:
    """One page showing a photo with EXIF GPS, with every kind of leftover."""
    from pypdf import PdfWriter
    from pypdf.annotations import Text
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    photo = StreamObject()
    photo._data = jpeg_with_gps(PDF_SECRETS["camera"])
    photo.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(64),
            NameObject("/Height"): NumberObject(32),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{PDF_SECRETS['xmp']}</dc:creator>".encode())
    xmp.update(
        {
            NameObject("/Type"): NameObject("/Metadata"),
            NameObject("/Subtype"): NameObject("/XML"),
        }
    )
    photo[NameObject("/Metadata")] = writer._add_object(xmp)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Im0"): writer._add_object(photo)}
            )
        }
    )
    content = DecodedStreamObject()
    content.set_data(b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    # A reviewer's comment, with its author and dates.
    note = Text(text="Revisar", rect=(20, 20, 40, 40))
    note[NameObject("/T")] = TextStringObject(PDF_SECRETS["annotation author"])
    note[NameObject("/M")] = TextStringObject(PDF_SECRETS["annotation date"])
    note[NameObject("/CreationDate")] = TextStringObject(PDF_SECRETS["annotation date"])
    writer.add_annotation(page_number=0, annotation=note)
    # An attached file, in the document and as a paper-clip on the page.
    writer.add_attachment(
        PDF_SECRETS["embedded file"], PDF_SECRETS["embedded file content"].encode()
    )
    clip = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 9, 9)]),
            NameObject("/FS"): TextStringObject(PDF_SECRETS["embedded file"]),
        }
    )
    writer.add_annotation(page_number=0, annotation=clip)
    # Script that runs on opening, and on the page.
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(PDF_SECRETS["javascript"]),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    names = writer._root_object[NameObject("/Names")].get_object()
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("inicio"), writer._add_object(script)]
            )
        }
    )
    page[NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject(PDF_SECRETS["javascript"]),
                }
            )
        }
    )
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    writer.add_metadata({"/Author": PDF_SECRETS["info author"]})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _everything_in(pdf: bytes) -> bytes:
    """The file's bytes and every stream decoded, to search for leftovers."""
    from pypdf import PdfReader
    from pypdf.generic import StreamObject

    reader = PdfReader(io.BytesIO(pdf))
    parts = [pdf]
    for number in range(1, len(reader.xref_objStm) + 200):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001, S112 (numbers past the end)
            continue
        if isinstance(obj, StreamObject):
            parts.append(obj.get_data())
        parts.append(repr(obj).encode())
    return b"\n".join(parts)


def test_a_pdf_loses_photo_exif_comment_authors_attachments_scripts_and_xmp():
    # Given a PDF with every leftover a phone or a reader's app leaves
    original = _pdf_with_everything()
    found = _everything_in(original)
    for secret in PDF_SECRETS.values():
        assert secret.encode() in found or secret.encode("utf-16-be") in found, secret

    # When it is cleaned
    cleaned = files.clean(original)

    # Then none of it is in the bytes, decoded or not
    from pypdf import PdfReader

    assert cleaned.content_type == "application/pdf"
    everything = _everything_in(cleaned.data)
    for name, secret in PDF_SECRETS.items():
        assert secret.encode() not in everything, name
        assert secret.encode("utf-16-be") not in everything, name
    for marker in (b"Exif", b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/OpenAction"):
        assert marker not in everything, marker
    # And the page still shows the photo, which has no EXIF, and no comment
    # keeps an author or a date
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert not reader.metadata
    [page] = reader.pages
    [image] = page.images
    assert image.image.size == (64, 32)
    assert not dict(image.image.getexif())
    for annotation in page.get("/Annots") or []:
        annotation = annotation.get_object()
        assert annotation["/Subtype"] != "/FileAttachment"
        assert not {"/T", "/M", "/CreationDate"} & set(annotation)
    assert "/Names" not in reader.trailer["/Root"] or not {
        "/EmbeddedFiles",
        "/JavaScript",
    } & set(reader.trailer["/Root"]["/Names"])
