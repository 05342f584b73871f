"""Factories of accounts: organisations, users, memberships, second factors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts.models import Membership, Organisation, User
from remedia.accounts.permissions import Sector

PASSWORD = "correct horse battery staple 42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organización de prueba {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    sector = Sector.CIVIL_SOCIETY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "handler"


def member(
    role: str, organisation: Organisation | None = None, **user_kwargs: object
) -> User:
    """A user holding `role` in `organisation` (a new one if not given)."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(
        user=user, organisation=organisation or OrganisationFactory(), role=role
    )
    return user


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now, computed independently."""
    return totp_code_for_key(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits
    )


def totp_code_for_secret(secret: str) -> str:
    """The code for a base32 secret as shown to the user (RFC 6238 defaults)."""
    return totp_code_for_key(base64.b32decode(secret))


def totp_code_for_key(
    key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, offset: int = 0
) -> str:
    """RFC 6238 TOTP; `offset` shifts the time step (for codes of other windows)."""
    counter = int(time.time() - t0) // step + offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[start : start + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def wrong_code(code: str) -> str:
    """A code of the same shape that is not `code`."""
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
