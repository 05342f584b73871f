"""Rosters, sessions and attendance move to the ``training`` app.

State only: the tables and their rows stay where they are, under their old
names, and ``training`` 0001 takes them over in its state.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('remediation', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Attendance'),
                migrations.DeleteModel(name='TrainingSession'),
                migrations.DeleteModel(name='Person'),
            ],
            database_operations=[],
        ),
    ]
