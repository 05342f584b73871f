"""What a training session counts for becomes remediation's own table.

``training`` sits below ``remediation``: a session no longer has ``course``
and ``measure`` columns pointing up; the link is a row of
``remediation_coursetrainingsession`` (one per linked session, the session as
its primary key). The rows are copied from the session table's columns in
plain SQL that SQLite and PostgreSQL both run; ``training`` 0002 then drops
the columns.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY = """
INSERT INTO remediation_coursetrainingsession (session_id, course_id, measure_id)
SELECT s.id, COALESCE(s.course_id, m.course_id), s.measure_id
FROM remediation_trainingsession s
LEFT JOIN remediation_measure m ON m.id = s.measure_id
WHERE s.course_id IS NOT NULL OR s.measure_id IS NOT NULL
"""

BACK = """
UPDATE remediation_trainingsession
SET course_id = (
        SELECT l.course_id FROM remediation_coursetrainingsession l
        WHERE l.session_id = remediation_trainingsession.id
    ),
    measure_id = (
        SELECT l.measure_id FROM remediation_coursetrainingsession l
        WHERE l.session_id = remediation_trainingsession.id
    )
"""


class Migration(migrations.Migration):

    dependencies = [
        ('remediation', '0002_training_moved_out'),
        ('training', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CourseTrainingSession',
            fields=[
                ('session', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='course_link', serialize=False, to='training.trainingsession')),
                ('course', models.ForeignKey(help_text='Plan de remediación para el que se impartió la sesión.', on_delete=django.db.models.deletion.CASCADE, related_name='training_links', to='remediation.course')),
                ('measure', models.ForeignKey(blank=True, help_text='Medida de capacitación que la sesión cumple.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='training_links', to='remediation.measure')),
            ],
        ),
        migrations.RunSQL(COPY, BACK),
    ]
