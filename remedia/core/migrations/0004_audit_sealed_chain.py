"""The sealed audit chain (issue 21): entries numbered without a lock, links sealed later.

Requests no longer lock the head row: on PostgreSQL an entry takes its number
from a sequence (`core_auditentry_seq`), and the worker seals entries into
`core_auditlink`. The entries already written stay chained as they were; the
head remembers the last of them (`legacy_seq`). The links are append-only,
like the entries.
"""

from django.db import migrations, models

_SQLITE = [
    """CREATE TRIGGER core_auditlink_no_update BEFORE UPDATE ON core_auditlink
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER core_auditlink_no_delete BEFORE DELETE ON core_auditlink
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditlink_no_update;",
    "DROP TRIGGER IF EXISTS core_auditlink_no_delete;",
]
# The function core_auditentry_refuse() comes from migration 0002.
_POSTGRES = [
    """CREATE TRIGGER core_auditlink_no_change BEFORE UPDATE OR DELETE ON core_auditlink
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse();""",
    """CREATE TRIGGER core_auditlink_no_truncate BEFORE TRUNCATE ON core_auditlink
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse();""",
    "CREATE SEQUENCE IF NOT EXISTS core_auditentry_seq OWNED BY core_auditentry.seq;",
    """SELECT setval('core_auditentry_seq', COALESCE(MAX(seq), 0) + 1, false)
       FROM core_auditentry;""",
]
_POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditlink_no_change ON core_auditlink;",
    "DROP TRIGGER IF EXISTS core_auditlink_no_truncate ON core_auditlink;",
    "DROP SEQUENCE IF EXISTS core_auditentry_seq;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def _legacy(apps, schema_editor):
    # Every entry written so far is already chained: the sealed chain goes on
    # from the head's digest.
    head_model = apps.get_model("core", "AuditHead")
    head, _ = head_model.objects.get_or_create(id=1)
    head_model.objects.filter(id=1).update(legacy_seq=head.seq)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_deferred_jobs"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                (
                    "position",
                    models.BigIntegerField(
                        help_text="Posición en la cadena, sin huecos.",
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        help_text="Entrada, hueco o entrada tardía.", max_length=8
                    ),
                ),
                (
                    "seq",
                    models.BigIntegerField(
                        db_index=True, help_text="Primera entrada cubierta."
                    ),
                ),
                (
                    "seq_last",
                    models.BigIntegerField(help_text="Última entrada cubierta."),
                ),
                (
                    "entry_mac",
                    models.CharField(
                        blank=True,
                        help_text="HMAC de la entrada sellada.",
                        max_length=64,
                    ),
                ),
                ("at", models.DateTimeField(help_text="Momento del sellado.")),
                (
                    "prev_digest",
                    models.CharField(
                        help_text="Resumen del eslabón anterior.", max_length=64
                    ),
                ),
                (
                    "digest",
                    models.CharField(
                        help_text="HMAC-SHA256 de este eslabón.",
                        max_length=64,
                        unique=True,
                    ),
                ),
            ],
            options={
                "verbose_name": "eslabón de auditoría",
                "verbose_name_plural": "cadena de auditoría",
                "ordering": ["position"],
            },
        ),
        migrations.AddField(
            model_name="audithead",
            name="legacy_seq",
            field=models.BigIntegerField(
                default=0, help_text="Última entrada encadenada al escribirse."
            ),
        ),
        migrations.AddField(
            model_name="audithead",
            name="position",
            field=models.BigIntegerField(
                default=0, help_text="Número de eslabones sellados."
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_digest",
            field=models.CharField(
                blank=True,
                help_text="Resumen de la entrada anterior (solo en entradas antiguas).",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(
                help_text="Número de secuencia; puede tener huecos.",
                primary_key=True,
                serialize=False,
            ),
        ),
        migrations.RunPython(_legacy, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": _SQLITE, "postgresql": _POSTGRES}),
            _run({"sqlite": _SQLITE_REVERSE, "postgresql": _POSTGRES_REVERSE}),
        ),
    ]
