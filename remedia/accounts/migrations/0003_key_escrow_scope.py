"""Issue 15.2: escrow copies only where the role reads sealed content.

Copies held by an organisation where the user has no such role (any more) are
deleted, and the key is marked for replacement at the user's next login: that
organisation could have recovered it.
"""

from django.db import migrations, models

# The roles that read sealed content when this migration was written
# (permissions.sealed_content_roles); frozen here, as migrations must be.
_SEALED_CONTENT_ROLES = ("handler", "protection")


def _drop_unentitled_copies(apps, schema_editor):
    UserKeyEscrow = apps.get_model("accounts", "UserKeyEscrow")
    Membership = apps.get_model("accounts", "Membership")
    UserKey = apps.get_model("accounts", "UserKey")
    entitled = set(
        Membership.objects.filter(role__in=_SEALED_CONTENT_ROLES).values_list(
            "user_id", "organisation_id"
        )
    )
    rotate = set()
    for copy in UserKeyEscrow.objects.all().only("pk", "user_id", "organisation_id"):
        if (copy.user_id, copy.organisation_id) not in entitled:
            rotate.add(copy.user_id)
            UserKeyEscrow.objects.filter(pk=copy.pk).delete()
    UserKey.objects.filter(user_id__in=rotate).update(replace_at_login=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="userkey",
            name="replace_at_login",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Una organización que ya no debe poder recuperarla tuvo una "
                    "copia: se reemplaza en el próximo inicio de sesión y no "
                    "recibe contenido nuevo."
                ),
            ),
        ),
        migrations.RunPython(_drop_unentitled_copies, migrations.RunPython.noop),
    ]
