"""RRM cases: the public record, and the petitions staff carry through Annex 31-A.

A case carries the dates the deadline engine (``deadlines.py``) reads, under
the names of the public record; ``TIMELINE_DATES`` says which field is which of
the engine's arguments, so the API, the pages and the import compute a
timeline the same way.

A staff petition adds an owning organisation and a ``stage``: the state
machine of ``TRANSITIONS`` (``services.petition_advance`` walks it). Each
stage records its day into ``STAGE_DATE``'s field, and ``RrmCase.clean``
refuses a day before one the procedure makes first, so a step recorded out of
order is refused wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.rrm.deadlines import Step, StepStatus, TimelineOrderError, timeline_compute

# Model field -> the deadline engine's argument (domain/rrm.md, "The public
# record"). The record has no column for the ILC's determination, and the
# course's own deadline is no step of the engine.
TIMELINE_DATES: dict[str, str] = {
    "petition_received_on": "petition",
    "ilc_request_on": "request",
    "mexico_accepted_on": "accepted",
    "mexico_determination_on": "determination",
    "remediation_announced_on": "remediation_agreed",
}


# The engine also reads the ILC's determination, which staff record and the
# public record has no column for (the import maps ``TIMELINE_DATES`` only).
CASE_TIMELINE_DATES: dict[str, str] = {
    **TIMELINE_DATES,
    "ilc_determination_on": "ilc_determination",
}


class RrmStage(models.TextChoices):
    """Where a staff petition stands in the Annex 31-A procedure (domain/rrm.md)."""

    DRAFT = "draft", _("Borrador")
    PETITION_FILED = "petition_filed", _("Petición presentada")
    ILC_DETERMINATION = "ilc_determination", _("Determinación del ILC")
    REVIEW_REQUESTED = "review_requested", _("Revisión solicitada a México")
    REVIEW_ACCEPTED = "review_accepted", _("Revisión aceptada por México")
    MEXICO_DETERMINATION = "mexico_determination", _("Determinación de México")
    CONSULTATIONS = "consultations", _("Consultas")
    REMEDIATION_AGREED = "remediation_agreed", _("Curso de reparación acordado")
    REMEDIATION_VERIFIED = "remediation_verified", _("Curso de reparación verificado")
    PANEL_REQUESTED = "panel_requested", _("Panel solicitado")
    PANEL_CONSTITUTED = "panel_constituted", _("Panel constituido")
    PANEL_CONFIRMED = "panel_confirmed", _("Petición confirmada por el panel")
    PANEL_DETERMINATION = "panel_determination", _("Determinación del panel")
    REMEDIES = "remedies", _("Medidas de reparación aplicadas")
    CLOSED = "closed", _("Cerrado")


S = RrmStage

# The stages each stage may move to. Conditions that depend on what was
# decided (a negative ILC determination ends the case; only a self-initiated
# case skips the petition) are in ``allowed_next``.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PETITION_FILED, S.REVIEW_REQUESTED, S.CLOSED}),
    S.PETITION_FILED: frozenset({S.ILC_DETERMINATION, S.CLOSED}),
    S.ILC_DETERMINATION: frozenset({S.REVIEW_REQUESTED, S.CLOSED}),
    S.REVIEW_REQUESTED: frozenset(
        {S.REVIEW_ACCEPTED, S.MEXICO_DETERMINATION, S.PANEL_REQUESTED, S.CLOSED}
    ),
    S.REVIEW_ACCEPTED: frozenset({S.MEXICO_DETERMINATION, S.PANEL_REQUESTED, S.CLOSED}),
    S.MEXICO_DETERMINATION: frozenset(
        {S.CONSULTATIONS, S.REMEDIATION_AGREED, S.PANEL_REQUESTED, S.CLOSED}
    ),
    S.CONSULTATIONS: frozenset({S.REMEDIATION_AGREED, S.PANEL_REQUESTED, S.CLOSED}),
    S.REMEDIATION_AGREED: frozenset({S.REMEDIATION_VERIFIED, S.PANEL_REQUESTED}),
    S.REMEDIATION_VERIFIED: frozenset({S.CLOSED}),
    S.PANEL_REQUESTED: frozenset({S.PANEL_CONSTITUTED, S.CLOSED}),
    S.PANEL_CONSTITUTED: frozenset({S.PANEL_CONFIRMED, S.CLOSED}),
    S.PANEL_CONFIRMED: frozenset({S.PANEL_DETERMINATION, S.CLOSED}),
    S.PANEL_DETERMINATION: frozenset({S.REMEDIES, S.CLOSED}),
    S.REMEDIES: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

# The endings a case may close with, by the stage it closes from
# (domain/rrm.md, "A case ends as"). A facility may close at any point.
_REVIEW_STAGES = (
    S.REVIEW_REQUESTED,
    S.REVIEW_ACCEPTED,
    S.MEXICO_DETERMINATION,
    S.CONSULTATIONS,
)
ENDINGS_FROM: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset(),
    S.PETITION_FILED: frozenset({"declined_by_ilc"}),
    S.ILC_DETERMINATION: frozenset({"declined_by_ilc"}),
    **{stage: frozenset({"resolved_during_review"}) for stage in _REVIEW_STAGES},
    S.REMEDIATION_VERIFIED: frozenset({"remediated"}),
    S.PANEL_REQUESTED: frozenset(),
    S.PANEL_CONSTITUTED: frozenset(),
    S.PANEL_CONFIRMED: frozenset(),
    S.PANEL_DETERMINATION: frozenset({"panel_no_denial", "panel_denial_remedies"}),
    S.REMEDIES: frozenset({"panel_denial_remedies", "remedied_after_remedies"}),
}

# The field each stage records its day into.
STAGE_DATE: dict[str, str] = {
    S.PETITION_FILED: "petition_received_on",
    S.ILC_DETERMINATION: "ilc_determination_on",
    S.REVIEW_REQUESTED: "ilc_request_on",
    S.REVIEW_ACCEPTED: "mexico_accepted_on",
    S.MEXICO_DETERMINATION: "mexico_determination_on",
    S.CONSULTATIONS: "consultations_started_on",
    S.REMEDIATION_AGREED: "remediation_announced_on",
    S.REMEDIATION_VERIFIED: "remediation_verified_on",
    S.PANEL_REQUESTED: "panel_requested_on",
    S.PANEL_CONSTITUTED: "panel_constituted_on",
    S.PANEL_CONFIRMED: "panel_confirmed_on",
    S.PANEL_DETERMINATION: "panel_determination_on",
    S.REMEDIES: "remedies_on",
    S.CLOSED: "closed_on",
}

# The days the engine does not know, each after every earlier known day of
# this chain. The engine's own days keep its order check (``clean``); these
# extend it past the course of remediation.
_CHAIN: tuple[str, ...] = (
    "petition_received_on",
    "ilc_determination_on",
    "ilc_request_on",
    "mexico_accepted_on",
    "mexico_determination_on",
    "consultations_started_on",
    "remediation_announced_on",
    "remediation_verified_on",
    "panel_requested_on",
    "panel_constituted_on",
    "panel_confirmed_on",
    "panel_determination_on",
    "remedies_on",
    "closed_on",
)
# Each day beyond the engine's, with the days it cannot precede.
_EXTRA_ORDER: dict[str, tuple[str, ...]] = {
    "liquidation_suspended_on": ("ilc_request_on",),
    "consultations_started_on": _CHAIN[:5],
    # A panel may follow a failed course, so a panel's days come after the
    # course's agreement but not after its verification.
    "remediation_verified_on": _CHAIN[:7],
    "panel_requested_on": _CHAIN[:7],
    "panel_constituted_on": (*_CHAIN[:7], "panel_requested_on"),
    "panel_confirmed_on": (*_CHAIN[:7], *_CHAIN[8:10]),
    "panel_determination_on": (*_CHAIN[:7], *_CHAIN[8:11]),
    "remedies_on": (*_CHAIN[:7], *_CHAIN[8:12]),
    "closed_on": _CHAIN[:13],
}


class RrmEnding(models.TextChoices):
    """How a case ends (domain/rrm.md)."""

    DECLINED_BY_ILC = "declined_by_ilc", _("Rechazado por el ILC")
    RESOLVED_DURING_REVIEW = "resolved_during_review", _("Resuelto durante la revisión")
    REMEDIATED = "remediated", _("Reparado (curso cumplido)")
    FACILITY_CLOSED = "facility_closed", _("Centro de trabajo cerrado")
    PANEL_NO_DENIAL = "panel_no_denial", _("El panel no encontró negación de derechos")
    PANEL_DENIAL_REMEDIES = (
        "panel_denial_remedies",
        _("El panel encontró negación y se aplicaron medidas"),
    )
    REMEDIED_AFTER_REMEDIES = "remedied_after_remedies", _("Reparado tras las medidas")


class RrmCaseOrigin(models.TextChoices):
    PUBLIC_RECORD = "public_record", _("Registro público")
    STAFF = "staff", _("Personal")


class RrmCase(BaseModel):
    """One RRM matter about one facility, from petition to its end."""

    slug = models.SlugField(
        _("clave"),
        max_length=100,
        unique=True,
        help_text=_(
            "Clave estable y legible del caso (case_id del registro público), "
            "p. ej. inisa; aparece en la URL."
        ),
    )
    facility_name = models.CharField(
        _("centro de trabajo"),
        max_length=255,
        help_text=_("Nombre del centro de trabajo como lo dan las fuentes."),
    )
    facility_name_es = models.CharField(
        _("centro de trabajo en español"),
        max_length=255,
        blank=True,
        help_text=_(
            "El nombre del centro en español (las fuentes lo dan en inglés); "
            "vacío si no se ha traducido."
        ),
    )
    company = models.CharField(
        _("empresa"),
        max_length=255,
        blank=True,
        help_text=_("Empresa o grupo empresarial al que pertenece el centro."),
    )
    state = models.CharField(
        _("estado"),
        max_length=100,
        blank=True,
        help_text=_("Estado de la república tal como lo escribe la fuente."),
    )
    state_code = models.CharField(
        _("código de estado"),
        max_length=6,
        blank=True,
        choices=STATE_CHOICES,
        db_index=True,
        help_text=_(
            "El estado como código ISO 3166-2:MX, cuando el nombre se reconoce."
        ),
    )
    sector = models.CharField(
        _("sector"),
        max_length=200,
        blank=True,
        help_text=_("Rama de actividad del centro de trabajo."),
    )
    sector_es = models.CharField(
        _("sector en español"),
        max_length=200,
        blank=True,
        help_text=_("La rama de actividad en español; vacía si no se ha traducido."),
    )
    petitioners = models.TextField(
        _("peticionarios"),
        blank=True,
        help_text=_(
            "Quiénes presentaron la petición, o si la inició el gobierno de EE. UU."
        ),
    )
    petition_received_on = models.DateField(
        _("petición recibida"),
        null=True,
        blank=True,
        help_text=_("Día en que el ILC recibió la petición; vacío si no se conoce."),
    )
    ilc_request_on = models.DateField(
        _("solicitud de revisión"),
        null=True,
        blank=True,
        help_text=_("Día en que EE. UU. pidió a México revisar el caso."),
    )
    mexico_accepted_on = models.DateField(
        _("revisión aceptada"),
        null=True,
        blank=True,
        help_text=_("Día en que México aceptó hacer la revisión."),
    )
    mexico_determination_on = models.DateField(
        _("determinación de México"),
        null=True,
        blank=True,
        help_text=_("Día en que México informó el resultado de su revisión."),
    )
    remediation_announced_on = models.DateField(
        _("curso de reparación acordado"),
        null=True,
        blank=True,
        help_text=_("Día en que se anunció el curso de reparación acordado."),
    )
    remediation_deadline = models.DateField(
        _("plazo del curso de reparación"),
        null=True,
        blank=True,
        help_text=_("Fecha límite del curso de reparación acordado."),
    )
    outcome = models.TextField(
        _("resultado"),
        blank=True,
        help_text=_("Cómo terminó o en qué va el caso, según las fuentes."),
    )
    outcome_es = models.TextField(
        _("resultado en español"),
        blank=True,
        help_text=_("El resultado en español; vacío si no se ha traducido."),
    )
    sources = models.JSONField(
        _("fuentes"),
        default=list,
        blank=True,
        help_text=_("Lista de URL de comunicados y notas que respaldan las fechas."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rrm_cases",
        verbose_name=_("centro en el padrón"),
        help_text=_("El centro de trabajo del padrón de Remedia, si se identificó."),
    )
    origin = models.CharField(
        _("origen"),
        max_length=20,
        choices=RrmCaseOrigin.choices,
        default=RrmCaseOrigin.PUBLIC_RECORD,
        help_text=_("Si el caso vino del registro público o lo capturó el personal."),
    )
    is_public = models.BooleanField(
        _("público"),
        default=True,
        help_text=_("Si el caso aparece en la página y la API públicas."),
    )
    # --- A staff petition ------------------------------------------------------
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rrm_cases",
        verbose_name=_("organización"),
        help_text=_(
            "Organización cuyo equipo de peticiones lleva el caso; vacía en el "
            "registro público y en los borradores por asignar."
        ),
    )
    stage = models.CharField(
        _("etapa"),
        max_length=32,
        choices=RrmStage.choices,
        blank=True,
        db_index=True,
        help_text=_(
            "Etapa del procedimiento de una petición del personal; vacía en el "
            "registro público."
        ),
    )
    self_initiated = models.BooleanField(
        _("iniciado por EE. UU."),
        default=False,
        help_text=_("El gobierno de EE. UU. inició el caso: no hay petición."),
    )
    confidential = models.BooleanField(
        _("confidencial"),
        default=False,
        help_text=_(
            "Los peticionarios pidieron confidencialidad: el caso nunca es público "
            "y solo lo ve la organización que lo lleva."
        ),
    )
    laws_concerned = models.TextField(
        _("leyes en cuestión"),
        blank=True,
        help_text=_("Las disposiciones legales que la petición invoca."),
    )
    facts_alleged = models.TextField(
        _("hechos alegados"),
        blank=True,
        help_text=_("Los hechos que la petición alega; solo para el personal."),
    )
    alleged_categories = models.JSONField(
        _("violaciones alegadas"),
        default=list,
        blank=True,
        help_text=_("Códigos de las violaciones alegadas (de un caso escalado)."),
    )
    evidence_offered = models.JSONField(
        _("evidencia ofrecida"),
        default=list,
        blank=True,
        help_text=_(
            "Identificadores de los documentos del caso escalado elegidos como "
            "evidencia; los documentos cifrados no se copian."
        ),
    )
    escalation_ref = models.UUIDField(
        _("escalamiento"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("El escalamiento de un caso del que nació este borrador."),
    )
    ilc_determination_on = models.DateField(
        _("determinación del ILC"),
        null=True,
        blank=True,
        help_text=_("Día en que el ILC decidió sobre la petición."),
    )
    ilc_affirmative = models.BooleanField(
        _("determinación afirmativa"),
        null=True,
        blank=True,
        help_text=_("Si el ILC halló evidencia suficiente y creíble."),
    )
    ilc_reasons = models.TextField(
        _("razones del ILC"),
        blank=True,
        help_text=_("Las razones de la determinación del ILC."),
    )
    liquidation_suspended = models.BooleanField(
        _("liquidación suspendida"),
        default=False,
        help_text=_("Si se suspendió la liquidación aduanera de las entradas."),
    )
    liquidation_suspended_on = models.DateField(
        _("suspensión de la liquidación"),
        null=True,
        blank=True,
        help_text=_("Día en que se suspendió la liquidación."),
    )
    denial_found = models.BooleanField(
        _("México halló negación de derechos"),
        null=True,
        blank=True,
        help_text=_("Resultado de la revisión de México."),
    )
    consultations_started_on = models.DateField(
        _("inicio de consultas"),
        null=True,
        blank=True,
        help_text=_("Día en que empezaron las consultas entre gobiernos."),
    )
    remediation_verified_on = models.DateField(
        _("curso verificado"),
        null=True,
        blank=True,
        help_text=_("Día en que se verificó que el curso de reparación se cumplió."),
    )
    panel_requested_on = models.DateField(
        _("panel solicitado"),
        null=True,
        blank=True,
        help_text=_("Día de la solicitud."),
    )
    panel_constituted_on = models.DateField(
        _("panel constituido"),
        null=True,
        blank=True,
        help_text=_("Día en que se constituyó el panel."),
    )
    panel_confirmed_on = models.DateField(
        _("petición confirmada por el panel"),
        null=True,
        blank=True,
        help_text=_("Día en que el panel confirmó la petición."),
    )
    panel_determination_on = models.DateField(
        _("determinación del panel"),
        null=True,
        blank=True,
        help_text=_("Día de la determinación del panel."),
    )
    panel_denial_found = models.BooleanField(
        _("el panel halló negación de derechos"),
        null=True,
        blank=True,
        help_text=_("Resultado de la determinación del panel."),
    )
    remedies_on = models.DateField(
        _("medidas aplicadas"),
        null=True,
        blank=True,
        help_text=_("Día en que se aplicaron las medidas tras el panel."),
    )
    closed_on = models.DateField(
        _("cerrado"), null=True, blank=True, help_text=_("Día en que terminó el caso.")
    )
    ending = models.CharField(
        _("desenlace"),
        max_length=32,
        choices=RrmEnding.choices,
        blank=True,
        help_text=_("Cómo terminó una petición del personal."),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("caso del MLRR")
        verbose_name_plural = _("casos del MLRR")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(confidential=True, is_public=True),
                name="rrm_confidential_never_public",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        # The engine's order check, so a case that cannot be true is refused
        # wherever it is saved from (the import checks rows the same way).
        try:
            self.timeline(today=dt.date.min)
        except TimelineOrderError as exc:
            later = _timeline_field(exc.argument)
            raise ValidationError(
                {later: _order_message(later, exc.value, _timeline_field(exc.earlier))}
            ) from None
        for name, earlier_names in _EXTRA_ORDER.items():
            value = getattr(self, name)
            if value is None:
                continue
            for earlier in reversed(earlier_names):
                earlier_value = getattr(self, earlier)
                if earlier_value is not None and value < earlier_value:
                    raise ValidationError({name: _order_message(name, value, earlier)})
        if (
            self.remediation_deadline
            and self.remediation_announced_on
            and self.remediation_deadline < self.remediation_announced_on
        ):
            raise ValidationError(
                {
                    "remediation_deadline": _(
                        "El plazo del curso no puede ser anterior a su anuncio."
                    )
                }
            )
        if self.confidential and self.is_public:
            raise ValidationError(
                {"is_public": _("Una petición confidencial no puede ser pública.")}
            )

    def get_absolute_url(self) -> str:
        return reverse("rrm:detail", kwargs={"slug": self.slug})

    def _in_language(self, english: str, spanish: str) -> str:
        # The sources write in English; Spanish readers get the translation
        # when there is one, and the source's words otherwise.
        if spanish and (get_language() or "es").startswith("es"):
            return spanish
        return english

    @property
    def display_name(self) -> str:
        """The facility's name in the reader's language."""
        return self._in_language(self.facility_name, self.facility_name_es)

    @property
    def display_sector(self) -> str:
        return self._in_language(self.sector, self.sector_es)

    @property
    def display_outcome(self) -> str:
        return self._in_language(self.outcome, self.outcome_es)

    @property
    def display_state(self) -> str:
        """The state's proper name ("Querétaro") when recognised, else as given."""
        return self.get_state_code_display() if self.state_code else self.state

    @property
    def is_concluded(self) -> bool:
        """The case has ended (its ending or closing day is recorded)."""
        return bool(self.ending) or self.closed_on is not None

    @property
    def treaty_steps_superseded(self) -> bool:
        """A later event (the end, a panel) makes the open treaty steps moot.

        domain/rrm.md: never call a step overdue when a later event proves it
        was done. A closed case or a requested panel is such an event.
        """
        return self.is_concluded or self.panel_requested_on is not None

    def public_timeline(self, *, today: dt.date) -> list[Step]:
        """The timeline as the public pages show it.

        A step still open in a case a later event has moved past is counted
        as done on an unknown day, never as overdue or pending.
        """
        steps = self.timeline(today=today)
        if not self.treaty_steps_superseded:
            return steps
        open_statuses = (StepStatus.OVERDUE, StepStatus.PENDING)
        return [
            replace(step, status=StepStatus.DONE_UNDATED)
            if step.status in open_statuses
            else step
            for step in steps
        ]

    def timeline_dates(self) -> dict[str, Any]:
        """The engine's arguments from this case's dates."""
        return {arg: getattr(self, name) for name, arg in CASE_TIMELINE_DATES.items()}

    def timeline(self, *, today: dt.date) -> list[Step]:
        """The Annex 31-A steps of this case, judged on ``today``."""
        return timeline_compute(today=today, **self.timeline_dates())

    @property
    def is_petition(self) -> bool:
        """A case staff carry through the procedure (not a public record row)."""
        return bool(self.stage)

    def allowed_next(self) -> list[str]:
        """The stages this case may move to now, in the procedure's order."""
        allowed = set(TRANSITIONS.get(self.stage, ()))
        if self.stage == RrmStage.DRAFT:
            # Only the US's own case skips the petition; a petition must be filed.
            allowed.discard(
                RrmStage.PETITION_FILED
                if self.self_initiated
                else RrmStage.REVIEW_REQUESTED
            )
        if self.stage == RrmStage.ILC_DETERMINATION and self.ilc_affirmative is False:
            allowed = {RrmStage.CLOSED}
        if self.stage == RrmStage.PANEL_DETERMINATION and not self.panel_denial_found:
            allowed.discard(RrmStage.REMEDIES)
        # The members, not `RrmStage.values`: Django builds that list anew on
        # every read (with each label), once a row in a list of petitions.
        return [stage.value for stage in RrmStage if stage in allowed]

    def allowed_endings(self) -> list[str]:
        """How this case may end if closed now, given the path it took."""
        if self.ilc_affirmative is False:
            return [RrmEnding.DECLINED_BY_ILC]
        allowed = set(ENDINGS_FROM.get(self.stage, ())) | {RrmEnding.FACILITY_CLOSED}
        if self.stage == RrmStage.PANEL_DETERMINATION:
            allowed.discard(
                RrmEnding.PANEL_DENIAL_REMEDIES
                if not self.panel_denial_found
                else RrmEnding.PANEL_NO_DENIAL
            )
        return [ending.value for ending in RrmEnding if ending in allowed]


def _timeline_field(argument: str) -> str:
    return {arg: name for name, arg in CASE_TIMELINE_DATES.items()}[argument]


def _verbose(name: str) -> str:
    return str(getattr(RrmCase._meta.get_field(name), "verbose_name", name))


def _order_message(later: str, value: dt.date, earlier: str) -> str:
    """A day before one the procedure makes first, in words naming both fields."""
    return gettext(
        "«%(later)s» (%(value)s) no puede ser anterior a «%(earlier)s»; "
        "ese paso va primero."
    ) % {
        "later": _verbose(later),
        "value": value.isoformat(),
        "earlier": _verbose(earlier),
    }


class RrmEventKind(models.TextChoices):
    CREATED = "created", _("Petición creada")
    DRAFT_RECEIVED = "draft_received", _("Borrador recibido de un caso escalado")
    CLAIMED = "claimed", _("Borrador asignado")
    ADVANCED = "advanced", _("Etapa avanzada")
    DOCUMENT_ADDED = "document_added", _("Documento agregado")
    NOTE_ADDED = "note_added", _("Nota agregada")
    PUBLISHED = "published", _("Publicado en el registro público")
    WITHDRAWN = "withdrawn", _("Retirado del registro público")


class RrmEvent(BaseModel):
    """One change to a staff petition, for its timeline.

    ``data`` holds stages, dates and ids only, never the facts, the notes or
    who the petitioners are.
    """

    case = models.ForeignKey(
        RrmCase,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=_("Caso al que pertenece el evento."),
    )
    kind = models.CharField(
        max_length=32, choices=RrmEventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo hizo; vacío si fue el sistema."),
    )
    at = models.DateTimeField(default=timezone.now, help_text=_("Cuándo pasó."))
    data = models.JSONField(
        default=dict, blank=True, help_text=_("Detalles sin texto sensible.")
    )

    class Meta:
        ordering = ["at", "created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class RrmDocument(BaseModel):
    """A file of a petition (the petition itself, a release, a panel report).

    Petition documents are not reporter data, so unlike a case's documents they
    are stored unencrypted, under ``DATA_DIR/rrm-documents`` and never in a
    public directory, after the same metadata stripping as an attachment
    (``core.files.clean``). Only staff of the owning organisation with
    the petition capability can download them; they are never public.
    """

    case = models.ForeignKey(
        RrmCase,
        on_delete=models.CASCADE,
        related_name="documents",
        help_text=_("Caso al que pertenece el documento."),
    )
    stage = models.CharField(
        max_length=32,
        choices=RrmStage.choices,
        blank=True,
        help_text=_("Etapa en que se agregó."),
    )
    name = models.CharField(max_length=200, help_text=_("Nombre del archivo."))
    content_type = models.CharField(max_length=100, help_text=_("Tipo de archivo."))
    size = models.PositiveIntegerField(help_text=_("Tamaño en bytes, ya limpio."))
    blob = models.CharField(
        max_length=64, unique=True, help_text=_("Nombre del archivo guardado.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quién lo agregó."),
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class RrmNote(BaseModel):
    """A note for colleagues on one step of a petition; staff only, never public."""

    case = models.ForeignKey(
        RrmCase,
        on_delete=models.CASCADE,
        related_name="notes",
        help_text=_("Caso al que pertenece la nota."),
    )
    stage = models.CharField(
        max_length=32,
        choices=RrmStage.choices,
        blank=True,
        help_text=_("Etapa a la que se refiere la nota."),
    )
    body = models.TextField(help_text=_("Texto de la nota."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quién la escribió."),
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.created_at:%Y-%m-%d}"
