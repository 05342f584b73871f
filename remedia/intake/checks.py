"""System checks: an operator learns at start-up that reports would have no reader."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def intake_default_organisation(app_configs: Any, **kwargs: Any) -> list[Warning]:
    from remedia.intake.models import IntakeConfiguration

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
