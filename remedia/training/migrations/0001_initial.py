"""Training leaves ``remediation`` for its own app: Django's state only.

The tables keep their names and rows (``remediation_person``,
``remediation_trainingsession``, ``remediation_attendance``); this migration
creates the models in the ``training`` app's state over them, the matching
``remediation`` migration (0002) removes them from that app's state. The
session's ``course`` and ``measure`` columns are still here for one step:
``remediation`` 0003 copies them into its own link table and ``training`` 0002
drops them.
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_keys'),
        ('facilities', '0003_search_index'),
        ('remediation', '0002_training_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Person',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, help_text='Identificador estable que aparece en URL y en la API.', primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, help_text='Cuándo se creó el registro.')),
                        ('updated_at', models.DateTimeField(auto_now=True, help_text='Cuándo se modificó el registro por última vez.')),
                        ('identifier', models.CharField(help_text='Número de empleado u otro identificador de la lista.', max_length=40, verbose_name='número de persona')),
                        ('name', models.CharField(max_length=200, verbose_name='nombre')),
                        ('role', models.CharField(choices=[('management', 'Dirección y gerencia'), ('supervisor', 'Supervisión'), ('human_resources', 'Recursos humanos'), ('worker', 'Personal operativo'), ('union_representative', 'Representación sindical'), ('official', 'Personal de gobierno'), ('partner', 'Personal de organización aliada')], max_length=24, verbose_name='papel')),
                        ('active', models.BooleanField(default=True, help_text='Desmarcado: ya no está en la lista.', verbose_name='activo')),
                        ('facility', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='personnel', to='facilities.facility')),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='trainees', to='accounts.organisation')),
                    ],
                    options={
                        'db_table': 'remediation_person',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='TrainingSession',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, help_text='Identificador estable que aparece en URL y en la API.', primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, help_text='Cuándo se creó el registro.')),
                        ('updated_at', models.DateTimeField(auto_now=True, help_text='Cuándo se modificó el registro por última vez.')),
                        ('topic', models.CharField(choices=[('neutrality_guidelines', 'Declaración de neutralidad y lineamientos de conducta'), ('worker_rights', 'Derechos de los trabajadores'), ('zero_tolerance', 'Política de cero tolerancia'), ('protocols', 'Protocolos de atención y derivación'), ('child_labour', 'Prevención del trabajo infantil'), ('forced_labour', 'Trabajo forzoso y trata de personas'), ('other', 'Otro tema')], max_length=32, verbose_name='tema')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='título')),
                        ('held_on', models.DateField(verbose_name='fecha')),
                        ('starts_at', models.TimeField(verbose_name='hora de inicio')),
                        ('ends_at', models.TimeField(verbose_name='hora de término')),
                        ('during_working_hours', models.BooleanField(help_text='Dentro de la jornada normal, pagada.', verbose_name='en horario de trabajo')),
                        ('trainer', models.CharField(max_length=200, verbose_name='quién capacitó')),
                        ('audience_roles', models.JSONField(default=list, help_text='Papeles de la lista a los que se dirigió.', verbose_name='público')),
                        ('location', models.CharField(blank=True, max_length=200, verbose_name='lugar')),
                        ('audience_organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='trainings_received', to='accounts.organisation', verbose_name='organización capacitada')),
                        ('course', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='training_sessions', to='remediation.course')),
                        ('facility', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='training_sessions', to='facilities.facility', verbose_name='centro de trabajo')),
                        ('measure', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='training_sessions', to='remediation.measure')),
                        ('organisation', models.ForeignKey(help_text='Organización que registró la sesión.', on_delete=django.db.models.deletion.PROTECT, related_name='training_sessions', to='accounts.organisation')),
                    ],
                    options={
                        'db_table': 'remediation_trainingsession',
                        'verbose_name': 'sesión de capacitación',
                        'verbose_name_plural': 'sesiones de capacitación',
                        'ordering': ['-held_on', '-starts_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Attendance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='training.person')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='training.trainingsession')),
                    ],
                    options={
                        'db_table': 'remediation_attendance',
                    },
                ),
                migrations.AddConstraint(
                    model_name='person',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('facility__isnull', False), ('organisation__isnull', True)), models.Q(('facility__isnull', True), ('organisation__isnull', False)), _connector='OR'), name='remediation_person_one_roster'),
                ),
                migrations.AddConstraint(
                    model_name='person',
                    constraint=models.UniqueConstraint(condition=models.Q(('facility__isnull', False)), fields=('facility', 'identifier'), name='remediation_person_facility_identifier'),
                ),
                migrations.AddConstraint(
                    model_name='person',
                    constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', False)), fields=('organisation', 'identifier'), name='remediation_person_organisation_identifier'),
                ),
                migrations.AddConstraint(
                    model_name='trainingsession',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('audience_organisation__isnull', True), ('facility__isnull', False)), models.Q(('audience_organisation__isnull', False), ('facility__isnull', True)), _connector='OR'), name='remediation_training_one_audience'),
                ),
                migrations.AddConstraint(
                    model_name='trainingsession',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='remediation_training_ends_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='attendance',
                    constraint=models.UniqueConstraint(fields=('session', 'person'), name='remediation_attendance_once'),
                ),
            ],
            database_operations=[],
        ),
    ]
