"""The measure catalogue of domain/remediation.md: what each type asks for.

Choosing a type in a new measure fills its description, responsible party and
required evidence from here (in the language of whoever creates it); a plan may
change them or add free measures (``MeasureType.OTHER``). ``SURVEY_QUESTIONS``
are the questions offered when a monitor opens a worker survey on a measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.remediation.models import MeasureType, ResponsibleParty
from remedia.training.models import TrainingTopic


@dataclass(frozen=True)
class CatalogueEntry:
    type: str
    description: Any
    evidence: Any
    responsible: str = ResponsibleParty.COMPANY
    survey_questions: tuple[Any, ...] = field(default_factory=tuple)
    # A training measure is evidenced by sessions on this topic; its coverage
    # is counted against the facility's roster (the training app).
    training_topic: str | None = None


CATALOGUE: dict[str, CatalogueEntry] = {
    entry.type: entry
    for entry in [
        CatalogueEntry(
            MeasureType.NEUTRALITY_STATEMENT,
            _(
                "Publicar, distribuir y cumplir una declaración pública por escrito: "
                "respeto a la libertad sindical y a la negociación colectiva; "
                "neutralidad ante la elección sindical de los trabajadores; ninguna "
                "injerencia en las actividades sindicales; ningún intento de influir "
                "en la opinión de los trabajadores sobre sindicatos o sus dirigentes."
            ),
            _(
                "Fotos de la declaración publicada en los lugares señalados; registro "
                "de su distribución; encuesta a trabajadores: ¿la vio o la recibió?"
            ),
            survey_questions=(
                _("¿Vio publicada la declaración de neutralidad de la empresa?"),
                _("¿Recibió una copia de la declaración?"),
            ),
        ),
        CatalogueEntry(
            MeasureType.CONDUCT_GUIDELINES,
            _(
                "Lineamientos transparentes de conducta del personal que apliquen la "
                "declaración de neutralidad y enuncien los derechos de los "
                "trabajadores, de los representantes sindicales y de sus asesores en "
                "el centro de trabajo."
            ),
            _("El documento de lineamientos; dónde se publicó o distribuyó."),
            survey_questions=(_("¿Conoce los lineamientos de conducta del personal?"),),
        ),
        CatalogueEntry(
            MeasureType.ZERO_TOLERANCE_POLICY,
            _(
                "Política de cero tolerancia a las violaciones de los lineamientos y "
                "de la declaración de neutralidad."
            ),
            _("El documento de la política; registro de los casos atendidos con ella."),
        ),
        CatalogueEntry(
            MeasureType.PERSONNEL_TRAINING,
            _(
                "Capacitar a todo el personal de la empresa y a los representantes "
                "sindicales sobre los lineamientos y la declaración de neutralidad."
            ),
            _(
                "Registros de las sesiones, listas y asistencia; la cobertura por "
                "papel debe llegar al 100 %."
            ),
            training_topic=TrainingTopic.NEUTRALITY_GUIDELINES,
            survey_questions=(
                _("¿Recibió la capacitación sobre la declaración de neutralidad?"),
            ),
        ),
        CatalogueEntry(
            MeasureType.ANONYMOUS_REPORTING_CHANNEL,
            _(
                "Una línea telefónica o un correo directo donde los trabajadores "
                "puedan denunciar de forma anónima intimidación, coerción, amenazas, "
                "falta de neutralidad o injerencia en asuntos sindicales."
            ),
            _(
                "El canal existe, está publicado y funciona (llamada o correo de "
                "prueba); denuncias recibidas y atendidas."
            ),
            survey_questions=(
                _("¿Sabe a qué teléfono o correo puede denunciar de forma anónima?"),
            ),
        ),
        CatalogueEntry(
            MeasureType.WORKER_RIGHTS_TRAINING,
            _(
                "Capacitación presencial en derechos de los trabajadores para todo el "
                "personal durante la jornada normal de trabajo; material informativo "
                "publicado y distribuido en el centro de trabajo."
            ),
            _("Sesiones en horario de trabajo, asistencia, materiales y fotos."),
            training_topic=TrainingTopic.WORKER_RIGHTS,
            survey_questions=(
                _("¿Recibió la capacitación en horario de trabajo?"),
                _("¿Recibió material informativo sobre sus derechos?"),
            ),
        ),
        CatalogueEntry(
            MeasureType.SANCTIONS_PROCEEDINGS,
            _(
                "Iniciar procedimientos de sanción conforme a la ley mexicana donde "
                "la información muestre violaciones; sanciones apropiadas a personas, "
                "organizaciones sindicales o empresas."
            ),
            _("Números de expediente, autoridad, estado y resultado."),
            responsible=ResponsibleParty.GOVERNMENT,
        ),
        CatalogueEntry(
            MeasureType.REINSTATEMENT,
            _(
                "Reinstalar a los trabajadores despedidos con el pago de salarios caídos."
            ),
            _("Constancias de reinstalación y de pago."),
        ),
        CatalogueEntry(
            MeasureType.UNION_VOTE,
            _(
                "Una votación libre y secreta de legitimación o elección sindical, "
                "observada por la autoridad."
            ),
            _("Acta de la votación y informe de quien la observó."),
            responsible=ResponsibleParty.GOVERNMENT,
            survey_questions=(_("¿Pudo votar de forma libre y secreta?"),),
        ),
        CatalogueEntry(
            MeasureType.GOOD_FAITH_BARGAINING,
            _("Negociar de buena fe un contrato colectivo."),
            _("Minutas de las reuniones de negociación; el contrato firmado."),
        ),
        CatalogueEntry(
            MeasureType.WAGE_PAYMENT,
            _("Pagar los salarios o la participación de utilidades adeudados."),
            _("Constancias de pago por trabajador."),
            survey_questions=(_("¿Recibió el pago que se le debía?"),),
        ),
        CatalogueEntry(
            MeasureType.UNION_REMOVAL,
            _(
                "Retirar del contrato del centro de trabajo al sindicato que los "
                "trabajadores no eligieron."
            ),
            _("Constancia del registro laboral."),
            responsible=ResponsibleParty.GOVERNMENT,
        ),
        CatalogueEntry(MeasureType.OTHER, "", ""),
    ]
}


def entry_for(measure_type: str) -> CatalogueEntry:
    return CATALOGUE.get(measure_type, CATALOGUE[MeasureType.OTHER])


# The measures of the course agreed for the garment facility in Aguascalientes
# in 2023 (domain/remediation.md), in the agreement's order: what a new RRM
# course starts with, and the demo's INISA course.
RRM_COURSE_MEASURES: tuple[str, ...] = (
    MeasureType.NEUTRALITY_STATEMENT,
    MeasureType.CONDUCT_GUIDELINES,
    MeasureType.ZERO_TOLERANCE_POLICY,
    MeasureType.PERSONNEL_TRAINING,
    MeasureType.ANONYMOUS_REPORTING_CHANNEL,
    MeasureType.WORKER_RIGHTS_TRAINING,
    MeasureType.SANCTIONS_PROCEEDINGS,
)
