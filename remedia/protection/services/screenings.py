"""Screenings: the tasks a protection report or case opens, and the interviews.

A report in a protection category (child labour, forced labour, trafficking)
opens a pending screening for each protection team it reached; a case opened
on (or joined by) such a report opens one for the case's organisation. The
interview's answers are sealed to the screening's own key; what the rule
engine concluded is kept in codes (which rules applied, never what the person
said) for the lists and the figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.models import Case
from remedia.cases.selectors import parse_uuid
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.kit import full_clean, invalid, invalid_missing, text_field
from remedia.core.sealed import grant_open, grant_seal, json_open, json_seal
from remedia.intake.categories import PROTECTION_CATEGORIES
from remedia.intake.models import Report, ReportRecipient, RoutePurpose
from remedia.protection.identity import date_parse
from remedia.protection.models import Screening, ScreeningKeyGrant, VictimFile
from remedia.protection.screening import (
    INDICATOR_CODES,
    AgeBand,
    Answer,
    Assessment,
    ChildLabourVerdict,
    ForcedLabourLevel,
    Interview,
    assess,
    interview_from_answers,
)
from remedia.protection.selectors.screenings import (
    protection_team_ids,
    screening_can_conduct,
    screening_reader_ids,
)
from remedia.protection.services.files import (
    date_not_future,
    file_open,
    file_write_require,
)
from remedia.protection.vocabulary import (
    ControlMethod,
    ExploitationType,
    ScreeningStatus,
)

logger = logging.getLogger(__name__)

DISMISS_REASON_MAX = 300


def _notify(screenings: list[Screening]) -> None:
    """Tell each new screening's protection staff, after the commit."""
    from remedia.protection import screening_alerts

    ids = [str(s.pk) for s in screenings]
    if ids:
        transaction.on_commit(lambda: screening_alerts.notify_screenings_pending(ids))


def _create_pending(**fields: Any) -> Screening | None:
    """A pending screening, or None when another worker made it a moment ago."""
    try:
        with transaction.atomic():
            screening = Screening(status=ScreeningStatus.PENDING, **fields)
            # The one-pending-per-report constraint is the database's to
            # enforce: a race between two workers ends here, not in a refusal.
            full_clean(screening, validate_constraints=False)
            screening.save()
    except IntegrityError:
        return None
    audit_record(
        action="protection.screening_opened",
        organisation=screening.organisation,
        obj=screening,
        data={
            "report": str(screening.report_id or ""),
            "case": str(screening.case_id or ""),
        },
    )
    return screening


def _in_protection_category(report_ids: Iterable[Any]) -> list[Report]:
    return list(
        Report.objects.filter(
            pk__in=list(report_ids), category_rows__code__in=PROTECTION_CATEGORIES
        )
        .distinct()
        .only("pk", "created_at")
        .order_by("created_at")
    )


# --- Opened by the intake and by cases ------------------------------------------------


@transaction.atomic
def screenings_open_for_report(
    *, report_id: Any, organisation_ids: Iterable[Any]
) -> list[Screening]:
    """A report was routed: a pending screening for each protection team it reached.

    A protection team is a recipient that received the report by a protection
    route, or one whose members include protection workers. Each team gets one
    screening per report, however often this runs.
    """
    pk = parse_uuid(report_id)
    if pk is None or not _in_protection_category([pk]):
        return []
    wanted = [o for o in map(parse_uuid, organisation_ids) if o is not None]
    recipients = dict(
        ReportRecipient.objects.filter(
            report_id=pk, organisation_id__in=wanted, organisation__is_active=True
        ).values_list("organisation_id", "purpose")
    )
    teams = {
        org for org, purpose in recipients.items() if purpose == RoutePurpose.PROTECTION
    } | protection_team_ids(organisation_ids=recipients)
    have = set(
        Screening.objects.filter(report_id=pk, organisation_id__in=teams).values_list(
            "organisation_id", flat=True
        )
    )
    created = [
        screening
        for org in sorted(teams - have, key=str)
        if (screening := _create_pending(organisation_id=org, report_id=pk)) is not None
    ]
    _notify(created)
    if created:
        logger.info("protection.screenings_opened", extra={"count": len(created)})
    return created


@transaction.atomic
def screening_open_for_case(
    *, case_id: Any, report_ids: Iterable[Any] | None = None
) -> Screening | None:
    """A case got protection work: a pending screening for its organisation.

    With `report_ids` (reports that joined the case), only those in a
    protection category count: a screening the organisation already has for
    one of them (pending, held or dismissed) becomes the case's too, and none
    is opened. Without (the case gained a protection category by an edit), one
    opens unless the case has one held. None opens while the case has one
    pending.
    """
    pk = parse_uuid(case_id)
    case = (
        Case.objects.filter(pk=pk).only("pk", "organisation_id").first()
        if pk is not None
        else None
    )
    if case is None:
        return None
    # One job at a time per case: two reports joining at once open one screening.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    for_case = Screening.objects.filter(case=case, organisation_id=case.organisation_id)
    report: Report | None = None
    if report_ids is not None:
        reports = _in_protection_category(report_ids)
        if not reports:
            return None
        existing = Screening.objects.filter(
            report__in=reports, organisation_id=case.organisation_id
        )
        if existing.exists():
            existing.filter(case__isnull=True).update(
                case=case, updated_at=timezone.now()
            )
            return None
        report = reports[0]
    elif for_case.filter(status=ScreeningStatus.DONE).exists():
        return None
    if for_case.filter(status=ScreeningStatus.PENDING).exists():
        return None
    screening = _create_pending(
        organisation_id=case.organisation_id, case=case, report=report
    )
    if screening is not None:
        _notify([screening])
    return screening


# --- What staff do ----------------------------------------------------------------------


def screening_conduct_require(*, user: User, screening: Screening) -> None:
    if not screening_can_conduct(user=user, screening=screening):
        raise PermissionDenied()


def _lock_pending(screening: Screening) -> Screening:
    locked = Screening.objects.select_for_update().get(pk=screening.pk)
    if locked.status != ScreeningStatus.PENDING:
        raise invalid(
            "status",
            _("Esta entrevista ya se hizo.")
            if locked.status == ScreeningStatus.DONE
            else _("Esta entrevista se descartó."),
        )
    return locked


@transaction.atomic
def screening_dismiss(*, screening: Screening, user: User, reason: Any) -> Screening:
    """A pending screening that needs no interview (a duplicate, an adult's
    wage claim filed under child labour...), with the reason."""
    screening_conduct_require(user=user, screening=screening)
    text = text_field(reason, field="reason", limit=DISMISS_REASON_MAX, required=True)
    screening = _lock_pending(screening)
    screening.status = ScreeningStatus.DISMISSED
    screening.dismissed_reason = text
    full_clean(screening)
    screening.save(update_fields=["status", "dismissed_reason", "updated_at"])
    audit_record(
        action="protection.screening_dismissed",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
    )
    return screening


@transaction.atomic
def screening_start(*, user: User, organisation_id: Any = None) -> Screening:
    """An interview a protection worker starts without a report (a visit, a call)."""
    mine = organisations_for(user=user, capability=Capability.PROTECTION_WRITE)
    if not mine:
        raise PermissionDenied()
    if organisation_id in (None, ""):
        if len(mine) > 1:
            raise invalid(
                "organisation_id", _("Elija la organización de la entrevista.")
            )
        (org,) = mine
    else:
        chosen = parse_uuid(organisation_id)
        if chosen is None or chosen not in mine:
            raise invalid_missing("organisation_id")
        org = chosen
    screening = Screening(organisation_id=org, status=ScreeningStatus.PENDING)
    full_clean(screening)
    screening.save()
    audit_record(
        action="protection.screening_started",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
    )
    return screening


# --- The interview ------------------------------------------------------------------------


def screening_grants_sync(*, screening: Screening, screening_private: bytes) -> int:
    """Seal the screening's key to every current reader lacking a grant, and
    drop the grants of anyone who may no longer read it (left the team)."""
    readers = screening_reader_ids(screening=screening)
    ScreeningKeyGrant.objects.filter(screening=screening, user__isnull=False).exclude(
        user_id__in=readers
    ).delete()
    return grant_seal(
        model=ScreeningKeyGrant,
        owner={"screening": screening},
        private=screening_private,
        user_keys=keys.user_public_keys(user_ids=readers),
        escrow_keys=keys.escrow_public_keys(
            organisation_ids={screening.organisation_id}
        ),
    )


def _conducted_on(value: Any, errors: list[dict[str, Any]]) -> date | None:
    if value in (None, ""):
        return timezone.localdate()
    day = value if isinstance(value, date) else None
    if day is None:
        day = date_parse(value[:10]) if isinstance(value, str) else None
        if day is None:
            errors.append(
                {
                    "field": "conducted_on",
                    "reason": _("Escriba la fecha como AAAA-MM-DD."),
                }
            )
            return None
    try:
        return date_not_future(day, field="conducted_on")
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def interview_parse(answers: Any) -> Interview:
    """The interview from posted answers: the engine's checks, and at least
    one answer (an interview with nothing known is no interview)."""
    interview = interview_from_answers(answers)
    given = interview.as_answers()
    if all(
        value in (None, "", Answer.UNKNOWN, AgeBand.UNKNOWN) for value in given.values()
    ):
        raise invalid("answers", _("Responda al menos una pregunta de la entrevista."))
    return interview


@transaction.atomic
def screening_conduct(
    *,
    screening: Screening,
    user: User,
    answers: Any,
    conducted_on: Any = None,
) -> Screening:
    """Hold the interview of a pending screening: the rule engine's outcome in
    codes, the answers sealed to the screening's own new key (granted to the
    interviewer, the organisation's protection staff and its escrow).

    Every problem at once (the date, each answer); nothing is stored then.
    """
    screening_conduct_require(user=user, screening=screening)
    errors: list[dict[str, Any]] = []
    day = _conducted_on(conducted_on, errors)
    interview: Interview | None = None
    try:
        interview = interview_parse(answers)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors or interview is None or day is None:
        raise InvalidInput(errors)
    screening = _lock_pending(screening)
    assessment = assess(interview)
    pair = crypto.keypair_new()
    screening.public_key = pair.public
    screening.answers = json_seal(
        {"answers": interview.as_answers()}, public_key=pair.public
    )
    screening.status = ScreeningStatus.DONE
    screening.conducted_on = day
    screening.conducted_by = user
    screening.child_labour = str(assessment.child_labour)
    screening.forced_labour = str(assessment.forced_labour)
    screening.trafficking_possible = assessment.possible_trafficking
    screening.findings = list(dict.fromkeys(f.code for f in assessment.findings))
    full_clean(screening)
    screening.save()
    screening_grants_sync(screening=screening, screening_private=pair.private)
    audit_record(
        action="protection.screening_conducted",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
        data={
            "child_labour": screening.child_labour,
            "forced_labour": screening.forced_labour,
            "trafficking_possible": screening.trafficking_possible,
        },
    )
    return screening


@dataclass(frozen=True)
class OpenScreening:
    """A held screening as its reader sees it; `interview` and `assessment`
    are None when the reader's key is locked (only the stored codes show)."""

    screening: Screening
    interview: Interview | None = None
    assessment: Assessment | None = None

    @property
    def unlocked(self) -> bool:
        return self.interview is not None

    @property
    def rules_changed(self) -> bool:
        """The engine now answers otherwise than when the interview was held."""
        a, s = self.assessment, self.screening
        return a is not None and (
            str(a.child_labour) != s.child_labour
            or str(a.forced_labour) != s.forced_labour
            or a.possible_trafficking != s.trafficking_possible
        )


def screening_key(
    *, screening: Screening, user: User, user_private_key: bytes | None
) -> bytes | None:
    return grant_open(
        model=ScreeningKeyGrant,
        owner={"screening": screening},
        user=user,
        user_private_key=user_private_key,
    )


def screening_read(
    *, screening: Screening, user: User, user_private_key: bytes | None
) -> OpenScreening:
    """A held screening's answers opened with the reader's key, assessed by
    the engine as it stands; audited. The caller fetched it through
    `screening_get_for_user`."""
    if screening.status != ScreeningStatus.DONE or not screening.answers:
        return OpenScreening(screening)
    private = screening_key(
        screening=screening, user=user, user_private_key=user_private_key
    )
    opened = OpenScreening(screening)
    if private is not None:
        data = json_open(bytes(screening.answers), private_key=private)
        interview = interview_from_answers(data["answers"])
        opened = OpenScreening(screening, interview, assess(interview))
        screening_grants_sync(screening=screening, screening_private=private)
    audit_record(
        action="protection.screening_read",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
        data={"answers": opened.unlocked},
    )
    return opened


# --- From a screening to a victim file ------------------------------------------------------

# ILO indicator -> HTCDS method of control (the anchors' suggested mapping,
# docs/protection.md). Abuse of vulnerability has none: HTCDS deprecated its
# vulnerabilities field. Violence is recorded as physical abuse; whether it was
# sexual is the worker's to add on the file, the answer does not say.
INDICATOR_CONTROL = {
    "deception": ControlMethod.FALSE_PROMISES,
    "restriction_of_movement": ControlMethod.RESTRICTS_MOVEMENT,
    "isolation": ControlMethod.RESTRICTS_MOVEMENT,
    "physical_sexual_violence": ControlMethod.PHYSICAL_ABUSE,
    "intimidation_threats": ControlMethod.THREATS,
    "retention_of_documents": ControlMethod.WITHHOLDS_DOCUMENTS,
    "withholding_of_wages": ControlMethod.TAKES_EARNINGS,
    "debt_bondage": ControlMethod.DEBT_BONDAGE,
    "abusive_conditions": ControlMethod.WITHHOLDS_NECESSITIES,
    "excessive_overtime": ControlMethod.EXCESSIVE_WORKING_HOURS,
}
CHILD_LABOUR_VERDICTS = frozenset(
    {ChildLabourVerdict.PROHIBITED, ChildLabourVerdict.RESTRICTIONS_BREACHED}
)


def file_fields_from(
    *, screening: Screening, interview: Interview | None
) -> dict[str, Any]:
    """What a new file takes from a screening: the exact age, the exploitation
    the outcome points to, the methods of control the indicators name, and
    where (the report's facility and state, or the case's facility)."""
    exploitation = []
    if screening.child_labour in CHILD_LABOUR_VERDICTS:
        exploitation.append(ExploitationType.CHILD_LABOUR)
    if screening.forced_labour == ForcedLabourLevel.LIKELY:
        exploitation.append(ExploitationType.FORCED_LABOUR)
    fields: dict[str, Any] = {"exploitation_types": [str(e) for e in exploitation]}
    if interview is not None:
        fields["age_at_identification"] = interview.age
        methods = [
            INDICATOR_CONTROL[code]
            for code in INDICATOR_CODES
            if code in INDICATOR_CONTROL and interview.answer(code) == Answer.YES
        ]
        fields["control_methods"] = [str(m) for m in dict.fromkeys(methods)]
    report, case = screening.report, screening.case
    facility = (report.facility if report else None) or (
        case.facility if case else None
    )
    if facility is not None:
        fields["facility"] = facility
    if report is not None:
        fields["exploitation_state"] = report.state
    return fields


@transaction.atomic
def screening_file_open(
    *,
    screening: Screening,
    user: User,
    user_private_key: bytes | None,
    identity: dict[str, Any],
    identified_on: Any = None,
) -> VictimFile:
    """Open a victim file from a held screening and link them: the file gets
    the screening's report and case, and the screening names the file.

    Only a protection worker of the organisation opens files; the opener is
    the file's first (and, with the leads, only) reader.
    """
    file_write_require(user=user, organisation_id=screening.organisation_id)
    locked = Screening.objects.select_for_update().get(pk=screening.pk)
    if locked.status != ScreeningStatus.DONE:
        raise invalid("status", _("Primero haga la entrevista."))
    if locked.file_id is not None:
        raise invalid(
            "status", _("Ya se abrió un expediente a partir de esta entrevista.")
        )
    opened = screening_read(
        screening=screening, user=user, user_private_key=user_private_key
    )
    errors: list[dict[str, Any]] = []
    day = screening.conducted_on
    if identified_on not in (None, ""):
        day = _conducted_on(identified_on, errors)
        if errors:
            errors = [{**e, "field": "identified_on"} for e in errors]
            raise InvalidInput(errors)
    file = file_open(
        organisation=screening.organisation,
        opened_by=user,
        identity=identity,
        identified_on=day,
        fields=file_fields_from(screening=screening, interview=opened.interview),
    )
    if screening.report is not None:
        file.reports.add(screening.report)
    if screening.case is not None:
        file.cases.add(screening.case)
    locked.file = file
    locked.save(update_fields=["file", "updated_at"])
    screening.file = file
    audit_record(
        action="protection.screening_file_opened",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
        data={"file": str(file.pk)},
    )
    return file
