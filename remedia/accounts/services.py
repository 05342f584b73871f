"""Writes about accounts: organisations, users, memberships, second factor, tokens, login."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as django_login
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import keys, selectors
from remedia.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    PartnerToken,
    User,
)
from remedia.accounts.permissions import Capability, Role
from remedia.accounts.principals import PARTNER_TOKEN_PREFIX, PartnerPrincipal, Scope
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput, NotFound, Throttled
from remedia.core.throttle import Backoff

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
TOKEN_PREFIX = "rmd_"  # noqa: S105 (a visible prefix, not a secret)
TOKEN_CACHE_SECONDS = 300


class LoginFailed(ApplicationError):
    status_code = 400

    def __init__(self) -> None:
        # One message whatever was wrong: the user, the password or the code.
        super().__init__(_("El usuario, la contraseña o el código no son correctos."))


class SecondFactorAlreadyEnrolled(ApplicationError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Esta cuenta ya tiene un segundo factor. Inicie sesión con su código; "
                "si lo perdió, pida a un administrador que lo restablezca."
            )
        )


def _login_backoff() -> Backoff:
    return Backoff(
        scope="login",
        free_failures=settings.REMEDIA_LOGIN_FREE_FAILURES,
        first_delay=settings.REMEDIA_LOGIN_FIRST_DELAY,
        max_delay=settings.REMEDIA_LOGIN_MAX_DELAY,
        window=settings.REMEDIA_LOGIN_MAX_DELAY * 2,
    )


# --- Organisations and users --------------------------------------------------


@transaction.atomic
def organisation_create(
    *,
    name: str,
    sector: str,
    short_name: str = "",
    country: str = "MX",
    created_by: User | None = None,
) -> Organisation:
    organisation = Organisation(
        name=name, short_name=short_name, sector=sector, country=country
    )
    organisation.full_clean()
    organisation.save()
    audit_record(
        action="organisation.created",
        actor=created_by,
        organisation=organisation,
        obj=organisation,
        data={"sector": sector},
    )
    return organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    organisation: Organisation | None = None,
    roles: list[str] | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "es-mx",
    created_by: User | None = None,
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(action="user.created", actor=created_by, obj=user)
    for role in roles or []:
        if organisation is None:
            raise ApplicationError(_("Un rol necesita una organización."))
        membership_grant(
            user=user, organisation=organisation, role=role, granted_by=created_by
        )
    if password:
        # The keypair exists from the start, so reports routed before the first
        # login can already be sealed to this user.
        keys.user_key_unlock(user=user, password=password)
    return user


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: str, granted_by: User | None
) -> Membership:
    if role not in Role.values:
        raise ApplicationError(_("Rol desconocido: %(role)s") % {"role": role})
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        audit_record(
            action="membership.granted",
            actor=granted_by,
            organisation=organisation,
            obj=user,
            data={"role": role},
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, revoked_by: User | None) -> None:
    audit_record(
        action="membership.revoked",
        actor=revoked_by,
        organisation=membership.organisation,
        obj=membership.user,
        data={"role": membership.role},
    )
    membership.delete()
    keys.user_key_rotation_due(
        user=membership.user, organisation=membership.organisation
    )


# --- Login ------------------------------------------------------------------------


def login_attempt(
    *, request: HttpRequest, username: str, password: str, code: str = ""
) -> User:
    """Check password and, where the user has one, the second factor, then log in.

    Every failure raises the same `LoginFailed`. A user whose role needs a
    second factor and has none yet is logged in unverified; the middleware then
    lets them do nothing but enrol.
    """
    key = username.strip().lower()
    backoff = _login_backoff()
    code = code.replace(" ", "")
    # Taken before the slow password hash, so parallel guesses cannot all pass
    # while it runs.
    wait = backoff.acquire(key)
    if wait and not code:
        _login_throttled(wait)
    user = authenticate(request, username=username, password=password)
    device = None
    if user is not None:
        if any(True for _d in devices_for_user(user, confirmed=True)):
            # django-otp throttles wrong codes per device on its own, and is
            # asked only once the password is right.
            device = match_token(user, code) if code else None
            if device is None:
                user = None
    if wait:
        # A locked account still opens for the right password AND a valid
        # second-factor code, so a stranger who knows the username cannot keep
        # its owner out. Anything less gets the same wait, and counts nothing.
        if user is None or device is None:
            _login_throttled(wait)
    elif user is None:
        delay = backoff.fail(key, acquired=True)
        audit_record(action="login.failed", data={"throttled_for": delay})
        logger.info("login.failed", extra={"throttled_for": delay})
        raise LoginFailed()
    backoff.reset(key)
    private_key = keys.user_key_unlock(user=user, password=password)
    django_login(request, user)
    if device is not None:
        otp_login(request, device)
    keys.session_key_store(request=request, private=private_key)
    request.session["remedia_login_at"] = int(timezone.now().timestamp())
    audit_record(
        action="login.succeeded",
        actor=user,
        obj=user,
        data={"second_factor": device.__class__.__name__ if device else None},
    )
    return user


def _login_throttled(wait: int) -> NoReturn:
    audit_record(action="login.throttled", data={"wait": wait})
    raise Throttled(
        _("Demasiados intentos fallidos. Intente de nuevo en %(s)s segundos.")
        % {"s": wait},
        retry_after=wait,
    )


def logout_record(*, user: User) -> None:
    audit_record(action="logout", actor=user, obj=user)


# --- Second factor ---------------------------------------------------------------


@transaction.atomic
def totp_enrol_begin(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed TOTP device; earlier unconfirmed ones are dropped.

    Refused while the user has a confirmed device: a session that has not
    passed that factor must not be able to replace it. Only an administrator's
    audited `second_factor_reset` opens enrolment again.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise SecondFactorAlreadyEnrolled()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Remedia", confirmed=False)


@transaction.atomic
def totp_enrol_confirm(
    *, request: HttpRequest, user: User, device: TOTPDevice, code: str
) -> list[str]:
    """Confirm the device with a first code; return new recovery codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ApplicationError(_("Este registro ya no es válido. Empiece de nuevo."))
    if not device.verify_token(code.replace(" ", "")):
        raise ApplicationError(
            _(
                "El código no es correcto. Revise la hora de su teléfono e intente otra vez."
            )
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_regenerate(user=user)
    otp_login(request, device)
    audit_record(action="second_factor.enrolled", actor=user, obj=user)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=static, token=code) for code in codes]
    )
    audit_record(action="second_factor.recovery_codes_issued", actor=user, obj=user)
    return codes


@transaction.atomic
def second_factor_reset(*, user: User, reset_by: User) -> None:
    """An administrator's remedy for a lost phone and lost recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action="second_factor.reset", actor=reset_by, obj=user)


# --- API tokens --------------------------------------------------------------------


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *,
    user: User,
    name: str,
    issued_by: User | None = None,
    expires_at: datetime | None = None,
    private_key: bytes | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored.

    With the user's unlocked private key the token can decrypt what its user
    may read; without it, the token sees metadata only.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=raw[:10],
        digest=_token_digest(raw),
        expires_at=expires_at,
        wrapped_private_key=(
            keys.token_wrap_private(raw_token=raw, private=private_key)
            if private_key is not None
            else None
        ),
    )
    token.full_clean()
    token.save()
    audit_record(
        action="token.issued",
        actor=issued_by,
        obj=token,
        data={
            "user": str(user.pk),
            "name": name,
            "decrypts": private_key is not None,
        },
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, revoked_by: User | None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        # The save already moves the accounts version; dropping the entry too
        # keeps a revoked token out even if that counter were lost.
        cache.delete(selectors.cache_key("token", token.digest))
        audit_record(
            action="token.revoked",
            actor=revoked_by,
            obj=token,
            data={"user": str(token.user_id)},
        )
    return token


def _token_load(digest: str) -> tuple[User, ApiToken] | None:
    """The token and its user, with the user's memberships already read."""
    # The password hash stays out of the cache: a bearer request never needs it.
    token = (
        ApiToken.objects.select_related("user")
        .defer("user__password")
        .filter(digest=digest)
        .first()
    )
    if token is None:
        return None
    user = token.user
    # Read now so they travel with the user in the cache (selectors._memberships).
    selectors.user_roles(user=user)
    return user, token


def token_authenticate(*, raw: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token, or None for any kind of bad token.

    Every API request asks this, so the token, its user and the user's
    memberships are kept in the shared cache, keyed by a keyed hash of the
    token's digest, until any account row changes (models.accounts_changed):
    a revoked token, a deactivated user or a withdrawn membership is refused on
    the very next request, in every process. Expiry is checked on each request.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = _token_digest(raw)
    found = selectors.cached_while_accounts_unchanged(
        selectors.cache_key("token", digest),
        lambda: _token_load(digest),
        timeout=TOKEN_CACHE_SECONDS,
    )
    if found is None:
        return None
    user, token = found
    now = timezone.now()
    if (
        token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        # At most once a minute across all processes; a queryset update sends
        # no signal, so recording use leaves the cached entry in place.
        minute = int(now.timestamp() // 60)
        if cache.add(selectors.cache_key("token-used", digest, minute), 1, 120):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


def session_expired(*, session: Any) -> bool:
    """True once a session outlives the absolute limit, however active it was.

    A session without a login time did not come through `login_attempt` (the
    one login form): it is treated as expired, so no other way in can make a
    session the absolute limit never ends.
    """
    started = session.get("remedia_login_at")
    if not isinstance(started, int | float):
        return True
    age = timezone.now().timestamp() - started
    return bool(age > settings.REMEDIA_SESSION_MAX_AGE)


@transaction.atomic
def password_change(
    *, request: HttpRequest, user: User, old_password: str, new_password: str
) -> None:
    """Change a password made in Remedia: the same private key, wrapped anew.

    Reports already sealed to the user stay readable. (A password set outside
    this flow, in the admin, cannot re-wrap the key: the next login replaces
    the key and access returns through colleagues or the escrow.)
    """
    from django.contrib.auth import update_session_auth_hash

    if not user.check_password(old_password):
        raise ApplicationError(_("La contraseña actual no es correcta."))
    private = keys.user_key_unlock(user=user, password=old_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    keys.user_key_rewrap(user=user, private=private, new_password=new_password)
    update_session_auth_hash(request, user)
    keys.session_key_store(request=request, private=private)
    audit_record(action="password.changed", actor=user, obj=user)


# --- Partner tokens ------------------------------------------------------------------
#
# A partner token is an organisation's, not a person's (principals.py): it acts
# only through its scopes, with its own expiry, rate limit and revocation.

PARTNER_TOKEN_MAX_DAYS = 730
PARTNER_RATE_LIMIT_MAX = 6000


@dataclass(frozen=True)
class PartnerTokenIssued:
    token: PartnerToken
    raw: str


def partner_token_validate(
    *,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
    rate_limit_per_minute: int | None,
) -> list[dict[str, Any]]:
    """The field-by-field problems of a new token's settings (empty: none)."""
    errors: list[dict[str, Any]] = []
    if not (name or "").strip():
        errors.append({"field": "name", "reason": _("Este campo es obligatorio.")})
    elif len(name.strip()) > 100:
        errors.append(
            {
                "field": "name",
                "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                % {"n": 100},
            }
        )
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        errors.append(
            {
                "field": "scopes",
                "reason": _(
                    "Alcance desconocido: %(unknown)s. Alcances admitidos: %(known)s."
                )
                % {"unknown": ", ".join(unknown), "known": ", ".join(Scope.values)},
            }
        )
    elif not scopes:
        errors.append({"field": "scopes", "reason": _("Elija al menos un alcance.")})
    if expires_in_days is None or not 1 <= expires_in_days <= PARTNER_TOKEN_MAX_DAYS:
        errors.append(
            {
                "field": "expires_in_days",
                "reason": _("Debe ser un número de días entre 1 y %(n)s.")
                % {"n": PARTNER_TOKEN_MAX_DAYS},
            }
        )
    if rate_limit_per_minute is None or not (
        1 <= rate_limit_per_minute <= PARTNER_RATE_LIMIT_MAX
    ):
        errors.append(
            {
                "field": "rate_limit_per_minute",
                "reason": _("Debe ser un número entre 1 y %(n)s.")
                % {"n": PARTNER_RATE_LIMIT_MAX},
            }
        )
    return errors


def _administered(user: User, organisation: Organisation) -> None:
    """NotFound, as for a missing organisation, unless `user` administers it."""
    if not selectors.user_can(
        user=user, capability=Capability.ORGANISATION_MANAGE, organisation=organisation
    ):
        raise NotFound()


@transaction.atomic
def partner_token_issue(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
    rate_limit_per_minute: int | None = 60,
    issued_by: User,
) -> PartnerTokenIssued:
    """Create an organisation's token; the plaintext is returned once only.

    Bad settings raise InvalidInput (422, field and reason) and store nothing.
    """
    _administered(issued_by, organisation)
    scopes = list(dict.fromkeys(scopes or []))
    errors = partner_token_validate(
        name=name,
        scopes=scopes,
        expires_in_days=expires_in_days,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    if errors:
        raise InvalidInput(errors)
    days = int(expires_in_days or 0)
    per_minute = int(rate_limit_per_minute or 0)
    raw = PARTNER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PartnerToken.objects.create(
        organisation=organisation,
        name=name.strip(),
        prefix=raw[:10],
        digest=_token_digest(raw),
        scopes=sorted(scopes),
        expires_at=timezone.now() + timedelta(days=days),
        rate_limit_per_minute=per_minute,
        created_by=issued_by,
    )
    audit_record(
        action="partner_token.issued",
        actor=issued_by,
        organisation=organisation,
        obj=token,
        data={
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
            "rate_limit_per_minute": token.rate_limit_per_minute,
        },
    )
    return PartnerTokenIssued(token=token, raw=raw)


@transaction.atomic
def partner_token_revoke(*, token: PartnerToken, revoked_by: User) -> PartnerToken:
    """Revoke at once, in every process (the accounts version moves)."""
    _administered(revoked_by, token.organisation)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        cache.delete(selectors.cache_key("partner-token", token.digest))
        audit_record(
            action="partner_token.revoked",
            actor=revoked_by,
            organisation=token.organisation,
            obj=token,
            data={"name": token.name},
        )
    return token


def _partner_token_load(digest: str) -> PartnerToken | None:
    return (
        PartnerToken.objects.select_related("organisation")
        .filter(digest=digest)
        .first()
    )


def partner_token_authenticate(*, raw: str) -> PartnerPrincipal | None:
    """The partner system behind a bearer token, or None for any bad token
    (unknown, expired, revoked, its organisation inactive): one 401 for all.

    Cached like staff tokens until any account row changes, so a revocation
    is seen on the very next request.
    """
    if not raw.startswith(PARTNER_TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = _token_digest(raw)
    token = selectors.cached_while_accounts_unchanged(
        selectors.cache_key("partner-token", digest),
        lambda: _partner_token_load(digest),
        timeout=TOKEN_CACHE_SECONDS,
    )
    if token is None:
        return None
    now = timezone.now()
    if (
        token.revoked_at is not None
        or token.expires_at <= now
        or not token.organisation.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        minute = int(now.timestamp() // 60)
        if cache.add(selectors.cache_key("partner-token-used", digest, minute), 1, 120):
            PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return PartnerPrincipal(
        token_id=token.pk,
        prefix=token.prefix,
        organisation_id=token.organisation_id,
        scopes=frozenset(token.scopes),
        rate_limit_per_minute=token.rate_limit_per_minute,
    )


def partner_rate_limit(*, principal: PartnerPrincipal) -> None:
    """At most the token's number of requests per calendar minute; beyond it,
    Throttled (429) with the seconds left in the minute as Retry-After.

    Counted in the shared cache like intake's surge ceiling; if the cache
    cannot count, the request goes through uncounted rather than failing.
    """
    now = timezone.now().timestamp()
    minute = int(now // 60)
    key = selectors.cache_key("partner-rate", str(principal.token_id), minute)
    try:
        if cache.add(key, 1, timeout=120):
            count = 1
        else:
            count = cache.incr(key)
    except Exception as exc:
        logger.warning(
            "partner_token.rate_unchecked", extra={"error": type(exc).__name__}
        )
        return
    if count > principal.rate_limit_per_minute:
        retry_after = max(1, 60 - int(now % 60))
        raise Throttled(
            _("Demasiadas solicitudes con este token. Intente de nuevo en %(n)s s.")
            % {"n": retry_after},
            retry_after=retry_after,
        )


def partner_denied(*, principal: PartnerPrincipal, method: str, path: str) -> None:
    """Audit a partner token's call that its scopes do not grant (answered 404).

    Only the method and the route's path are kept, never a query or a body.
    """
    audit_record(
        action="partner_token.denied",
        actor=principal,
        organisation=Organisation(pk=principal.organisation_id),
        object_type="accounts.partnertoken",
        object_id=str(principal.token_id),
        data={"method": method, "path": path[:300], "scopes": sorted(principal.scopes)},
    )
