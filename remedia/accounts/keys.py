"""Staff members' keys: created and unlocked at login, usable only while logged in.

A user's private key is stored only wrapped under Argon2id(password). At login
it is unwrapped and wrapped again under a fresh random key: the wrapped form goes
in the server-side session, the random key in an HttpOnly cookie. Neither the
session store nor the cookie alone can open it, and any app process that gets
both (one request) can, so nothing depends on one process's memory. An API token
gets its own wrapped copy under a key derived from the token, which is never
stored. Organisation escrow keys allow recovery when a password is lost.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    OrganisationKey,
    User,
    UserKey,
    UserKeyEscrow,
    accounts_changed,
)
from remedia.accounts.permissions import sealed_content_roles
from remedia.accounts.selectors import cache_key, cached_while_accounts_unchanged
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError

logger = logging.getLogger(__name__)

SESSION_FIELD = "remedia_wrapped_key"
COOKIE_NAME = "remedia_k"
_PENDING_COOKIE = "_remedia_key_cookie"
_TOKEN_KEY = "_remedia_token_key"  # noqa: S105 (an attribute name)


# --- Organisation escrow ------------------------------------------------------


def recovery_key_format(private: bytes) -> str:
    text = base64.b32encode(private).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def recovery_key_parse(text: str) -> bytes:
    cleaned = "".join(text.split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ApplicationError(_("La llave de recuperación no es válida.")) from None
    if len(raw) != crypto.KEY_BYTES:
        raise ApplicationError(_("La llave de recuperación no es válida."))
    return raw


@transaction.atomic
def organisation_escrow_issue(
    *, organisation: Organisation, issued_by: Any = None
) -> str:
    """Create the organisation's escrow keypair; return its recovery key, once."""
    if OrganisationKey.objects.filter(organisation=organisation).exists():
        raise ApplicationError(_("La organización ya tiene llave de custodia."))
    pair = crypto.keypair_new()
    OrganisationKey.objects.create(organisation=organisation, public_key=pair.public)
    # Members who already hold keys cannot be escrowed now (we do not have
    # their private keys); they are at their next login.
    audit_record(
        action="organisation.escrow_issued",
        actor=issued_by,
        organisation=organisation,
        obj=organisation,
    )
    return recovery_key_format(pair.private)


def escrow_public_keys(*, organisation_ids: set[Any]) -> dict[Any, bytes]:
    """The organisations' escrow public keys; cached until any account row changes.

    Every report submitted and every report opened needs these and the members'
    keys; they change only when keys, members or organisations do.
    """
    ids = sorted(str(i) for i in organisation_ids)

    def load() -> dict[Any, bytes]:
        return {
            k.organisation_id: bytes(k.public_key)
            for k in OrganisationKey.objects.filter(
                organisation_id__in=organisation_ids
            )
        }

    return dict(cached_while_accounts_unchanged(cache_key("escrow-keys", ids), load))


# --- User keys ----------------------------------------------------------------


def _escrow_organisation_ids(*, user: User) -> set[Any]:
    """Organisations where the user holds a role that reads sealed content."""
    return set(
        Membership.objects.filter(
            user=user, role__in=sealed_content_roles()
        ).values_list("organisation_id", flat=True)
    )


def _escrow_user_key(*, user: User, public: bytes, private: bytes) -> None:
    """Seal the key to the escrow of each organisation whose role reads sealed
    content, and of no other (issue 15.2): an employer's organisation where the
    user is a facility officer must not be able to recover it."""
    org_ids = _escrow_organisation_ids(user=user)
    UserKeyEscrow.objects.filter(user=user).exclude(
        organisation_id__in=org_ids
    ).delete()
    have = {
        e.organisation_id: bytes(e.public_key)
        for e in UserKeyEscrow.objects.filter(user=user)
    }
    for org_id, escrow_public in escrow_public_keys(organisation_ids=org_ids).items():
        if have.get(org_id) == public:
            continue
        UserKeyEscrow.objects.update_or_create(
            user=user,
            organisation_id=org_id,
            defaults={
                "public_key": public,
                "sealed_private_key": crypto.seal(private, public_key=escrow_public),
            },
        )


def _grant_models() -> list[type[models.Model]]:
    """Every table of sealed key grants (reports, cases, and any app's later):
    the concrete models of core's `SealedKeyGrant`, since accounts may not
    import the apps that own them."""
    from django.apps import apps

    from remedia.core.sealed import SealedKeyGrant

    return [m for m in apps.get_models() if issubclass(m, SealedKeyGrant)]


def _grants_reseal(*, user: User, old_private: bytes, new_public: bytes) -> int:
    """Move every grant sealed to the user's old key onto the new one.

    A grant the old key does not open is sealed to a key replaced earlier and
    can never be opened by this user again: it is deleted (a colleague or the
    escrow shares the object again, as for any replaced key).
    """
    old_public = crypto.public_of(old_private)
    moved = 0
    for model in _grant_models():
        rows = model._default_manager.select_for_update().filter(user=user)
        for pk, recipient, sealed in rows.values_list(
            "pk", "recipient_public_key", "sealed_key"
        ):
            try:
                if bytes(recipient) != old_public:
                    raise crypto.DecryptionFailed
                key = crypto.unseal(bytes(sealed), private_key=old_private)
            except crypto.DecryptionFailed:
                model._default_manager.filter(pk=pk).delete()
                continue
            model._default_manager.filter(pk=pk).update(
                recipient_public_key=new_public,
                sealed_key=crypto.seal(key, public_key=new_public),
            )
            moved += 1
    return moved


def _user_key_rotate(
    *, user: User, stored: UserKey, private: bytes, password: str
) -> bytes:
    """Replace a keypair an organisation that no longer should could recover.

    Everything the user may still read moves to the new key (their grants are
    re-sealed), the escrow copies are made again for the organisations still
    entitled, and API tokens lose their copy of the old key (they read
    metadata only until issued again).
    """
    pair = crypto.keypair_new()
    moved = _grants_reseal(user=user, old_private=private, new_public=pair.public)
    UserKeyEscrow.objects.filter(user=user).delete()
    tokens = ApiToken.objects.filter(
        user=user, wrapped_private_key__isnull=False
    ).update(wrapped_private_key=None)
    salt = crypto.salt_new()
    stored.public_key = pair.public
    stored.salt = salt
    stored.wrapped_private_key = crypto.wrap(
        pair.private, key=crypto.password_key(password, salt=salt)
    )
    stored.replace_at_login = False
    stored.save()
    _escrow_user_key(user=user, public=pair.public, private=pair.private)
    audit_record(
        action="user_key.rotated",
        actor=user,
        obj=user,
        data={"grants_resealed": moved, "tokens_without_key": tokens},
    )
    return pair.private


def user_key_rotation_due(*, user: User, organisation: Organisation) -> bool:
    """After a membership ends: drop that organisation's escrow copy if the user
    no longer holds a role there that reads sealed content, and mark the key for
    replacement (its holder could have recovered it). True if a copy went."""
    if organisation.pk in _escrow_organisation_ids(user=user):
        return False
    deleted, _rows = UserKeyEscrow.objects.filter(
        user=user, organisation=organisation
    ).delete()
    if not deleted:
        return False
    UserKey.objects.filter(user=user).update(replace_at_login=True)
    # A queryset update sends no signal: new content must stop reaching the key.
    accounts_changed()
    audit_record(
        action="user_key.rotation_due",
        organisation=organisation,
        obj=user,
        data={"escrow_copy_deleted": True},
    )
    return True


@transaction.atomic
def user_key_unlock(*, user: User, password: str) -> bytes:
    """The user's private key, created on first login.

    Callers verify the password first (login, `issue-token`, password change):
    this function takes a password that does not open the key as a password
    changed elsewhere, and replaces the key.

    If the stored key no longer opens with this password (an administrator set a
    new password outside Remedia's own flow), a new keypair replaces it: access
    to earlier material then comes back through the escrow or a colleague.
    A key marked for replacement, or escrowed to an organisation no longer
    entitled to it, is rotated here, where the password is at hand.
    """
    stored = UserKey.objects.select_for_update().filter(user=user).first()
    if stored is not None:
        try:
            private = crypto.unwrap(
                bytes(stored.wrapped_private_key),
                key=crypto.password_key(password, salt=bytes(stored.salt)),
            )
        except crypto.DecryptionFailed:
            logger.warning("user_key.replaced", extra={"user_id": str(user.pk)})
            audit_record(action="user_key.replaced", actor=user, obj=user)
            stored.delete()
            stored = None
        else:
            stale = (
                UserKeyEscrow.objects.filter(user=user)
                .exclude(organisation_id__in=_escrow_organisation_ids(user=user))
                .exists()
            )
            if stored.replace_at_login or stale:
                return _user_key_rotate(
                    user=user, stored=stored, private=private, password=password
                )
            _escrow_user_key(
                user=user, public=bytes(stored.public_key), private=private
            )
            return private
    pair = crypto.keypair_new()
    salt = crypto.salt_new()
    UserKey.objects.create(
        user=user,
        public_key=pair.public,
        salt=salt,
        wrapped_private_key=crypto.wrap(
            pair.private, key=crypto.password_key(password, salt=salt)
        ),
    )
    _escrow_user_key(user=user, public=pair.public, private=pair.private)
    audit_record(action="user_key.created", actor=user, obj=user)
    return pair.private


@transaction.atomic
def user_key_rewrap(*, user: User, private: bytes, new_password: str) -> None:
    """After a password change made in Remedia: the same key under the new password."""
    salt = crypto.salt_new()
    UserKey.objects.filter(user=user).update(
        salt=salt,
        wrapped_private_key=crypto.wrap(
            private, key=crypto.password_key(new_password, salt=salt)
        ),
    )


def user_public_keys(*, user_ids: Iterable[Any]) -> dict[Any, bytes]:
    """Public keys of these users (active, keys not due for replacement): whom
    a record's key is sealed to when its readers are named one by one."""
    rows = UserKey.objects.filter(
        user_id__in=list(user_ids), replace_at_login=False, user__is_active=True
    ).values_list("user_id", "public_key")
    return {user_id: bytes(public) for user_id, public in rows}


def member_public_keys(
    *, organisation_ids: set[Any], roles: set[str]
) -> dict[Any, bytes]:
    """Public keys of the active users holding one of `roles` in those organisations.

    Cached until any account row changes (a key replaced, a membership granted or
    revoked, a user or organisation deactivated): see models.accounts_changed.
    """

    def load() -> dict[Any, bytes]:
        rows = (
            UserKey.objects.filter(
                # A key an ex-organisation could recover gets nothing new.
                replace_at_login=False,
                user__is_active=True,
                user__memberships__organisation_id__in=organisation_ids,
                user__memberships__organisation__is_active=True,
                user__memberships__role__in=roles,
            )
            .values_list("user_id", "public_key")
            .distinct()
        )
        return {user_id: bytes(public) for user_id, public in rows}

    key = cache_key(
        "member-keys", sorted(str(i) for i in organisation_ids), sorted(roles)
    )
    return dict(cached_while_accounts_unchanged(key, load))


# --- The key of the current request -------------------------------------------------


def session_key_store(*, request: HttpRequest, private: bytes) -> None:
    """Keep the unlocked key for this login: wrapped in the session, key in a cookie."""
    cookie_key = crypto.secret_key_new()
    request.session[SESSION_FIELD] = base64.b64encode(
        crypto.wrap(private, key=cookie_key)
    ).decode()
    setattr(request, _PENDING_COOKIE, base64.urlsafe_b64encode(cookie_key).decode())


def response_key_cookie(*, request: HttpRequest, response: HttpResponse) -> None:
    """Called by the middleware: set the cookie a login created, drop it at logout."""
    pending = getattr(request, _PENDING_COOKIE, None)
    if pending:
        response.set_cookie(
            COOKIE_NAME,
            pending,
            httponly=True,
            secure=not settings.DEBUG,
            samesite="Strict",
            path="/",
        )
    elif COOKIE_NAME in request.COOKIES and not request.user.is_authenticated:
        response.delete_cookie(COOKIE_NAME, path="/", samesite="Strict")


def token_key_remember(*, request: HttpRequest, raw_token: str) -> None:
    setattr(request, _TOKEN_KEY, crypto.token_key(raw_token))


def request_private_key(request: HttpRequest) -> bytes | None:
    """The acting user's private key for this request, or None if it is not unlocked."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        token_key = getattr(request, _TOKEN_KEY, None)
        if token_key is None or not token.wrapped_private_key:
            return None
        try:
            return crypto.unwrap(bytes(token.wrapped_private_key), key=token_key)
        except crypto.DecryptionFailed:
            return None
    wrapped = (
        request.session.get(SESSION_FIELD) if hasattr(request, "session") else None
    )
    cookie = request.COOKIES.get(COOKIE_NAME)
    pending = getattr(request, _PENDING_COOKIE, None)
    cookie = pending or cookie
    if not wrapped or not cookie:
        return None
    try:
        return crypto.unwrap(
            base64.b64decode(wrapped), key=base64.urlsafe_b64decode(cookie)
        )
    except (crypto.DecryptionFailed, binascii.Error, ValueError):
        return None


def token_wrap_private(*, raw_token: str, private: bytes) -> bytes:
    return crypto.wrap(private, key=crypto.token_key(raw_token))
