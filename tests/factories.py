"""Factories for the common actors; each app's tests add their own beside them."""

from __future__ import annotations

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


def member(role: str, organisation: Organisation | None = None, **user_kwargs: object) -> User:
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
    import hashlib
    import hmac
    import struct
    import time

    counter = int(time.time() - device.t0) // device.step
    mac = hmac.new(device.bin_key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**device.digits).zfill(device.digits)
