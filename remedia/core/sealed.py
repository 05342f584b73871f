"""Sealed records: key grants, documents and notes that only key holders open.

A record that holds what a reporter or a victim said (a report, a case, later
a victim file) has its own keypair. Its private half is sealed to every
entitled staff member's public key and to the organisation's escrow key (a
*grant*); its notes and documents are sealed to its public half. The server
can write them but never read them: only someone whose grant opens can.

Each app keeps its own tables (`ReportKeyGrant`, `CaseKeyGrant`, ...) on the
abstract models below, and calls the one helper of each kind:

- grants: `grant_seal` (add the missing grants, replace dead ones) and
  `grant_open` (the record's private key through a user's grant);
- documents: `document_seal` (encrypt a cleaned file under its own key, sealed
  to the record; the blob is written and removed again if the transaction
  fails, see `file_kept`) and `document_open`;
- notes and small JSON: `note_seal`/`note_open`, `json_seal`/`json_open`.

Who is entitled (members with a capability, escrow keys) is the accounts
app's to say; callers pass the public keys they found. `core` names the
organisation model by its label only, as it names the user by
`AUTH_USER_MODEL`, and imports no other app.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.core import crypto
from remedia.core.grants import grant_plan

ORGANISATION_MODEL = "accounts.Organisation"

# --- The abstract models --------------------------------------------------------------


class SealedKeyGrant(models.Model):
    """A record's private key sealed to one user's or one escrow public key.

    The concrete model adds the foreign key to its record and its constraints
    (`grant_constraints`), whose names it keeps.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Usuario que puede abrirlo."),
    )
    organisation = models.ForeignKey(
        ORGANISATION_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Organización cuya llave de custodia puede abrirlo."),
    )
    recipient_public_key = models.BinaryField(
        help_text=_(
            "Llave pública a la que se selló (para detectar llaves reemplazadas)."
        )
    )
    sealed_key = models.BinaryField(help_text=_("Llave privada del registro, sellada."))

    class Meta:
        abstract = True


def grant_constraints(
    *, owner: str, user_name: str, escrow_name: str, xor_name: str
) -> list[models.BaseConstraint]:
    """One grant per user and per escrow for each record, and each grant is one
    of the two. The names are the concrete table's."""
    return [
        models.UniqueConstraint(fields=[owner, "user"], name=user_name),
        models.UniqueConstraint(fields=[owner, "organisation"], name=escrow_name),
        models.CheckConstraint(
            condition=(
                models.Q(user__isnull=False, organisation__isnull=True)
                | models.Q(user__isnull=True, organisation__isnull=False)
            ),
            name=xor_name,
        ),
    ]


class SealedDocument(models.Model):
    """A file cleaned of metadata, encrypted under its own key sealed to a record.

    The bytes live in a file named `blob` under the app's data directory; the
    row holds the file key and the original name, both sealed.
    """

    content_type = models.CharField(
        max_length=64,
        help_text=_("Tipo comprobado por su contenido, no por su nombre."),
    )
    size = models.PositiveIntegerField(help_text=_("Bytes tras limpiar metadatos."))
    sealed_meta = models.BinaryField(help_text=_("Nombre original, sellado."))
    sealed_key = models.BinaryField(help_text=_("Llave del archivo, sellada."))
    blob = models.CharField(
        max_length=80,
        help_text=_("Nombre del archivo cifrado bajo el directorio de datos."),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.content_type} · {self.size} B"


class SealedNote(models.Model):
    """A note for staff only, sealed to a record's key (`note_seal`)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien escribió."),
    )
    content = models.BinaryField(help_text=_("Texto sellado a la llave del registro."))

    class Meta:
        abstract = True


# --- Small sealed JSON and notes -------------------------------------------------------


def json_seal(data: Mapping[str, Any], *, public_key: bytes) -> bytes:
    return crypto.seal(
        json.dumps(data, ensure_ascii=False).encode(), public_key=public_key
    )


def json_open(ciphertext: bytes, *, private_key: bytes) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(
        crypto.unseal(bytes(ciphertext), private_key=private_key)
    )
    return opened


def note_seal(body: str, *, public_key: bytes) -> bytes:
    return json_seal({"body": body}, public_key=public_key)


def note_open(content: bytes, *, private_key: bytes) -> str:
    return str(json_open(content, private_key=private_key)["body"])


# --- Grants --------------------------------------------------------------------------------


def grant_seal(
    *,
    model: type[SealedKeyGrant],
    owner: Mapping[str, Any],
    private: bytes,
    user_keys: dict[Any, bytes],
    escrow_keys: dict[Any, bytes],
    fresh: bool = False,
) -> int:
    """Seal a record's private key to every entitled user and escrow lacking a grant.

    `owner` is the grant's foreign key to its record (`{"case": case}`);
    `user_keys` and `escrow_keys` are the public keys of who is entitled now.
    A grant sealed to a key its user no longer holds (after a password reset)
    is replaced. `fresh` (a record being created) skips looking for grants
    that cannot exist yet. Returns how many grants were added.
    """
    grants = model._default_manager.filter(**owner)
    plan = grant_plan(
        private=private,
        existing=[]
        if fresh
        else grants.values_list("user_id", "organisation_id", "recipient_public_key"),
        user_keys=user_keys,
        escrow_keys=escrow_keys,
    )
    if plan.replaced:
        grants.filter(user_id__in=plan.replaced).delete()
    rows = [
        model(**owner, user_id=user_id, recipient_public_key=public, sealed_key=sealed)
        for user_id, public, sealed in plan.users
    ] + [
        model(
            **owner,
            organisation_id=org_id,
            recipient_public_key=public,
            sealed_key=sealed,
        )
        for org_id, public, sealed in plan.organisations
    ]
    # Two staff opening the same record at once both find the same grants
    # missing: the second one's rows are the same grants, so they are skipped
    # rather than failing the page on the unique constraints.
    model._default_manager.bulk_create(rows, ignore_conflicts=not fresh)
    return len(rows)


def grant_open(
    *,
    model: type[SealedKeyGrant],
    owner: Mapping[str, Any],
    user: Any,
    user_private_key: bytes | None,
) -> bytes | None:
    """The record's private key through the user's grant, or None if locked."""
    if user_private_key is None:
        return None
    grant = model._default_manager.filter(**owner, user=user).first()
    if grant is None:
        return None
    try:
        return crypto.unseal(bytes(grant.sealed_key), private_key=user_private_key)
    except crypto.DecryptionFailed:
        return None


# --- Documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedFile:
    """A file written encrypted: the columns of a `SealedDocument`, and its path."""

    content_type: str
    size: int
    sealed_meta: bytes
    sealed_key: bytes
    blob: str
    path: Path

    def fields(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "size": self.size,
            "sealed_meta": self.sealed_meta,
            "sealed_key": self.sealed_key,
            "blob": self.blob,
        }


def document_seal(
    *,
    data: bytes,
    content_type: str,
    name: str,
    public_key: bytes,
    directory: Path,
) -> SealedFile:
    """Encrypt cleaned bytes under a fresh key sealed to the record; write the blob.

    The caller creates the row from `fields()` inside `file_kept(path)`, so
    the blob goes again when the row is not written.
    """
    file_key = crypto.secret_key_new()
    blob, path = file_write(crypto.wrap(data, key=file_key), directory=directory)
    return SealedFile(
        content_type=content_type,
        size=len(data),
        sealed_meta=json_seal({"name": name}, public_key=public_key),
        sealed_key=crypto.seal(file_key, public_key=public_key),
        blob=blob,
        path=path,
    )


def document_meta(document: SealedDocument, *, private_key: bytes) -> dict[str, Any]:
    """The sealed metadata (the original name) of a document."""
    return json_open(bytes(document.sealed_meta), private_key=private_key)


def document_open(
    document: SealedDocument, *, private_key: bytes, directory: Path
) -> tuple[dict[str, Any], bytes]:
    """(metadata, bytes) of a sealed document, with the record's private key."""
    meta = document_meta(document, private_key=private_key)
    file_key = crypto.unseal(bytes(document.sealed_key), private_key=private_key)
    data = crypto.unwrap((directory / document.blob).read_bytes(), key=file_key)
    return meta, data


def file_write(
    data: bytes, *, directory: Path, suffix: str = "bin"
) -> tuple[str, Path]:
    """Write a document's bytes under a fresh random name: (blob name, path)."""
    blob = f"{uuid.uuid4().hex}.{suffix}"
    path = directory / blob
    path.write_bytes(data)
    return blob, path


@contextmanager
def file_kept(path: Path) -> Iterator[None]:
    """Remove the file written for a row if the block that writes the row fails."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def files_unlink(directory: Path, blobs: Iterable[str]) -> None:
    for blob in blobs:
        (directory / blob).unlink(missing_ok=True)
