"""The session's ``course`` and ``measure`` columns go: ``remediation`` 0003
copied them into its link table, which is where they are kept from now on."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0001_initial'),
        ('remediation', '0003_coursetrainingsession'),
    ]

    operations = [
        migrations.RemoveField(model_name='trainingsession', name='course'),
        migrations.RemoveField(model_name='trainingsession', name='measure'),
    ]
