"""The single intake configuration row, with the receipt salt made once here."""

import os

from django.db import migrations


def _create(apps, schema_editor):
    IntakeConfiguration = apps.get_model("intake", "IntakeConfiguration")
    if not IntakeConfiguration.objects.filter(id=1).exists():
        IntakeConfiguration.objects.create(id=1, receipt_salt=os.urandom(16))


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(_create, migrations.RunPython.noop)]
