"""Screening: a pure rule engine for child labour, forced labour and trafficking.

A protection worker (or a handler, from a report or case) interviews a worker
and records the answers as an `Interview`; `assess` answers with an
`Assessment`: a child-labour verdict under Mexican law, a forced-labour level
from the ILO's eleven indicators, whether trafficking is possible and why,
the `Finding`s that explain each (rule, legal reference, whether it rests on
a fact still to verify), the questions still open, and the next steps of the
Mexican assistance pathway. No database, no request: the pages, the API and
the stored screenings all compute the same answer, and the rules are tested
one by one (``tests/protection/test_screening_rules.py``).

Everything here is guidance for the person who interviews, never a legal
finding: only an authority decides whether a law was broken or a person is a
victim. Facts that ``domain/protection.md`` marks *verify*, and Remedia's own
judgements (the weights of the indicators, the thresholds), are flagged
``verify=True`` on their findings so that pages show them as such.

Answer keys
-----------

What a form or the API posts, as a plain mapping (`interview_from_answers`);
`Interview.as_answers` gives the same mapping back. The keys are stable.

``age``
    whole years, 5 to 100; empty when not known.
``age_band``
    what is known when the exact age is not: ``under_15``, ``15``, ``16``,
    ``17``, ``15_17``, ``minor`` (under 18, exact age unknown), ``adult`` or
    ``unknown`` (the default); must agree with ``age`` when both are given.
``abuse_of_vulnerability``, ``deception``, ``restriction_of_movement``, ``isolation``, ``physical_sexual_violence``, ``intimidation_threats``, ``retention_of_documents``, ``withholding_of_wages``, ``debt_bondage``, ``abusive_conditions``, ``excessive_overtime``
    the ILO's eleven indicators: ``yes`` means present.
``free_to_leave``
    can leave the job at will without punishment, threat or losing what is
    owed (``no`` is Convention 29's menace of penalty).
``recruited_or_moved``
    someone recruited, brought or lodged the person for this work (the "act"
    of trafficking).
``hours_per_day``
    hours worked on a usual day, 0 to 24 (a decimal point or comma is taken).
``longest_block_hours``
    the longest stretch worked without a break, 0 to 24, never more than
    ``hours_per_day``.
``night_work``
    works after 22:00 or on an industrial night shift.
``hazardous_work``
    does hazardous or unhealthy tasks.
``overtime``
    works beyond the ordinary working day.
``rest_day_work``
    works on Sundays or mandatory rest days.
``finished_basic_education``
    finished compulsory basic education.
``labour_authority_approval``
    the labour authority approved work and study as compatible (asked once
    basic education is known unfinished).
``guardian_authorisation``
    a parent's or guardian's authorisation to work.
``medical_certificate``
    a medical certificate of fitness for work.

Every yes/no key takes ``yes``, ``no`` or ``unknown`` (empty or missing is
``unknown``; JSON ``true``/``false`` are taken as ``yes``/``no``). A key that
is not in this list is refused, so a misspelt key cannot pass as "unknown".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import InvalidInput
from remedia.protection.vocabulary import ServiceType

__all__ = [
    "AGE_MAX",
    "AGE_MIN",
    "ANSWER_KEYS",
    "DISCLAIMER",
    "INDICATORS",
    "INDICATOR_CODES",
    "QUESTIONS",
    "RULES",
    "SERVICE_HINTS",
    "AgeBand",
    "Answer",
    "Assessment",
    "ChildLabourVerdict",
    "Finding",
    "FindingStatus",
    "ForcedLabourLevel",
    "Indicator",
    "Interview",
    "NextStep",
    "Question",
    "QuestionKind",
    "Rule",
    "ServiceType",
    "Topic",
    "TraffickingReason",
    "Weight",
    "assess",
    "interview_from_answers",
]

AGE_MIN = 5
AGE_MAX = 100
HOURS_MAX = 24

DISCLAIMER = _(
    "Orientación para quien entrevista, no una determinación legal: solo una "
    "autoridad decide si se violó la ley o si una persona es víctima. Lo marcado "
    "«por verificar» debe confirmarse con el texto oficial."
)


# --- Vocabulary ---------------------------------------------------------------------


class Answer(models.TextChoices):
    YES = "yes", _("Sí")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("No se sabe")


class AgeBand(models.TextChoices):
    """What is known of the age when the exact age is not.

    Each band stands for a range of possible ages (`AgeBand.ages`); a rule for
    an age range applies for certain, may apply, or does not apply.
    """

    UNDER_15 = "under_15", _("Menor de 15 años")
    AGE_15 = "15", _("15 años")
    AGE_16 = "16", _("16 años")
    AGE_17 = "17", _("17 años")
    AGE_15_17 = "15_17", _("De 15 a 17 años (edad exacta desconocida)")
    MINOR = "minor", _("Menor de 18 años (edad exacta desconocida)")
    ADULT = "adult", _("18 años o más")
    UNKNOWN = "unknown", _("Edad desconocida")

    @property
    def ages(self) -> tuple[int, int]:
        """The youngest and oldest age the band allows, both included."""
        return _BAND_AGES[self]

    @classmethod
    def for_age(cls, age: int) -> AgeBand:
        if age < 15:
            return cls.UNDER_15
        if age >= 18:
            return cls.ADULT
        return {15: cls.AGE_15, 16: cls.AGE_16, 17: cls.AGE_17}[age]


_BAND_AGES: dict[str, tuple[int, int]] = {
    "under_15": (0, 14),
    "15": (15, 15),
    "16": (16, 16),
    "17": (17, 17),
    "15_17": (15, 17),
    "minor": (0, 17),
    "adult": (18, AGE_MAX),
    "unknown": (0, AGE_MAX),
}


class Weight(models.TextChoices):
    STRONG = "strong", _("Indicio fuerte")
    MEDIUM = "medium", _("Indicio medio")


class Topic(models.TextChoices):
    CHILD_LABOUR = "child_labour", _("Trabajo infantil")
    FORCED_LABOUR = "forced_labour", _("Trabajo forzoso")
    TRAFFICKING = "trafficking", _("Trata de personas")
    LABOUR = "labour", _("Condiciones de trabajo")


class FindingStatus(models.TextChoices):
    BREACH = "breach", _("No se cumple la regla")
    CONDITION_MISSING = "condition_missing", _("Falta un requisito")
    NEEDS_ANSWER = "needs_answer", _("Falta una respuesta")
    INDICATOR = "indicator", _("Indicio")
    NOTE = "note", _("Para revisar")


class ChildLabourVerdict(models.TextChoices):
    """From worst to best; `NOT_APPLICABLE` is an adult."""

    PROHIBITED = "prohibited", _("Trabajo prohibido por la edad")
    RESTRICTIONS_BREACHED = (
        "restrictions_breached",
        _("Trabaja en condiciones prohibidas para su edad"),
    )
    CONDITIONS_MISSING = (
        "conditions_missing",
        _("Faltan requisitos para que pueda trabajar"),
    )
    UNKNOWN = "unknown", _("Faltan respuestas para saberlo")
    PERMITTED = "permitted", _("Permitido con las condiciones declaradas")
    NOT_APPLICABLE = "not_applicable", _("Persona adulta: no aplica")


class ForcedLabourLevel(models.TextChoices):
    NO_INDICATORS = "none", _("Sin indicios")
    UNKNOWN = "unknown", _("Faltan respuestas")
    INDICATORS = "indicators", _("Hay indicios")
    LIKELY = "likely", _("Probable trabajo forzoso")


class TraffickingReason(models.TextChoices):
    FORCED_LABOUR_DECEPTION = (
        "forced_labour_deception",
        _("Probable trabajo forzoso de una persona engañada al reclutarla"),
    )
    FORCED_LABOUR_RECRUITMENT = (
        "forced_labour_recruitment",
        _(
            "Probable trabajo forzoso de una persona reclutada, trasladada o alojada para trabajar"
        ),
    )
    CHILD_FORCED_LABOUR = (
        "child_forced_labour",
        _("Una persona menor de 18 años en probable trabajo forzoso"),
    )
    CHILD_RECRUITED = (
        "child_recruited",
        _(
            "Una persona menor de 18 años reclutada o trasladada para un trabajo prohibido, en condiciones prohibidas o con indicios de trabajo forzoso"
        ),
    )


# Who gives each service in Mexico (domain/protection.md, "Assistance pathway"):
# kinds of institution, not a directory; the directory is data coordinators keep.
SERVICE_HINTS: dict[str, Promise] = {
    ServiceType.CHILD_PROTECTION: _(
        "Procuraduría de Protección de Niñas, Niños y Adolescentes del DIF: "
        "intervención inmediata para toda persona menor de 18 años."
    ),
    ServiceType.PROSECUTION: _(
        "Unidad especializada en trata de personas de la Fiscalía (del estado o "
        "federal) y la Línea Nacional contra la Trata de Personas."
    ),
    ServiceType.LABOUR_INSPECTION: _(
        "Inspección del trabajo: la autoridad laboral del estado o la STPS."
    ),
    ServiceType.SHELTER: _(
        "Refugio o albergue especializado, de la sociedad civil o del DIF."
    ),
    ServiceType.MEDICAL: _("Servicios de salud."),
    ServiceType.PSYCHOLOGICAL: _("Atención psicológica especializada."),
    ServiceType.LEGAL: _(
        "Comisión Ejecutiva de Atención a Víctimas (CEAV) o la comisión estatal de "
        "víctimas; asesoría jurídica."
    ),
    ServiceType.REPATRIATION: _(
        "Retorno al lugar de origen, solo si la persona lo elige (OIM, autoridades "
        "migratorias o consulares)."
    ),
    ServiceType.LIVELIHOOD: _(
        "Apoyo para la reintegración: escuela, empleo digno, apoyo a la familia."
    ),
}

# The order next steps are listed in, after the urgent ones: a child's
# protection first, then the safety of the person, then the rest.
_SERVICE_ORDER: tuple[ServiceType, ...] = (
    ServiceType.CHILD_PROTECTION,
    ServiceType.PROSECUTION,
    ServiceType.MEDICAL,
    ServiceType.SHELTER,
    ServiceType.PSYCHOLOGICAL,
    ServiceType.LEGAL,
    ServiceType.LABOUR_INSPECTION,
    ServiceType.REPATRIATION,
    ServiceType.LIVELIHOOD,
)


# --- The ILO indicators -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One of the ILO's eleven indicators of forced labour.

    ``weight_adult`` and ``weight_child`` are the weights for a worker of 18
    or more and for one under 18; a child's weight is never lower.
    """

    code: str
    label: Promise
    questions: tuple[Promise, ...]
    weight_adult: Weight
    weight_child: Weight

    def weight(self, *, minor: bool) -> Weight:
        return self.weight_child if minor else self.weight_adult


# The indicators and their codes are those of the ILO booklet "ILO indicators of
# Forced Labour" (SAP-FL, 2012; domain/protection.md). The booklet does not weigh
# them: it says that one indicator can in some cases be enough and that in others
# several together point to forced labour. The strong/medium weights are the
# ILO-EC "Operational indicators of trafficking in human beings" (Delphi survey,
# 2009, WCMS_105023), lists for labour exploitation of adults and of children,
# each ILO indicator taken at the weight of the Delphi item its questions ask
# about (at destination, where a screener meets a worker):
#   deception                "deceived about the nature of the job, location or
#                            employer": strong (deception about pay or conditions
#                            is medium there, and is asked under wages and
#                            conditions below, so the question here is narrow)
#   restriction_of_movement, isolation
#                            "isolation, confinement or surveillance": strong
#   physical_sexual_violence "violence on victims": strong
#   intimidation_threats     "threats of violence": medium for adults, strong
#                            for children; "threat of denunciation": medium
#   retention_of_documents   "confiscation of documents": strong
#   debt_bondage             "debt bondage": strong
#   excessive_overtime       "excessive working days or hours": strong
#   withholding_of_wages     "withholding of wages", "low or no salary", "wage
#                            manipulation": medium
#   abusive_conditions       "bad living conditions", "very bad working
#                            conditions", "hazardous work": medium
#   abuse_of_vulnerability   every "abuse of vulnerability" item: medium
# The Delphi weights were read in a third-party tabulation of WCMS_105023, not
# in the ILO's own PDF, and the mapping onto the eleven is Remedia's: guidance,
# to verify, and every forced-labour finding says so (verify=True).
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code="abuse_of_vulnerability",
        label=_("Abuso de la vulnerabilidad"),
        questions=(
            _(
                "¿Quien le emplea se aprovecha de su situación: pobreza, ser "
                "migrante o no tener papeles, no saber leer, depender de esa "
                "persona para la vivienda o la comida?"
            ),
        ),
        weight_adult=Weight.MEDIUM,
        weight_child=Weight.MEDIUM,
    ),
    Indicator(
        code="deception",
        label=_("Engaño"),
        questions=(
            _(
                "¿El trabajo, el lugar o la persona que le emplea resultaron "
                "distintos de lo que le prometieron para que aceptara?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="restriction_of_movement",
        label=_("Restricción de movimientos"),
        questions=(
            _(
                "¿Le encierran, le vigilan o no le dejan salir del lugar de trabajo "
                "o de donde vive?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="isolation",
        label=_("Aislamiento"),
        questions=(
            _(
                "¿Le impiden comunicarse con su familia o pedir ayuda (le quitan el "
                "teléfono, trabaja en un lugar apartado, no le dejan hablar con "
                "nadie)?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="physical_sexual_violence",
        label=_("Violencia física y sexual"),
        questions=(
            _(
                "¿Alguien en el trabajo le ha golpeado, lastimado o agredido "
                "sexualmente, o le ha obligado a consumir alcohol o drogas?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="intimidation_threats",
        label=_("Intimidación y amenazas"),
        questions=(
            _(
                "¿Le han amenazado con golpearle, con denunciarle a la policía o a "
                "migración, con despedirle o con hacer daño a su familia?"
            ),
        ),
        weight_adult=Weight.MEDIUM,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="retention_of_documents",
        label=_("Retención de documentos de identidad"),
        questions=(
            _(
                "¿Quien le emplea o le reclutó tiene su identificación, acta de "
                "nacimiento o pasaporte y no se lo devuelve cuando lo pide?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="withholding_of_wages",
        label=_("Retención de salarios"),
        questions=(
            _(
                "¿Le retrasan, retienen o descuentan la paga, o le pagan menos de "
                "lo que le prometieron?"
            ),
        ),
        weight_adult=Weight.MEDIUM,
        weight_child=Weight.MEDIUM,
    ),
    Indicator(
        code="debt_bondage",
        label=_("Servidumbre por deudas"),
        questions=(
            _(
                "¿Debe dinero a quien le emplea o le reclutó (por el viaje, la "
                "contratación, adelantos, comida o vivienda) y esa deuda no le deja "
                "irse?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
    Indicator(
        code="abusive_conditions",
        label=_("Condiciones de trabajo y de vida abusivas"),
        questions=(
            _(
                "¿Trabaja o vive en condiciones degradantes, peligrosas o sin "
                "higiene (sin agua ni baño, hacinamiento, sin comida suficiente)?"
            ),
        ),
        weight_adult=Weight.MEDIUM,
        weight_child=Weight.MEDIUM,
    ),
    Indicator(
        code="excessive_overtime",
        label=_("Horas extraordinarias excesivas"),
        questions=(
            _(
                "¿Le obligan a trabajar más horas de las que permite la ley o de "
                "las acordadas, sin poder negarse?"
            ),
        ),
        weight_adult=Weight.STRONG,
        weight_child=Weight.STRONG,
    ),
)
INDICATOR_CODES: tuple[str, ...] = tuple(i.code for i in INDICATORS)

_ILO_REFERENCE = (
    "OIT, Convenio 29, art. 2; OIT, Indicadores de trabajo forzoso (2012); "
    "pesos: OIT–CE, Indicadores operativos de la trata de personas (2009)"
)


# --- The interview ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Interview:
    """The answers of one screening interview; any of them may be unknown.

    Build it from untrusted input with `interview_from_answers`, which checks
    ranges. When ``age`` is given it decides and ``age_band`` is ignored.
    """

    age: int | None = None
    age_band: AgeBand = AgeBand.UNKNOWN
    # The eleven ILO indicators: YES means present.
    abuse_of_vulnerability: Answer = Answer.UNKNOWN
    deception: Answer = Answer.UNKNOWN
    restriction_of_movement: Answer = Answer.UNKNOWN
    isolation: Answer = Answer.UNKNOWN
    physical_sexual_violence: Answer = Answer.UNKNOWN
    intimidation_threats: Answer = Answer.UNKNOWN
    retention_of_documents: Answer = Answer.UNKNOWN
    withholding_of_wages: Answer = Answer.UNKNOWN
    debt_bondage: Answer = Answer.UNKNOWN
    abusive_conditions: Answer = Answer.UNKNOWN
    excessive_overtime: Answer = Answer.UNKNOWN
    # Involuntariness and the "act" of trafficking.
    free_to_leave: Answer = Answer.UNKNOWN
    recruited_or_moved: Answer = Answer.UNKNOWN
    # Work conditions.
    hours_per_day: float | None = None
    longest_block_hours: float | None = None
    night_work: Answer = Answer.UNKNOWN
    hazardous_work: Answer = Answer.UNKNOWN
    overtime: Answer = Answer.UNKNOWN
    rest_day_work: Answer = Answer.UNKNOWN
    finished_basic_education: Answer = Answer.UNKNOWN
    labour_authority_approval: Answer = Answer.UNKNOWN
    guardian_authorisation: Answer = Answer.UNKNOWN
    medical_certificate: Answer = Answer.UNKNOWN

    @property
    def ages(self) -> tuple[int, int]:
        """The youngest and oldest the person can be, both included."""
        if self.age is not None:
            return (self.age, self.age)
        return AgeBand(self.age_band).ages

    @property
    def minor(self) -> bool | None:
        """Under 18 for certain (True), 18 or more (False), or not known."""
        youngest, oldest = self.ages
        if oldest < 18:
            return True
        if youngest >= 18:
            return False
        return None

    def answer(self, key: str) -> Answer:
        """The yes/no answer under ``key`` (``KeyError`` for another key)."""
        if key not in _YES_NO_KEYS:
            raise KeyError(key)
        return Answer(getattr(self, key))

    def as_answers(self) -> dict[str, Any]:
        """The answers under their stable keys: what `interview_from_answers`
        takes back (and what a stored screening keeps)."""
        answers: dict[str, Any] = {
            key: getattr(self, key) for key in ("age", *_HOURS_KEYS)
        }
        answers.update({key: str(Answer(getattr(self, key))) for key in _YES_NO_KEYS})
        band = AgeBand.for_age(self.age) if self.age is not None else self.age_band
        answers["age_band"] = str(AgeBand(band))
        return {key: answers[key] for key in ANSWER_KEYS}


ANSWER_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Interview))
_HOURS_KEYS = ("hours_per_day", "longest_block_hours")
_YES_NO_KEYS: tuple[str, ...] = tuple(
    key for key in ANSWER_KEYS if key not in {"age", "age_band", *_HOURS_KEYS}
)


class QuestionKind(StrEnum):
    AGE = "age"
    AGE_BAND = "age_band"
    YES_NO = "yes_no"
    HOURS = "hours"


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question of the questionnaire, in the order a screener asks them."""

    key: str
    kind: QuestionKind
    label: Promise
    prompts: tuple[Promise, ...]
    topic: Topic


def _question(
    key: str, kind: QuestionKind, label: Promise, prompt: Promise, topic: Topic
) -> Question:
    return Question(key=key, kind=kind, label=label, prompts=(prompt,), topic=topic)


QUESTIONS: tuple[Question, ...] = (
    _question(
        "age",
        QuestionKind.AGE,
        _("Edad"),
        _("¿Cuántos años tiene?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "age_band",
        QuestionKind.AGE_BAND,
        _("Rango de edad"),
        _("Si no se sabe la edad exacta, ¿en qué rango está?"),
        Topic.CHILD_LABOUR,
    ),
    *(
        Question(
            key=indicator.code,
            kind=QuestionKind.YES_NO,
            label=indicator.label,
            prompts=indicator.questions,
            topic=Topic.FORCED_LABOUR,
        )
        for indicator in INDICATORS
    ),
    _question(
        "free_to_leave",
        QuestionKind.YES_NO,
        _("Libertad para dejar el trabajo"),
        _(
            "¿Puede dejar este trabajo cuando quiera sin que le castiguen, le "
            "amenacen o pierda lo que ya le deben?"
        ),
        Topic.FORCED_LABOUR,
    ),
    _question(
        "recruited_or_moved",
        QuestionKind.YES_NO,
        _("Reclutamiento o traslado"),
        _(
            "¿Alguien le buscó, le trajo o le alojó para este trabajo (desde otra "
            "comunidad, estado o país, o a través de un enganchador)?"
        ),
        Topic.TRAFFICKING,
    ),
    _question(
        "hours_per_day",
        QuestionKind.HOURS,
        _("Horas al día"),
        _("¿Cuántas horas trabaja en un día normal?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "longest_block_hours",
        QuestionKind.HOURS,
        _("Tramo más largo sin descanso"),
        _("¿Cuántas horas seguidas trabaja, como máximo, sin descansar?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "night_work",
        QuestionKind.YES_NO,
        _("Trabajo nocturno"),
        _("¿Trabaja después de las 22:00 o en un turno de noche?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "hazardous_work",
        QuestionKind.YES_NO,
        _("Tareas peligrosas o insalubres"),
        _(
            "¿Hace tareas peligrosas o insalubres (maquinaria, sustancias químicas, "
            "cargas pesadas, calor, ruido o polvo)?"
        ),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "overtime",
        QuestionKind.YES_NO,
        _("Horas extra"),
        _("¿Trabaja horas extra, más allá de su jornada?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "rest_day_work",
        QuestionKind.YES_NO,
        _("Domingos y días de descanso"),
        _("¿Trabaja en domingo o en días de descanso obligatorio?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "finished_basic_education",
        QuestionKind.YES_NO,
        _("Educación básica terminada"),
        _("¿Terminó la educación básica obligatoria (hasta la secundaria)?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "labour_authority_approval",
        QuestionKind.YES_NO,
        _("Aprobación de la autoridad laboral"),
        _(
            "Si no terminó la educación básica: ¿la autoridad laboral aprobó que su "
            "trabajo es compatible con sus estudios?"
        ),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "guardian_authorisation",
        QuestionKind.YES_NO,
        _("Autorización de madre, padre o tutor"),
        _("¿Tiene autorización de su madre, su padre o su tutor para trabajar?"),
        Topic.CHILD_LABOUR,
    ),
    _question(
        "medical_certificate",
        QuestionKind.YES_NO,
        _("Certificado médico"),
        _("¿Tiene un certificado médico de aptitud para el trabajo?"),
        Topic.CHILD_LABOUR,
    ),
)


# --- Child labour rules -------------------------------------------------------------

_Outcome = Literal["fails", "holds", "unknown"]
_RuleKind = Literal["prohibition", "condition", "restriction", "note"]


@dataclass(frozen=True)
class _Check:
    outcome: _Outcome
    # The answers that would settle an unknown outcome.
    missing: tuple[str, ...] = ()


_HOLDS = _Check("holds")
_FAILS = _Check("fails")


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One rule of Mexican law on the work of minors (domain/protection.md).

    ``ages`` are the ages the rule is about, both included; ``applies_if`` says
    so in words, for a finding that depends on an age not known exactly.
    """

    code: str
    kind: _RuleKind
    text: Promise
    reference: str
    ages: tuple[int, int]
    applies_if: Promise
    check: Callable[[Interview], _Check]
    verify: bool = False


def _fails_on(key: str, bad: Answer) -> Callable[[Interview], _Check]:
    """The rule fails when ``key`` is answered ``bad`` and holds on the other
    answer; unknown needs asking."""

    def check(interview: Interview) -> _Check:
        answer = interview.answer(key)
        if answer == Answer.UNKNOWN:
            return _Check("unknown", (key,))
        return _FAILS if answer == bad else _HOLDS

    return check


def _present_is_breach(key: str) -> Callable[[Interview], _Check]:
    return _fails_on(key, Answer.YES)


def _absent_is_missing(key: str) -> Callable[[Interview], _Check]:
    return _fails_on(key, Answer.NO)


def _working(interview: Interview) -> _Check:
    # A screening is of someone who works: the work itself is the fact.
    return _FAILS


def _education(interview: Interview) -> _Check:
    finished = interview.finished_basic_education
    if finished == Answer.YES:
        return _HOLDS
    if finished == Answer.UNKNOWN:
        return _Check("unknown", ("finished_basic_education",))
    return _absent_is_missing("labour_authority_approval")(interview)


def _hours_over(limit: float) -> Callable[[Interview], _Check]:
    def check(interview: Interview) -> _Check:
        hours = interview.hours_per_day
        if hours is None:
            return _Check("unknown", ("hours_per_day",))
        return _FAILS if hours > limit else _HOLDS

    return check


def _block_over_three(interview: Interview) -> _Check:
    block, hours = interview.longest_block_hours, interview.hours_per_day
    if block is not None:
        return _FAILS if block > 3 else _HOLDS
    if hours is not None and hours <= 3:
        return _HOLDS  # a day of 3 hours or less has no longer block
    return _Check("unknown", ("longest_block_hours",))


def _more_than_one_block(interview: Interview) -> _Check:
    hours = interview.hours_per_day
    return _FAILS if hours is not None and hours > 3 else _HOLDS


UNDER_15 = (0, 14)
UNDER_16 = (0, 15)
UNDER_18 = (0, 17)
AGES_15_16 = (15, 16)
AGES_15_17 = (15, 17)
ANY_AGE = (0, AGE_MAX)

RULES: tuple[Rule, ...] = (
    Rule(
        code="child_labour.under_15",
        kind="prohibition",
        text=_(
            "El trabajo de menores de 15 años está prohibido. La autoridad laboral "
            "que encuentre a una persona menor de 15 años trabajando fuera del "
            "círculo familiar ordena que deje de trabajar de inmediato."
        ),
        reference="Constitución art. 123-A fr. III; LFT arts. 22 Bis y 23",
        ages=UNDER_15,
        applies_if=_("Aplica si tiene menos de 15 años."),
        check=_working,
    ),
    Rule(
        code="child_labour.guardian_authorisation",
        kind="condition",
        text=_(
            "A los 15 y 16 años se necesita la autorización de la madre, el padre o "
            "el tutor (a falta de ellos, del sindicato, el tribunal laboral, un "
            "inspector del trabajo o la autoridad política)."
        ),
        reference="LFT art. 22",
        ages=AGES_15_16,
        applies_if=_("Aplica si tiene 15 o 16 años."),
        check=_absent_is_missing("guardian_authorisation"),
    ),
    Rule(
        code="child_labour.basic_education",
        kind="condition",
        text=_(
            "De 15 a 17 años, quien no terminó la educación básica obligatoria solo "
            "puede trabajar si la autoridad laboral aprueba que el trabajo es "
            "compatible con los estudios."
        ),
        reference="LFT art. 22 Bis",
        ages=AGES_15_17,
        applies_if=_("Aplica si tiene de 15 a 17 años."),
        check=_education,
    ),
    Rule(
        code="child_labour.medical_certificate",
        kind="condition",
        text=_(
            "De 15 a 17 años se necesita un certificado médico de aptitud para el "
            "trabajo y los exámenes médicos periódicos que ordene la autoridad "
            "laboral."
        ),
        reference="LFT art. 174",
        ages=AGES_15_17,
        applies_if=_("Aplica si tiene de 15 a 17 años."),
        check=_absent_is_missing("medical_certificate"),
    ),
    Rule(
        code="child_labour.hazardous_work",
        kind="restriction",
        # The prohibition is firm; which tasks count is LFT art. 176's list,
        # marked *verify* in domain/protection.md, so no task is named as such.
        text=_(
            "Menores de 18 años no pueden hacer trabajos peligrosos o insalubres. "
            "Qué trabajos lo son lo enumera la LFT en su art. 176 (por verificar)."
        ),
        reference="Constitución art. 123-A fr. II; LFT arts. 175 y 176",
        ages=UNDER_18,
        applies_if=_("Aplica si tiene menos de 18 años."),
        check=_present_is_breach("hazardous_work"),
        verify=True,
    ),
    Rule(
        code="child_labour.night_work",
        kind="restriction",
        text=_(
            "Menores de 18 años no pueden hacer trabajo nocturno industrial ni "
            "trabajar después de las 22:00."
        ),
        reference="Constitución art. 123-A fr. II; LFT art. 175",
        ages=UNDER_18,
        applies_if=_("Aplica si tiene menos de 18 años."),
        check=_present_is_breach("night_work"),
    ),
    Rule(
        code="child_labour.overtime",
        kind="restriction",
        text=_("Menores de 18 años no pueden trabajar horas extra."),
        reference="LFT art. 178",
        ages=UNDER_18,
        applies_if=_("Aplica si tiene menos de 18 años."),
        check=_present_is_breach("overtime"),
    ),
    Rule(
        code="child_labour.over_8_hours",
        kind="restriction",
        # The 8-hour day is Constitution art. 123-A fr. I and LFT art. 61, read
        # in secondary sources, not in domain/protection.md: to verify.
        text=_(
            "Una jornada de más de 8 horas supera la máxima legal: son horas extra, "
            "que menores de 18 años no pueden trabajar."
        ),
        reference="Constitución art. 123-A fr. I; LFT arts. 61 y 178",
        ages=UNDER_18,
        applies_if=_("Aplica si tiene menos de 18 años."),
        check=_hours_over(8),
        verify=True,
    ),
    Rule(
        code="child_labour.rest_day_work",
        kind="restriction",
        text=_(
            "Menores de 18 años no pueden trabajar en domingo ni en días de "
            "descanso obligatorio."
        ),
        reference="LFT art. 178",
        ages=UNDER_18,
        applies_if=_("Aplica si tiene menos de 18 años."),
        check=_present_is_breach("rest_day_work"),
    ),
    Rule(
        code="child_labour.daily_hours",
        kind="restriction",
        text=_("Menores de 16 años pueden trabajar como máximo 6 horas al día."),
        reference="Constitución art. 123-A fr. III; LFT art. 177",
        ages=UNDER_16,
        applies_if=_("Aplica si tiene menos de 16 años."),
        check=_hours_over(6),
    ),
    Rule(
        code="child_labour.work_block",
        kind="restriction",
        text=_(
            "Menores de 16 años trabajan en tramos de 3 horas como máximo, con "
            "descanso entre uno y otro."
        ),
        reference="LFT art. 177",
        ages=UNDER_16,
        applies_if=_("Aplica si tiene menos de 16 años."),
        check=_block_over_three,
    ),
    Rule(
        code="child_labour.rest_between_blocks",
        kind="note",
        text=_(
            "Entre los tramos de trabajo de menores de 16 años debe haber descanso; "
            "cuánto (la LFT art. 177 indica al menos una hora) está por verificar. "
            "Pregunte cuánto descansa."
        ),
        reference="LFT art. 177",
        ages=UNDER_16,
        applies_if=_("Aplica si tiene menos de 16 años."),
        check=_more_than_one_block,
        verify=True,
    ),
    Rule(
        code="labour.hours_over_maximum",
        kind="note",
        # LFT arts. 61 and 66 (8 hours, at most 3 more), read in secondary
        # sources: to verify.
        text=_(
            "Más de 11 horas al día superan la jornada máxima con las horas extra "
            "que la ley permite. Pregunte si puede negarse a hacerlas."
        ),
        reference="LFT arts. 61 y 66",
        ages=ANY_AGE,
        applies_if=_("Aplica a cualquier edad."),
        check=_hours_over(11),
        verify=True,
    ),
)

_Applies = Literal["yes", "maybe", "no"]


def _applies(rule_ages: tuple[int, int], ages: tuple[int, int]) -> _Applies:
    (low, high), (youngest, oldest) = rule_ages, ages
    if oldest < low or youngest > high:
        return "no"
    if low <= youngest and oldest <= high:
        return "yes"
    return "maybe"


# --- The assessment -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What one rule or indicator says of this interview.

    Guidance, never a legal finding (`DISCLAIMER`). ``verify`` marks guidance
    that rests on a fact to verify against the official text or on Remedia's
    judgement; ``questions`` are the answer keys that would settle a finding
    that needs an answer; ``detail`` says why it depends on them.
    """

    code: str
    topic: Topic
    status: FindingStatus
    text: Promise
    reference: str
    verify: bool = False
    weight: Weight | None = None
    questions: tuple[str, ...] = ()
    detail: Promise | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "topic": str(self.topic),
            "status": str(self.status),
            "text": str(self.text),
            "reference": self.reference,
            "verify": self.verify,
            "weight": str(self.weight) if self.weight else None,
            "questions": list(self.questions),
            "detail": str(self.detail) if self.detail is not None else None,
        }


@dataclass(frozen=True, kw_only=True)
class NextStep:
    """A service the assistance pathway calls for, and the findings behind it."""

    service: ServiceType
    urgent: bool
    because: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(self.service.label)

    @property
    def hint(self) -> Promise:
        return SERVICE_HINTS[self.service]

    def as_json(self) -> dict[str, Any]:
        return {
            "service": str(self.service),
            "urgent": self.urgent,
            "because": list(self.because),
        }


@dataclass(frozen=True, kw_only=True)
class Assessment:
    child_labour: ChildLabourVerdict
    forced_labour: ForcedLabourLevel
    possible_trafficking: bool
    trafficking_reasons: tuple[TraffickingReason, ...]
    strong_indicators: tuple[str, ...]
    medium_indicators: tuple[str, ...]
    findings: tuple[Finding, ...]
    next_steps: tuple[NextStep, ...]
    open_questions: tuple[str, ...]
    minor: bool | None

    @property
    def urgent(self) -> bool:
        return any(step.urgent for step in self.next_steps)

    def finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def as_json(self) -> dict[str, Any]:
        """Codes and texts in the active language, for the API and storage."""
        return {
            "child_labour": str(self.child_labour),
            "forced_labour": str(self.forced_labour),
            "possible_trafficking": self.possible_trafficking,
            "trafficking_reasons": [str(r) for r in self.trafficking_reasons],
            "strong_indicators": list(self.strong_indicators),
            "medium_indicators": list(self.medium_indicators),
            "minor": self.minor,
            "urgent": self.urgent,
            "findings": [f.as_json() for f in self.findings],
            "next_steps": [s.as_json() for s in self.next_steps],
            "open_questions": list(self.open_questions),
        }


_CHILD_VERDICT_BY_KIND = {
    "prohibition": ChildLabourVerdict.PROHIBITED,
    "restriction": ChildLabourVerdict.RESTRICTIONS_BREACHED,
    "condition": ChildLabourVerdict.CONDITIONS_MISSING,
}
_VERDICT_ORDER = tuple(ChildLabourVerdict)


@dataclass
class _ChildResult:
    verdict: ChildLabourVerdict
    findings: list[Finding]
    open_keys: set[str]


def _child_labour(interview: Interview) -> _ChildResult:
    ages = interview.ages
    findings: list[Finding] = []
    open_keys: set[str] = set()
    worst = ChildLabourVerdict.PERMITTED
    undecided = False
    for rule in RULES:
        applies = _applies(rule.ages, ages)
        if applies == "no":
            continue
        check = rule.check(interview)
        topic = Topic.LABOUR if rule.code.startswith("labour.") else Topic.CHILD_LABOUR
        if rule.kind == "note":
            if check.outcome == "fails":
                detail = rule.applies_if if applies == "maybe" else None
                findings.append(
                    _rule_finding(rule, FindingStatus.NOTE, topic=topic, detail=detail)
                )
            continue
        if check.outcome == "unknown":
            undecided = True
            open_keys.update(check.missing)
            if applies == "yes":
                findings.append(
                    _rule_finding(
                        rule,
                        FindingStatus.NEEDS_ANSWER,
                        topic=topic,
                        questions=check.missing,
                    )
                )
            else:
                open_keys.add("age")
            continue
        if check.outcome == "holds":
            continue
        if applies == "maybe":
            # Broken only at some of the ages the person may have.
            undecided = True
            open_keys.add("age")
            findings.append(
                _rule_finding(
                    rule,
                    FindingStatus.NEEDS_ANSWER,
                    topic=topic,
                    questions=("age",),
                    detail=rule.applies_if,
                )
            )
            continue
        status = (
            FindingStatus.CONDITION_MISSING
            if rule.kind == "condition"
            else FindingStatus.BREACH
        )
        findings.append(_rule_finding(rule, status, topic=topic))
        verdict = _CHILD_VERDICT_BY_KIND[rule.kind]
        if _VERDICT_ORDER.index(verdict) < _VERDICT_ORDER.index(worst):
            worst = verdict
    youngest, _oldest = ages
    if youngest >= 18:
        return _ChildResult(ChildLabourVerdict.NOT_APPLICABLE, findings, set())
    if worst == ChildLabourVerdict.PERMITTED and undecided:
        worst = ChildLabourVerdict.UNKNOWN
    return _ChildResult(worst, findings, open_keys)


def _rule_finding(
    rule: Rule,
    status: FindingStatus,
    *,
    topic: Topic,
    questions: tuple[str, ...] = (),
    detail: Promise | None = None,
) -> Finding:
    return Finding(
        code=rule.code,
        topic=topic,
        status=status,
        text=rule.text,
        reference=rule.reference,
        verify=rule.verify,
        questions=questions,
        detail=detail,
    )


_FORCED_LABOUR_TEXT = {
    ForcedLabourLevel.LIKELY: _(
        "Probable trabajo forzoso: hay un indicio fuerte, dos o más indicios "
        "medios, o la persona no puede dejar el trabajo sin castigo. Pide una "
        "evaluación profesional; no es una determinación."
    ),
    ForcedLabourLevel.INDICATORS: _(
        "Hay un indicio medio de trabajo forzoso, por debajo del umbral. Complete "
        "las preguntas abiertas y siga de cerca el caso."
    ),
}
_NOT_FREE_TO_LEAVE_TEXT = _(
    "La persona no puede dejar el trabajo sin castigo, amenaza o pérdida de lo que "
    "se le debe: un trabajo que no se puede dejar no es libre."
)
_UNANSWERED_TEXT = _(
    "Faltan respuestas sobre los indicadores de trabajo forzoso: sin ellas no se "
    "puede descartar."
)


@dataclass
class _ForcedLabourResult:
    level: ForcedLabourLevel
    strong: tuple[str, ...]
    medium: tuple[str, ...]
    findings: list[Finding]
    unanswered: list[str]


def _forced_labour(interview: Interview) -> _ForcedLabourResult:
    # A child's weight is never lower than an adult's, so whoever may be under
    # 18 is weighed as a child: the screening errs towards asking more.
    may_be_minor = interview.ages[0] < 18
    strong: list[str] = []
    medium: list[str] = []
    findings: list[Finding] = []
    for indicator in INDICATORS:
        if interview.answer(indicator.code) != Answer.YES:
            continue
        weight = indicator.weight(minor=may_be_minor)
        (strong if weight == Weight.STRONG else medium).append(indicator.code)
        findings.append(
            Finding(
                code=f"forced_labour.{indicator.code}",
                topic=Topic.FORCED_LABOUR,
                status=FindingStatus.INDICATOR,
                text=indicator.label,
                reference=_ILO_REFERENCE,
                verify=True,
                weight=weight,
            )
        )
    not_free = interview.free_to_leave == Answer.NO
    if not_free:
        findings.append(
            Finding(
                code="forced_labour.not_free_to_leave",
                topic=Topic.FORCED_LABOUR,
                status=FindingStatus.INDICATOR,
                text=_NOT_FREE_TO_LEAVE_TEXT,
                reference="OIT, Convenio 29, art. 2",
            )
        )
    unanswered = [
        key
        for key in (*INDICATOR_CODES, "free_to_leave")
        if interview.answer(key) == Answer.UNKNOWN
    ]
    # The threshold. The ILO booklet: one indicator can be enough, several
    # together point to forced labour. The Delphi rule for a positive dimension
    # is stricter (two strong, one strong and another, three medium, or two
    # medium and a weak one); a screening errs the other way, because a false
    # alarm costs a professional assessment and a miss leaves a victim where
    # they are, and because each question here gathers several Delphi items.
    # So: one strong indicator, or two medium, is "likely". Not being free to
    # leave without a penalty is the definition itself (Convention 29, art. 2:
    # menace of penalty, no free consent) and is "likely" on its own.
    if strong or len(medium) >= 2 or not_free:
        level = ForcedLabourLevel.LIKELY
    elif medium:
        level = ForcedLabourLevel.INDICATORS
    elif unanswered:
        level = ForcedLabourLevel.UNKNOWN
    else:
        level = ForcedLabourLevel.NO_INDICATORS
    if level in _FORCED_LABOUR_TEXT:
        findings.append(
            Finding(
                code=f"forced_labour.{level.value}",
                topic=Topic.FORCED_LABOUR,
                status=FindingStatus.INDICATOR,
                text=_FORCED_LABOUR_TEXT[level],
                reference=_ILO_REFERENCE,
                verify=True,
            )
        )
    if unanswered:
        findings.append(
            Finding(
                code="forced_labour.unanswered",
                topic=Topic.FORCED_LABOUR,
                status=FindingStatus.NEEDS_ANSWER,
                text=_UNANSWERED_TEXT,
                reference=_ILO_REFERENCE,
                questions=tuple(unanswered),
            )
        )
    return _ForcedLabourResult(
        level, tuple(strong), tuple(medium), findings, unanswered
    )


_EXPLOITATION_VERDICTS = frozenset(
    {ChildLabourVerdict.PROHIBITED, ChildLabourVerdict.RESTRICTIONS_BREACHED}
)


def _trafficking(
    interview: Interview,
    *,
    level: ForcedLabourLevel,
    child: ChildLabourVerdict,
    present: tuple[str, ...],
) -> tuple[TraffickingReason, ...]:
    """Possible trafficking, after the Palermo Protocol (art. 3): an act
    (recruiting, moving, lodging), a means (deception, coercion) and a purpose
    (exploitation); for a child the means is not needed (art. 3(c)).

    Deception marks forced labour "likely" on its own, but deception alone shows
    no exploitation: the adult reasons need forced labour shown by something
    more than the deception (another indicator, or not being free to leave).
    Remedia's reading for a screening, to verify (the findings say so). The
    Mexican general law on trafficking (2012) may ask for no means even for an
    adult; that is not in domain/protection.md and is not encoded.
    """
    exploitation_shown = level == ForcedLabourLevel.LIKELY and (
        any(code != "deception" for code in present)
        or interview.free_to_leave == Answer.NO
    )
    recruited = interview.recruited_or_moved == Answer.YES
    reasons: list[TraffickingReason] = []
    if exploitation_shown and interview.deception == Answer.YES:
        reasons.append(TraffickingReason.FORCED_LABOUR_DECEPTION)
    if exploitation_shown and recruited:
        reasons.append(TraffickingReason.FORCED_LABOUR_RECRUITMENT)
    if interview.minor:
        if exploitation_shown:
            reasons.append(TraffickingReason.CHILD_FORCED_LABOUR)
        if recruited and (child in _EXPLOITATION_VERDICTS or present):
            reasons.append(TraffickingReason.CHILD_RECRUITED)
    return tuple(reasons)


def _trafficking_findings(reasons: tuple[TraffickingReason, ...]) -> list[Finding]:
    return [
        Finding(
            code=f"trafficking.{reason.value}",
            topic=Topic.TRAFFICKING,
            status=FindingStatus.INDICATOR,
            text=reason.label,
            reference="Protocolo de Palermo, art. 3",
            verify=True,
        )
        for reason in reasons
    ]


class _Steps:
    """Next steps gathered from the findings, one per service."""

    def __init__(self) -> None:
        self._urgent: dict[ServiceType, bool] = {}
        self._because: dict[ServiceType, list[str]] = {}

    def add(
        self, service: ServiceType, *, because: list[str], urgent: bool = False
    ) -> None:
        self._urgent[service] = self._urgent.get(service, False) or urgent
        known = self._because.setdefault(service, [])
        known.extend(code for code in because if code not in known)

    def steps(self) -> tuple[NextStep, ...]:
        ordered = sorted(
            self._urgent,
            key=lambda s: (not self._urgent[s], _SERVICE_ORDER.index(s)),
        )
        return tuple(
            NextStep(service=s, urgent=self._urgent[s], because=tuple(self._because[s]))
            for s in ordered
        )


def _next_steps(
    interview: Interview,
    *,
    child: _ChildResult,
    level: ForcedLabourLevel,
    reasons: tuple[TraffickingReason, ...],
    findings: list[Finding],
) -> tuple[NextStep, ...]:
    steps = _Steps()
    child_codes = [
        f.code
        for f in child.findings
        if f.status in (FindingStatus.BREACH, FindingStatus.CONDITION_MISSING)
        and f.topic == Topic.CHILD_LABOUR
    ]
    forced_codes = [
        f.code
        for f in findings
        if f.topic == Topic.FORCED_LABOUR and f.status == FindingStatus.INDICATOR
    ]
    trafficking_codes = [f"trafficking.{r.value}" for r in reasons]
    # A child in child labour: DIF's procuraduría at once, and the labour
    # authority, which orders an under-15's work stopped (LFT art. 23).
    if child.verdict in _EXPLOITATION_VERDICTS:
        steps.add(ServiceType.CHILD_PROTECTION, because=child_codes, urgent=True)
        steps.add(ServiceType.LABOUR_INSPECTION, because=child_codes, urgent=True)
    elif child.verdict == ChildLabourVerdict.CONDITIONS_MISSING:
        steps.add(ServiceType.CHILD_PROTECTION, because=child_codes)
        steps.add(ServiceType.LABOUR_INSPECTION, because=child_codes)
    if child.verdict == ChildLabourVerdict.PROHIBITED:
        # So that the child can go back to school rather than to another job.
        steps.add(ServiceType.LIVELIHOOD, because=child_codes)
    # Any minor with signs of forced labour is at risk.
    if interview.minor and level in (
        ForcedLabourLevel.INDICATORS,
        ForcedLabourLevel.LIKELY,
    ):
        steps.add(ServiceType.CHILD_PROTECTION, because=forced_codes, urgent=True)
    if reasons:
        steps.add(ServiceType.PROSECUTION, because=trafficking_codes, urgent=True)
        # The immediate intervention plan of the national model.
        for service in (
            ServiceType.SHELTER,
            ServiceType.MEDICAL,
            ServiceType.PSYCHOLOGICAL,
            ServiceType.LEGAL,
        ):
            steps.add(service, because=trafficking_codes)
        if interview.recruited_or_moved == Answer.YES:
            steps.add(ServiceType.REPATRIATION, because=trafficking_codes)
    if level == ForcedLabourLevel.LIKELY:
        # Forced labour is a crime as well as a breach of labour law, and its
        # victims are entitled to the victims' commission's assistance.
        steps.add(ServiceType.PROSECUTION, because=forced_codes)
        steps.add(ServiceType.LEGAL, because=forced_codes)
        steps.add(ServiceType.LABOUR_INSPECTION, because=forced_codes)
        steps.add(ServiceType.LIVELIHOOD, because=forced_codes)
    elif level == ForcedLabourLevel.INDICATORS:
        steps.add(ServiceType.LABOUR_INSPECTION, because=forced_codes)
    if interview.physical_sexual_violence == Answer.YES:
        violence = ["forced_labour.physical_sexual_violence"]
        steps.add(ServiceType.MEDICAL, because=violence, urgent=True)
        steps.add(ServiceType.PSYCHOLOGICAL, because=violence)
    if any(f.code == "labour.hours_over_maximum" for f in findings):
        steps.add(ServiceType.LABOUR_INSPECTION, because=["labour.hours_over_maximum"])
    return steps.steps()


def assess(interview: Interview) -> Assessment:
    """Screen one interview: child labour, forced labour, trafficking, next steps."""
    child = _child_labour(interview)
    forced = _forced_labour(interview)
    level = forced.level
    reasons = _trafficking(
        interview,
        level=level,
        child=child.verdict,
        present=forced.strong + forced.medium,
    )
    findings = [*child.findings, *forced.findings, *_trafficking_findings(reasons)]
    open_keys = child.open_keys | set(forced.unanswered)
    if interview.recruited_or_moved == Answer.UNKNOWN:
        open_keys.add("recruited_or_moved")
    return Assessment(
        child_labour=child.verdict,
        forced_labour=level,
        possible_trafficking=bool(reasons),
        trafficking_reasons=reasons,
        strong_indicators=forced.strong,
        medium_indicators=forced.medium,
        findings=tuple(findings),
        next_steps=_next_steps(
            interview, child=child, level=level, reasons=reasons, findings=findings
        ),
        open_questions=tuple(key for key in ANSWER_KEYS if key in open_keys),
        minor=interview.minor,
    )


# --- Reading answers ----------------------------------------------------------------

_ANSWER_WORDS = {"yes": Answer.YES, "no": Answer.NO, "unknown": Answer.UNKNOWN}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _yes_no(value: Any) -> Answer | None:
    if _is_blank(value):
        return Answer.UNKNOWN
    if isinstance(value, bool):
        return Answer.YES if value else Answer.NO
    if isinstance(value, str):
        return _ANSWER_WORDS.get(value.strip().lower())
    return None


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,4}")


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _hours(value: Any) -> float | None:
    """A number of hours from a number or a text with a point or a comma."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str) and len(value) <= 10:
        try:
            number = float(Decimal(value.strip().replace(",", ".")))
        except (InvalidOperation, ValueError):
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def interview_from_answers(answers: Mapping[str, Any]) -> Interview:
    """An `Interview` from what a form or the API posts (keys: module docstring).

    Raises `InvalidInput` naming every bad field, with the reason in the
    user's language; nothing is kept.
    """
    if not isinstance(answers, Mapping):
        raise InvalidInput(
            [{"field": "answers", "reason": _("Envíe las respuestas como un objeto.")}]
        )
    errors: list[dict[str, Any]] = []

    def refuse(field: str, reason: Any) -> None:
        errors.append({"field": field, "reason": reason})

    for key in answers:
        if key not in ANSWER_KEYS:
            refuse(str(key)[:100], _("No es una pregunta de la entrevista."))
    values: dict[str, Any] = {}
    for key in _YES_NO_KEYS:
        answer = _yes_no(answers.get(key))
        if answer is None:
            refuse(key, _("Responda «yes» (sí), «no» o «unknown» (no se sabe)."))
        else:
            values[key] = answer

    age: int | None = None
    raw_age = answers.get("age")
    if not _is_blank(raw_age):
        age = _whole_number(raw_age)
        if age is None:
            refuse("age", _("Escriba la edad en años cumplidos, con un número entero."))
        elif not AGE_MIN <= age <= AGE_MAX:
            refuse(
                "age",
                _(
                    "La edad debe estar entre %(min)s y %(max)s años. Para una niña o "
                    "un niño más pequeño, elija el rango «menor de 15 años»."
                )
                % {"min": AGE_MIN, "max": AGE_MAX},
            )
            age = None
    band = AgeBand.UNKNOWN
    raw_band = answers.get("age_band")
    if not _is_blank(raw_band):
        if isinstance(raw_band, str) and raw_band.strip() in AgeBand.values:
            band = AgeBand(raw_band.strip())
        else:
            refuse("age_band", _("Elija un rango de edad de la lista."))
    if age is not None:
        youngest, oldest = band.ages
        if not youngest <= age <= oldest:
            refuse("age_band", _("El rango de edad no coincide con la edad."))
        band = AgeBand.for_age(age)

    hours: dict[str, float | None] = {}
    for key in _HOURS_KEYS:
        raw = answers.get(key)
        hours[key] = None
        if _is_blank(raw):
            continue
        number = _hours(raw)
        if number is None:
            refuse(key, _("Escriba las horas con un número."))
        elif not 0 <= number <= HOURS_MAX:
            refuse(key, _("Las horas deben estar entre 0 y 24."))
        else:
            hours[key] = number
    day, block = hours["hours_per_day"], hours["longest_block_hours"]
    if day is not None and block is not None and block > day:
        refuse(
            "longest_block_hours",
            _("El tramo más largo sin descanso no puede pasar de las horas del día."),
        )

    if errors:
        raise InvalidInput(errors)
    return Interview(
        age=age,
        age_band=band,
        hours_per_day=day,
        longest_block_hours=block,
        **values,
    )
