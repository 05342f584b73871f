"""Staff password hashing: Django's Argon2 hasher with its cost read from settings.

The algorithm name stays Django's (`argon2`), so every stored hash verifies
whatever the cost; a hash made at another cost is upgraded at the next login
(Django's `must_update`). Production's cost is `REMEDIA_PASSWORD_HASH_COST`
in settings; only the test suite lowers it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id (as Django's) at the cost `settings.REMEDIA_PASSWORD_HASH_COST`."""

    @property  # type: ignore[override]
    def time_cost(self) -> int:
        return int(settings.REMEDIA_PASSWORD_HASH_COST["time_cost"])

    @property  # type: ignore[override]
    def memory_cost(self) -> int:
        return int(settings.REMEDIA_PASSWORD_HASH_COST["memory_cost"])

    @property  # type: ignore[override]
    def parallelism(self) -> int:
        return int(settings.REMEDIA_PASSWORD_HASH_COST["parallelism"])
