"""Training sessions (the `training` app) counted for a course's training measure."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.remediation.models.course import Course
from remedia.remediation.models.measures import Measure


class CourseTrainingSession(models.Model):
    """A training session (``training`` app) held for a course of remediation,
    and the training measure it counts for.

    The link belongs to remediation, not to the session: ``training`` sits
    below ``remediation`` and must not know courses. A session with no row
    here counts for its roster's coverage only.
    """

    session = models.OneToOneField(
        "training.TrainingSession",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="course_link",
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="training_links",
        help_text=_("Plan de remediación para el que se impartió la sesión."),
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_links",
        help_text=_("Medida de capacitación que la sesión cumple."),
    )

    def __str__(self) -> str:
        return f"{self.session_id}:{self.course_id}"
