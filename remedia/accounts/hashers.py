"""Staff password hashing: Django's Argon2 hasher with its cost read from settings.

The algorithm name stays Django's (`argon2`), so every stored hash verifies
whatever the cost; a hash made at another cost is upgraded at the next login
(Django's `must_update`). Production's cost is `REMEDIA_PASSWORD_HASH_COST`
in settings; only the test suite lowers it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id (as Django's) at the cost `settings.REMEDIA_PASSWORD_HASH_COST`."""

    def params(self) -> Any:
        cost = settings.REMEDIA_PASSWORD_HASH_COST
        return dataclasses.replace(
            super().params(),
            time_cost=int(cost["time_cost"]),
            memory_cost=int(cost["memory_cost"]),
            parallelism=int(cost["parallelism"]),
        )
