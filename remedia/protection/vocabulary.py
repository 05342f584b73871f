"""The protection app's vocabularies, and how each maps to HTCDS 2.0 / CTDC.

Codes are stable (API, exports, statistics); labels are translatable. Where
HTCDS gives a picklist, the code is ours in snake case and `HTCDS_*` maps it to
the standard's value, so the de-identified export speaks the standard.

Methods of control: HTCDS 2.0 disagrees with itself. The ODS picklist
`vic_MethodsOfControl` has 16 values (no "restricts movement"); its
`Field Definitions.md` has 17 names, which CTDC's dataset columns and
domain/protection.md use. Remedia records the 17 of the field definitions
(restriction of movement is the most frequent method in garment workshops and
must be recordable) and maps each to the ODS value where one exists
(`CONTROL_TO_ODS`; "restricts movement" and "uses children" have none and are
exported as `Other` in an ODS-shaped file). docs/protection.md repeats this.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TraffickingStatus(models.TextChoices):
    UNDETERMINED = "undetermined", _("Sin determinar")
    POSSIBLE = "possible", _("Posible víctima de trata")
    ACTUAL = "actual", _("Víctima de trata")
    NOT_A_VICTIM = "not_a_victim", _("No es víctima de trata")


HTCDS_TRAFFICKING_STATUS = {
    TraffickingStatus.POSSIBLE: "PossibleVictimOfTrafficking",
    TraffickingStatus.ACTUAL: "ActualVictimOfTrafficking",
    TraffickingStatus.NOT_A_VICTIM: "NotAVictimOfTrafficking",
}


class DecisionMaker(models.TextChoices):
    """Who decided the trafficking status (HTCDS `…DecisionMakingOrg`)."""

    POLICE = "police", _("Policía")
    NGO = "ngo", _("Organización de la sociedad civil")
    COURT_OR_PROSECUTION = "court_or_prosecution", _("Fiscalía o tribunal")
    OTHER_GOVERNMENT = "other_government", _("Otra institución de gobierno")
    OTHER = "other", _("Otra")


HTCDS_DECISION_MAKER = {
    DecisionMaker.POLICE: "Police",
    DecisionMaker.NGO: "NGO",
    DecisionMaker.COURT_OR_PROSECUTION: "CourtOrProsecution",
    DecisionMaker.OTHER_GOVERNMENT: "NonPoliceGovernmentalOrganization",
    DecisionMaker.OTHER: "Other",
}


class FileStatus(models.TextChoices):
    ACTIVE = "active", _("Activo")
    FOLLOW_UP = "follow_up", _("En seguimiento")
    CLOSED = "closed", _("Cerrado")
    CLOSED_REFERRED = "closed_referred", _("Cerrado por canalización")


HTCDS_FILE_STATUS = {
    FileStatus.ACTIVE: "Active",
    FileStatus.FOLLOW_UP: "FollowUp",
    FileStatus.CLOSED: "Closed",
    FileStatus.CLOSED_REFERRED: "ClosedReferred",
}

CLOSED_STATUSES = frozenset({FileStatus.CLOSED, FileStatus.CLOSED_REFERRED})


class FileClosureReason(models.TextChoices):
    SUPPORT_COMPLETED = "support_completed", _("Plan de apoyo cumplido")
    REFERRED = "referred", _("Atendido por otra institución")
    DECLINED = "declined", _("La persona no quiso continuar")
    LOST_CONTACT = "lost_contact", _("Se perdió el contacto")
    RELOCATED = "relocated", _("Cambio de lugar de residencia")
    NOT_A_VICTIM = "not_a_victim", _("No se confirmó la situación")
    OTHER = "other", _("Otro motivo")


class Gender(models.TextChoices):
    """HTCDS `prs_Gender`."""

    FEMININE = "feminine", _("Femenino")
    MASCULINE = "masculine", _("Masculino")
    TRANS_FEMININE = "trans_feminine", _("Mujer trans")
    TRANS_MASCULINE = "trans_masculine", _("Hombre trans")
    NON_CONFORMING = "non_conforming", _("No conforme con el género")
    UNKNOWN = "unknown", _("No especificado")


HTCDS_GENDER = {
    Gender.FEMININE: "Feminine",
    Gender.MASCULINE: "Masculine",
    Gender.TRANS_FEMININE: "TransgenderFeminine",
    Gender.TRANS_MASCULINE: "TransgenderMasculine",
    Gender.NON_CONFORMING: "NonConforming",
    Gender.UNKNOWN: "NonSpecifiedUnknown",
}


class ControlMethod(models.TextChoices):
    """Methods of control: the 17 names of HTCDS 2.0's field definitions (CTDC)."""

    DEBT_BONDAGE = "debt_bondage", _("Servidumbre por deudas")
    TAKES_EARNINGS = "takes_earnings", _("Se queda con sus ganancias")
    RESTRICTS_FINANCIAL_ACCESS = (
        "restricts_financial_access",
        _("Le impide disponer de su dinero"),
    )
    THREATS = "threats", _("Amenazas")
    PSYCHOLOGICAL_ABUSE = "psychological_abuse", _("Abuso psicológico")
    PHYSICAL_ABUSE = "physical_abuse", _("Abuso físico")
    SEXUAL_ABUSE = "sexual_abuse", _("Abuso sexual")
    FALSE_PROMISES = "false_promises", _("Falsas promesas")
    PSYCHOACTIVE_SUBSTANCES = "psychoactive_substances", _("Sustancias psicoactivas")
    RESTRICTS_MOVEMENT = "restricts_movement", _("Restringe su libertad de movimiento")
    RESTRICTS_MEDICAL_CARE = "restricts_medical_care", _("Le niega atención médica")
    EXCESSIVE_WORKING_HOURS = "excessive_working_hours", _("Jornadas excesivas")
    USES_CHILDREN = "uses_children", _("Usa a hijas o hijos")
    THREAT_OF_LAW_ENFORCEMENT = (
        "threat_of_law_enforcement",
        _("Amenaza con denunciarle a las autoridades"),
    )
    WITHHOLDS_NECESSITIES = "withholds_necessities", _("Le niega lo necesario")
    WITHHOLDS_DOCUMENTS = "withholds_documents", _("Retiene sus documentos")
    OTHER = "other", _("Otro")


# The CTDC / field-definitions column name of each method.
CTDC_CONTROL = {
    ControlMethod.DEBT_BONDAGE: "meansOfControlDebtBondage",
    ControlMethod.TAKES_EARNINGS: "meansOfControlTakesEarnings",
    ControlMethod.RESTRICTS_FINANCIAL_ACCESS: "meansOfControlRestrictsFinancialAccess",
    ControlMethod.THREATS: "meansOfControlThreats",
    ControlMethod.PSYCHOLOGICAL_ABUSE: "meansOfControlPsychologicalAbuse",
    ControlMethod.PHYSICAL_ABUSE: "meansOfControlPhysicalAbuse",
    ControlMethod.SEXUAL_ABUSE: "meansOfControlSexualAbuse",
    ControlMethod.FALSE_PROMISES: "meansOfControlFalsePromises",
    ControlMethod.PSYCHOACTIVE_SUBSTANCES: "meansOfControlPsychoactiveSubstances",
    ControlMethod.RESTRICTS_MOVEMENT: "meansOfControlRestrictsMovement",
    ControlMethod.RESTRICTS_MEDICAL_CARE: "meansOfControlRestrictsMedicalCare",
    ControlMethod.EXCESSIVE_WORKING_HOURS: "meansOfControlExcessiveWorkingHours",
    ControlMethod.USES_CHILDREN: "meansOfControlUsesChildren",
    ControlMethod.THREAT_OF_LAW_ENFORCEMENT: "meansOfControlThreatOfLawEnforcement",
    ControlMethod.WITHHOLDS_NECESSITIES: "meansOfControlWithholdsNecessities",
    ControlMethod.WITHHOLDS_DOCUMENTS: "meansOfControlWithholdsDocuments",
    ControlMethod.OTHER: "meansOfControlOther",
}

# The ODS picklist value of each method; None where the ODS has no such value.
CONTROL_TO_ODS: dict[str, str | None] = {
    ControlMethod.DEBT_BONDAGE: "DebtBondage",
    ControlMethod.TAKES_EARNINGS: "TakesEarnings",
    ControlMethod.RESTRICTS_FINANCIAL_ACCESS: "RestrictsFinancialAccess",
    ControlMethod.THREATS: "PhysicalThreats",
    ControlMethod.PSYCHOLOGICAL_ABUSE: "PsychologicalAbuse",
    ControlMethod.PHYSICAL_ABUSE: "PhysicalAbuse",
    ControlMethod.SEXUAL_ABUSE: "SexualAbuse",
    ControlMethod.FALSE_PROMISES: "FalsePromises",
    ControlMethod.PSYCHOACTIVE_SUBSTANCES: "PsychoactiveSubstance",
    ControlMethod.RESTRICTS_MOVEMENT: None,
    ControlMethod.RESTRICTS_MEDICAL_CARE: "RestrictsMedicalCare",
    ControlMethod.EXCESSIVE_WORKING_HOURS: "ExcessiveWorkingHours",
    ControlMethod.USES_CHILDREN: None,
    ControlMethod.THREAT_OF_LAW_ENFORCEMENT: "ThreatsLawEnforcement",
    ControlMethod.WITHHOLDS_NECESSITIES: "WithholdsNecessities",
    ControlMethod.WITHHOLDS_DOCUMENTS: "WithholdsDocuments",
    ControlMethod.OTHER: "Other",
}


class ExploitationType(models.TextChoices):
    FORCED_LABOUR = "forced_labour", _("Trabajo forzoso")
    CHILD_LABOUR = "child_labour", _("Trabajo infantil")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("Explotación sexual")
    SERVITUDE = "servitude", _("Servidumbre")
    FORCED_MARRIAGE = "forced_marriage", _("Matrimonio forzado")
    FORCED_CRIMINALITY = "forced_criminality", _("Actividades delictivas forzadas")
    OTHER = "other", _("Otro")


CTDC_EXPLOITATION = {
    ExploitationType.FORCED_LABOUR: "isForcedLabour",
    ExploitationType.CHILD_LABOUR: "isChildLabour",
    ExploitationType.SEXUAL_EXPLOITATION: "isSexualExploit",
    ExploitationType.SERVITUDE: "isServitude",
    ExploitationType.FORCED_MARRIAGE: "isForcedMarriage",
    ExploitationType.FORCED_CRIMINALITY: "isForcedCriminality",
    ExploitationType.OTHER: "isOtherExploit",
}


class Recruitment(models.TextChoices):
    """How the person was recruited (HTCDS victim context, recruitment type)."""

    UNKNOWN = "unknown", _("No se sabe")
    INTIMATE_PARTNER = "intimate_partner", _("Pareja")
    FAMILY = "family", _("Familiar")
    FRIEND = "friend", _("Amistad o conocido")
    EMPLOYER = "employer", _("Empleador directo")
    RECRUITMENT_AGENCY = "recruitment_agency", _("Agencia o enganchador")
    ONLINE = "online", _("Anuncio o red social")
    OTHER = "other", _("Otro")


class RiskLevel(models.TextChoices):
    UNASSESSED = "unassessed", _("Sin valorar")
    LOW = "low", _("Bajo")
    MEDIUM = "medium", _("Medio")
    HIGH = "high", _("Alto")


# ISIC Rev. 4: garments are section C (Manufacturing), division 14.
ISIC_SECTIONS = {
    "A": _("Agricultura, ganadería, silvicultura y pesca"),
    "C": _("Industrias manufactureras"),
    "F": _("Construcción"),
    "G": _("Comercio"),
    "I": _("Alojamiento y servicios de comida"),
    "T": _("Trabajo en hogares"),
    "U": _("Otra"),
}
ISIC_APPAREL_DIVISION = "14"


class ConsentScope(models.TextChoices):
    SERVICES = "services", _("Recibir servicios")
    SHARING = "sharing", _("Compartir su información con otra institución")
    REPORTING = "reporting", _("Estadísticas sin datos que la identifiquen")


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("La persona misma")
    CAREGIVER = "caregiver", _("Madre, padre o tutor (persona menor de edad)")
    OTHER = "other", _("Otra persona autorizada")


class ServiceType(models.TextChoices):
    SHELTER = "shelter", _("Albergue o refugio")
    MEDICAL = "medical", _("Atención médica")
    PSYCHOLOGICAL = "psychological", _("Atención psicológica")
    LEGAL = "legal", _("Asesoría jurídica")
    CHILD_PROTECTION = (
        "child_protection",
        _("Protección de niñas, niños y adolescentes"),
    )
    PROSECUTION = "prosecution", _("Procuración de justicia")
    LABOUR_INSPECTION = "labour_inspection", _("Inspección del trabajo")
    REPATRIATION = "repatriation", _("Retorno o repatriación")
    LIVELIHOOD = "livelihood", _("Medios de vida y empleo")


class Timeframe(models.TextChoices):
    """How soon a service answers a referral (Primero's response timeframes)."""

    ONE_HOUR = "1h", _("1 hora")
    THREE_HOURS = "3h", _("3 horas")
    ONE_DAY = "1d", _("1 día")
    THREE_DAYS = "3d", _("3 días")
    ONE_WEEK = "7d", _("1 semana")


TIMEFRAME_HOURS = {
    Timeframe.ONE_HOUR: 1,
    Timeframe.THREE_HOURS: 3,
    Timeframe.ONE_DAY: 24,
    Timeframe.THREE_DAYS: 72,
    Timeframe.ONE_WEEK: 168,
}


class ServedSexes(models.TextChoices):
    ALL = "all", _("Todas las personas")
    WOMEN = "women", _("Mujeres")
    MEN = "men", _("Hombres")


class ReferralStatus(models.TextChoices):
    """Primero's referral states."""

    IN_PROGRESS = "in_progress", _("Enviada")
    ACCEPTED = "accepted", _("Aceptada")
    REJECTED = "rejected", _("Rechazada")
    DONE = "done", _("Atendida")
    REVOKED = "revoked", _("Revocada")


# Which state may follow which (Primero: accept/reject only from in progress,
# done only from accepted, revoke from any open state).
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.IN_PROGRESS: frozenset(
        {ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.REVOKED}
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.DONE, ReferralStatus.REVOKED}),
    ReferralStatus.REJECTED: frozenset(),
    ReferralStatus.DONE: frozenset(),
    ReferralStatus.REVOKED: frozenset(),
}

OPEN_REFERRAL_STATUSES = frozenset(
    {ReferralStatus.IN_PROGRESS, ReferralStatus.ACCEPTED}
)


class ReferralReason(models.TextChoices):
    """HTCDS `cas_ReasonFor{Incoming,Outgoing}Referral`."""

    ADDITIONAL_SERVICES = "additional_services", _("Necesita otros servicios")
    CHANGE_OF_LOCATION = "change_of_location", _("Cambio de lugar o migración")
    OTHER = "other", _("Otro")


HTCDS_REFERRAL_REASON = {
    ReferralReason.ADDITIONAL_SERVICES: "AdditionalServicesRequired",
    ReferralReason.CHANGE_OF_LOCATION: "MigrationOrChangeOfLocation",
    ReferralReason.OTHER: "Other",
}


class SupportType(models.TextChoices):
    """HTCDS `spl_Type`."""

    EDUCATION = "education", _("Educación")
    FINANCIAL = "financial", _("Apoyo económico")
    HEALTH = "health", _("Salud")
    LABOUR_REHABILITATION = (
        "labour_rehabilitation",
        _("Rehabilitación tras explotación laboral"),
    )
    LEGAL = "legal", _("Jurídico")
    LIVELIHOOD = "livelihood", _("Medios de vida")
    RIGHTS_TRAINING = "rights_training", _("Formación en derechos")
    SOCIAL_CARE = "social_care", _("Atención social")
    OTHER = "other", _("Otro")


class SupportStatus(models.TextChoices):
    PLANNED = "planned", _("Prevista")
    ONGOING = "ongoing", _("En curso")
    DONE = "done", _("Cumplida")
    DROPPED = "dropped", _("Descartada")


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", _("Por entrevistar")
    DONE = "done", _("Hecha")
    # "Descartada" is also a support action's status ("dropped" there).
    DISMISSED = "dismissed", pgettext_lazy("screening", "Descartada")
