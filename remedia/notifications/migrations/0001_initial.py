"""The `Notification` model moves here from `cases`; its table and rows stay.

State only: the table `cases_notification` was created by `cases.0001` and is
kept under its name (`db_table`), so no row is copied and nothing is locked.
`cases.0004` removes the model from the cases app's state after this.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0003_notification_remediation_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                help_text="Identificador estable que aparece en URL y en la API.",
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True,
                                db_index=True,
                                help_text="Cuándo se creó el registro.",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(
                                auto_now=True,
                                help_text="Cuándo se modificó el registro por última vez.",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                help_text="Tipo de aviso, uno de los registrados por las aplicaciones.",
                                max_length=20,
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                help_text="Qué avisó (p. ej. el caso y el plazo).",
                                max_length=120,
                            ),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Cuándo salió el correo.",
                                null=True,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                help_text="Destinatario.",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "aviso",
                        "verbose_name_plural": "avisos",
                        "db_table": "cases_notification",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "kind", "key"), name="notification_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
