"""The bench's floor: a bare Django app (no Remedia) with the reads' shape.

`bench/reads.py` serves it with the same gunicorn settings as `remedia serve`
(gthread, the same workers x threads) in the same run, so each Remedia read is
compared with what Django itself costs on this machine: a 50-row JSON page of a
100,000-row table plus its count(*), on the same PostgreSQL.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

_url = urlparse(
    os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/remedia_bench"
    )
)
SECRET_KEY = "bench-baseline-" + "x" * 50  # noqa: S105 - a local benchmark only
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.baseline.urls"
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
        # As Remedia's settings have them.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
