"""System checks: an operator learns at start-up that reports would have no reader."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def intake_default_organisation(
    app_configs: Any, databases: Any = None, **kwargs: Any
) -> list[Warning]:
    """Run only when a command asks for the database's checks (`migrate`,
    `check --database default`), as Django's own database checks: run by
    every command, it opened a connection in the main thread of `remedia
    serve` (before gunicorn forks, so each worker inherited it), `worker` and
    `smtpd` that nothing ever used or closed again (found by `make soak`)."""
    from remedia.intake.models import IntakeConfiguration

    if not databases or "default" not in databases:
        return []
    try:
        config = IntakeConfiguration.objects.filter(id=1).first()
    except DatabaseError:
        return []  # not migrated yet
    if config is None or config.default_organisation_id is None:
        return [
            Warning(
                "No default organisation for reports.",
                hint=(
                    "Set one in the admin (Configuración de denuncias); until then a "
                    "report that no routing rule matches is refused."
                ),
                id="remedia.W001",
            )
        ]
    return []
