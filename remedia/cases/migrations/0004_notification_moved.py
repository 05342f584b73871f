"""`Notification` now belongs to the notifications app: state only, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_notification_remediation_due"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
