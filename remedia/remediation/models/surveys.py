"""Worker surveys that confirm measures, with anonymous answers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.core.choices import ChoiceLabels
from remedia.core.models import BaseModel
from remedia.remediation.models.measures import Measure


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("Abierta")
    CLOSED = "closed", _("Cerrada")


class Survey(BaseModel):
    """Questions that let workers say whether a measure is real."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="surveys"
    )
    code = models.CharField(
        _("código"),
        max_length=12,
        unique=True,
        help_text=_("Código corto que se publica en el centro de trabajo."),
    )
    status = models.CharField(
        _("estado"),
        max_length=8,
        choices=SurveyStatus.choices,
        default=SurveyStatus.OPEN,
        db_index=True,
    )
    closes_on = models.DateField(
        _("cierra el"), null=True, blank=True, help_text=_("Último día para responder.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("encuesta de verificación")
        verbose_name_plural = _("encuestas de verificación")

    def __str__(self) -> str:
        return self.code


class SurveyQuestion(BaseModel):
    """A question answered yes, no or not sure (a key press by SMS)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(
        _("pregunta"), max_length=300, help_text=_("En español, como se publica.")
    )
    text_en = models.CharField(_("pregunta en inglés"), max_length=300, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="remediation_question_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class Answer(models.TextChoices):
    YES = "yes", _("Sí")
    NO = "no", _("No")
    UNSURE = "unsure", _("No sé")


class ResponseChannel(models.TextChoices):
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")


class SurveyResponse(ChoiceLabels, models.Model):
    """One worker's answers. No timestamp finer than the day, no network data.

    ``respondent`` is a keyed hash (HMAC under the secret key) of the survey and
    a random token kept in the worker's browser, or of the phone number that
    answered by SMS: it refuses a second answer and can be turned back into
    nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    respondent = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    answered_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], name="remediation_one_answer_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.answered_on:%Y-%m-%d}"


class SurveyAnswer(ChoiceLabels, models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.CharField(max_length=8, choices=Answer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="remediation_answer_once"
            )
        ]

    def __str__(self) -> str:
        return self.value
