"""Staff petitions for `make bench` (reads): 2,000 RRM petitions, read by an analyst.

Issue 21 asks every staff read within budget, petitions included: the list
(`GET /api/v1/rrm/staff/cases`) and one petition (`GET
/api/v1/rrm/staff/cases/{id}`, and its staff page). `load` makes them through
the services, as an analyst would (`rrm.services.petition_create`, so the
slug, the first event and the audit entry are the real ones): the bench
handler ("bench", in "Bench org") is given the analyst role, 90 % of the
petitions are filed on a day in the last two years (facts alleged, petitioners,
laws concerned in Spanish), 10 % are drafts, a third of the filed ones are
confidential. The public record the migrations load is there too, as in
production. Loading is idempotent: petitions are recognised by their
facility name ("Bench planta ...").

`fill(...)` runs `load` inside `remedia shell` and returns the ids and the
staff page's path pattern for bench/reads.py.
"""

from __future__ import annotations

import os
import random
from typing import Any

from bench import drive as drive_kit

PETITIONS = int(os.environ.get("BENCH_PETITIONS", "2000"))
PREFIX = "Bench planta"


def load(*, petitions: int = PETITIONS, seed: int = 21) -> dict[str, Any]:
    """Make up to `petitions` staff petitions (inside Django); their ids."""
    import datetime as dt

    from django.utils import timezone

    from remedia.accounts import services as accounts
    from remedia.accounts.models import Organisation, User
    from remedia.accounts.permissions import Role
    from remedia.core.geo import MX_STATES
    from remedia.rrm import services
    from remedia.rrm.models import RrmCase

    rng = random.Random(seed)
    org = Organisation.objects.get(name="Bench org")
    user = User.objects.get(username="bench")
    accounts.membership_grant(
        user=user, organisation=org, role=Role.ANALYST, granted_by=None
    )
    states = sorted(MX_STATES)
    today = timezone.localdate()
    have = RrmCase.objects.filter(facility_name__startswith=PREFIX).count()
    for n in range(have, petitions):
        filed = rng.random() < 0.9
        services.petition_create(
            user=user,
            organisation=org,
            facility_name=f"{PREFIX} {n:05d} de confección",
            company=f"Textiles Bench {n % 300:03d} S.A. de C.V.",
            state_code=rng.choice(states),
            sector="Confección",
            petitioners="Sindicato independiente de trabajadoras de la confección"
            if filed
            else "",
            confidential=filed and rng.random() < 0.33,
            laws_concerned="Ley Federal del Trabajo, artículos 133 y 357",
            facts_alleged="Despidos tras la votación del contrato colectivo; "
            "amenazas a quienes apoyan al sindicato independiente."
            if filed
            else "",
            petition_received_on=today - dt.timedelta(days=rng.randint(1, 730))
            if filed
            else None,
        )
    ids = [
        str(pk)
        for pk in RrmCase.objects.filter(facility_name__startswith=PREFIX)
        .order_by("facility_name")
        .values_list("pk", flat=True)[:500]
    ]
    return {
        "petitions": RrmCase.objects.filter(facility_name__startswith=PREFIX).count(),
        "ids": ids,
    }


_SHELL = r"""
import json, sys
sys.path.insert(0, {root!r})
from bench.petitions import load
from django.urls import reverse
out = load(petitions={petitions})
marker = "00000000-0000-0000-0000-000000000000"
out["page"] = reverse("rrm_staff:detail", kwargs={{"case_id": marker}}).replace(
    marker, "{{id}}"
)
out["list_page"] = reverse("rrm_staff:list")
print("BENCH-PETITIONS " + json.dumps(out))
"""


def fill(
    *, remedia: str, env: dict[str, str], root: str, petitions: int = PETITIONS
) -> dict[str, Any]:
    """Run `load` in the database of `env` (after bench/cases.py's fill)."""
    return drive_kit.shell_load(
        remedia=remedia,
        env=env,
        script=_SHELL.format(root=root, petitions=petitions),
        what="staff petitions",
        marker="BENCH-PETITIONS",
    )
