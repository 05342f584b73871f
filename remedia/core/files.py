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
import json
import os
import selectors
import signal
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import ApplicationError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# A 12 MP phone photo is 4032 × 3024; an A4 page scanned at 600 dpi is 35 MP.
# The ceiling is read from the header, before any pixel is decoded.
MAX_IMAGE_PIXELS = 40_000_000
# What one cleaning may allocate (address space above the process's own), and
# how long it may compute: see `_bounded`.
CLEAN_MEMORY_MB = 512
CLEAN_CPU_SECONDS = 15
CLEAN_WALL_SECONDS = 60
# Cleanings at once in one process (a server process runs several threads).
CLEAN_CONCURRENCY = 2

ALLOWED_DESCRIPTION = _("fotos (JPEG, PNG, WebP), PDF o audio (MP3, OGG, M4A, WAV)")


class AttachmentRefused(ApplicationError):
    status_code = 422


# The reasons a bounded cleaning can give, by a code the child process sends.
_REASONS: dict[str, Promise] = {
    "image_large": _("La imagen es demasiado grande."),
    "image_broken": _("No pudimos leer la imagen. ¿Está dañada?"),
    "pdf_locked": _("El PDF está protegido con contraseña. Envíelo sin protección."),
    "pdf_broken": _("No pudimos leer el PDF. ¿Está dañado?"),
    "too_complex": _(
        "No pudimos limpiar este archivo: es demasiado grande o complejo. "
        "Envíe uno más sencillo."
    ),
}


def _refused(code: str) -> AttachmentRefused:
    exc = AttachmentRefused(_REASONS[code])
    exc.code = code  # type: ignore[attr-defined]
    return exc


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


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the header alone; refuse past the pixel ceiling."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as source:
            size = source.size
    except Image.DecompressionBombError:
        raise _refused("image_large") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise _refused("image_broken") from None
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise _refused("image_large")
    return size


def _clean_image(data: bytes, content_type: str) -> CleanFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    _image_size(data)
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            # Turn the picture the way the camera said (in place: no copy), then
            # keep only the pixels: a new image with the pixels pasted in
            # carries no EXIF, GPS, XMP or ICC block of the original.
            ImageOps.exif_transpose(source, in_place=True)
            turned: Image.Image = source
            if turned.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
                turned = turned.convert("RGBA" if "A" in turned.getbands() else "RGB")
            clean = Image.new(turned.mode, turned.size)
            if turned.mode == "P":
                clean.putpalette(turned.getpalette() or [])
            clean.paste(turned, (0, 0))
            del turned
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
    except MemoryError:
        raise _refused("too_complex") from None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refused("image_broken") from None


# Dropped wherever they appear: XMP streams, application data, actions run on
# opening or on events, thumbnails (a copy of the page, photo included),
# modification dates, attached files (PDF 2.0's /AF too) and XML forms.
_PDF_DROP_KEYS = (
    "/Metadata",
    "/PieceInfo",
    "/AA",
    "/OpenAction",
    "/Thumb",
    "/LastModified",
    "/AF",
    "/XFA",
    "/Collection",
    "/SpiderInfo",
)
# Name trees of the catalogue that hold scripts, files and media.
_PDF_DROP_NAMES = ("/EmbeddedFiles", "/JavaScript", "/AlternatePresentations")
# Actions that run code, open files or send data: emptied where they stand.
_PDF_UNSAFE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
# Annotations that carry a file or media: removed from their page.
_PDF_FILE_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
)
# Comments and marks a reader adds: their author (/T), dates and id go. (A
# form field's /T is its name, not a person: widgets keep it.)
_PDF_MARKUP = frozenset(
    {
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Stamp",
        "/Caret",
        "/Ink",
        "/Popup",
        "/Redact",
    }
)
# Image encodings that carry a camera's blocks (JPEG's APP segments, JPEG
# 2000's boxes): such images are decoded and their pixels encoded afresh.
_PDF_PHOTO_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode"})


def _pdf_scrub(obj: Any, seen: set[int]) -> None:
    """Walk the object graph once, dropping what identifies or runs."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if isinstance(obj, IndirectObject):
        obj = obj.get_object()
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, DictionaryObject):
        if obj.get("/S") in _PDF_UNSAFE_ACTIONS:
            for key in list(obj):
                if key not in ("/Type", "/S"):
                    del obj[key]
            obj[NameObject("/S")] = NameObject("/GoTo")
            obj[NameObject("/D")] = ArrayObject()
            return
        if obj.get("/Type") == "/Sig" or "/ByteRange" in obj:
            # A signature holds the signer's name, place and certificate; it
            # no longer matches the cleaned file anyway.
            for key in list(obj):
                if key != "/Type":
                    del obj[key]
            return
        for key in _PDF_DROP_KEYS:
            obj.pop(NameObject(key), None)
        if obj.get("/Subtype") in _PDF_MARKUP:
            for key in ("/T", "/M", "/CreationDate", "/NM"):
                obj.pop(NameObject(key), None)
        if "/Annots" in obj:
            annotations = obj["/Annots"].get_object()
            if isinstance(annotations, ArrayObject):
                kept = [
                    a
                    for a in annotations
                    if a.get_object().get("/Subtype") not in _PDF_FILE_ANNOTATIONS
                ]
                obj[NameObject("/Annots")] = ArrayObject(kept)
        for value in list(obj.values()):
            _pdf_scrub(value, seen)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _pdf_scrub(value, seen)


def _pdf_drop_unreachable(writer: Any) -> None:
    """Empty every object the catalogue no longer reaches, chains of them too.

    (pypdf's own pass keeps an object that an unreachable one still names.)
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reachable: set[int] = set()
    pending: list[Any] = [writer._root_object]
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in reachable:
                continue
            reachable.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
    root = writer._root_object.indirect_reference
    if root is not None:
        reachable.add(root.idnum)
    for index in range(len(writer._objects)):
        if index + 1 not in reachable:
            writer._objects[index] = None


def _pdf_photo_filter(xobject: Any) -> bool:
    filters = xobject.get("/Filter")
    if filters is None:
        return False
    names = filters if isinstance(filters, list) else [filters]
    return any(str(name) in _PDF_PHOTO_FILTERS for name in names)


def _pdf_images_reencode(writer: Any) -> None:
    """Give every JPEG and JPEG 2000 image fresh pixels, with nothing else."""
    from PIL import Image

    for page in writer.pages:
        for image in page.images:
            reference = image.indirect_reference
            if reference is None:
                # An inline image (in the page's own drawing); cannot be
                # replaced in place, so one that is a photo refuses the file.
                raise _refused("too_complex")
            xobject = reference.get_object()
            if not _pdf_photo_filter(xobject):
                continue
            width, height = (
                int(xobject.get("/Width", 0)),
                int(xobject.get("/Height", 0)),
            )
            if width * height > MAX_IMAGE_PIXELS:
                raise _refused("too_complex")
            pixels = image.image
            if pixels is None:
                raise _refused("pdf_broken")
            if pixels.mode not in {"RGB", "L", "CMYK"}:
                pixels = pixels.convert("RGB")
            clean = Image.new(pixels.mode, pixels.size)
            clean.paste(pixels, (0, 0))
            image.replace(clean, quality=90)


def _clean_pdf(data: bytes) -> CleanFile:
    """The document information, XMP, comment authors and dates, attached files,
    scripts and actions go; photos inside are encoded afresh from their pixels
    (a phone's "scan to PDF" embeds the camera's JPEG, EXIF and GPS included)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refused("pdf_locked")
        writer = PdfWriter(clone_from=reader)
        # Document information (author, creator, producer, dates).
        writer.metadata = None
        root = writer._root_object
        names = root.get("/Names")
        if names is not None:
            names = names.get_object()
            for key in _PDF_DROP_NAMES:
                names.pop(NameObject(key), None)
        _pdf_scrub(root, set())
        _pdf_images_reencode(writer)
        # Objects no longer reachable from the catalogue (the old information
        # dictionary, the files, scripts and photos cut loose above) go.
        _pdf_drop_unreachable(writer)
        out = io.BytesIO()
        writer.write(out)
        return CleanFile("application/pdf", out.getvalue(), "pdf")
    except AttachmentRefused:
        raise
    except MemoryError:
        raise _refused("too_complex") from None
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        raise _refused("pdf_broken") from None


def _clean_pdf_of(data: bytes, content_type: str) -> CleanFile:
    return _clean_pdf(data)


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


# --- Cleaning under a bound -----------------------------------------------------------
#
# Decoding an image or the images inside a PDF can take far more memory and
# time than the file's size suggests (a 200 KB PNG can decode to 150 MB), and a
# decoder is a large surface. Each such cleaning runs in a forked child process
# whose address space (RLIMIT_AS) and CPU time (RLIMIT_CPU) are limited: past
# the limit the child fails, not the server, and the file is refused. A
# semaphore keeps the children of one process to `CLEAN_CONCURRENCY`, so a
# burst of uploads cannot multiply the budget by the number of threads. The
# child receives the bytes by fork (copy-on-write) and sends back the clean
# file through a pipe, framed by hand (no pickle). Where fork or /proc is
# missing (not the Linux servers Remedia runs on) the cleaning runs in-process,
# still one at a time per slot.

_SLOTS = threading.BoundedSemaphore(CLEAN_CONCURRENCY)


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _child_run(
    write_fd: int,
    work: Callable[[bytes, str], CleanFile],
    data: bytes,
    content_type: str,
    budget: int,
    base: int,
) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (base + budget, base + budget))
        resource.setrlimit(
            resource.RLIMIT_CPU, (CLEAN_CPU_SECONDS, CLEAN_CPU_SECONDS + 1)
        )
        try:
            clean = work(data, content_type)
        except AttachmentRefused as exc:
            frame = b"R" + getattr(exc, "code", "too_complex").encode()
        except MemoryError:
            frame = b"R" + b"too_complex"
        else:
            header = json.dumps(
                {"content_type": clean.content_type, "extension": clean.extension}
            ).encode()
            frame = b"C" + struct.pack(">I", len(header)) + header + clean.data
        view = memoryview(frame)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:  # noqa: S110 (the parent refuses a child that sent nothing)
        pass
    finally:
        os._exit(0)


def _read_child(read_fd: int, pid: int) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + CLEAN_WALL_SECONDS
    # A selector, not select(): a busy server's descriptors pass FD_SETSIZE.
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return b""
            if not selector.select(left):
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _bounded(
    work: Callable[[bytes, str], CleanFile], data: bytes, content_type: str
) -> CleanFile:
    budget = int(getattr(settings, "REMEDIA_FILE_CLEAN_MEMORY_MB", CLEAN_MEMORY_MB))
    with _SLOTS:
        base = _address_space()
        if base is None or not hasattr(os, "fork"):
            return work(data, content_type)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child never returns)
            os.close(read_fd)
            _child_run(write_fd, work, data, content_type, budget * 1024 * 1024, base)
        os.close(write_fd)
        try:
            frame = _read_child(read_fd, pid)
        finally:
            os.close(read_fd)
            os.waitpid(pid, 0)
    if frame[:1] == b"R" and frame[1:].decode(errors="replace") in _REASONS:
        raise _refused(frame[1:].decode())
    if frame[:1] != b"C" or len(frame) < 5:
        # Killed at a limit, or failed before it could answer.
        raise _refused("too_complex")
    (size,) = struct.unpack(">I", frame[1:5])
    header = json.loads(frame[5 : 5 + size])
    return CleanFile(header["content_type"], frame[5 + size :], header["extension"])


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
        # The header check first, here: a bomb is refused without a child.
        _image_size(data)
        return _bounded(_clean_image, data, content_type)
    if content_type == "application/pdf":
        return _bounded(_clean_pdf_of, data, content_type)
    if content_type == "audio/wav":
        return _clean_wav(data)
    return _clean_tagged_audio(data, content_type)
