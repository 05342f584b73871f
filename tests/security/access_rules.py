"""Who may reach each kind of object, written once, for the access matrix.

This module is the only place a person has to touch when an endpoint that takes
an object id is added: the matrix (test_access_matrix.py) finds every such route
in the URL configuration and every such operation in the OpenAPI document, and
fails for any whose path parameters no `Kind` below claims.

The expectations come from the rules the documents state (docs/architecture.md
"Permissions", docs/security.md, each selector's docstring), restated here as
data; nothing here calls the code under test to decide who is entitled.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# --- The roles' capabilities, as docs/architecture.md and PRODUCT.md give them -------

_ALL_STAFF = {"facility.read", "coordination.read"}
CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset(
        _ALL_STAFF
        | {"organisation.manage", "audit.read", "analytics.read", "facility.write"}
    ),
    "handler": frozenset(
        _ALL_STAFF
        | {
            "report.read",
            "report.manage",
            "case.read",
            "case.write",
            "facility.write",
            "analytics.read",
        }
    ),
    "analyst": frozenset(
        _ALL_STAFF
        | {"petition.read", "petition.write", "remediation.read", "analytics.read"}
    ),
    "monitor": frozenset(
        _ALL_STAFF | {"remediation.read", "remediation.write", "analytics.read"}
    ),
    "facility_officer": frozenset({"facility.read", "evidence.submit"}),
    "protection": frozenset(
        _ALL_STAFF
        | {"report.read", "report.manage", "protection.read", "protection.write"}
    ),
    "protection_lead": frozenset(
        _ALL_STAFF
        | {
            "report.read",
            "report.manage",
            "protection.read",
            "protection.write",
            "protection.supervise",
            "protection.consent_override",
        }
    ),
    "coordinator": frozenset(
        _ALL_STAFF | {"coordination.write", "remediation.read", "analytics.read"}
    ),
}


@dataclass(frozen=True)
class Actor:
    """One demo user: who they are, the role and the organisation (demo key)."""

    username: str
    role: str
    organisation: str
    superuser: bool = False


# The demo's people (remedia/demo/services.py USERS), one per role, two handlers
# in two organisations. "anonymous" is the cell without any credentials.
ACTORS = [
    Actor("admin", "admin", "operator", superuser=True),
    Actor("handler", "handler", "ags_centre"),
    Actor("handler2", "handler", "pue_union"),
    Actor("analyst", "analyst", "ilc"),
    Actor("monitor", "monitor", "monitor"),
    Actor("facility", "facility_officer", "inisa"),
    Actor("protection", "protection", "protection"),
    Actor("protection_lead", "protection_lead", "protection"),
    Actor("dif", "protection", "dif"),
    Actor("coordinator", "coordinator", "coordination"),
]
ANONYMOUS = "anonymous"
ANY_ORG = None


def holders(capability: str, organisations: Iterable[str] | None = ANY_ORG) -> set[str]:
    """Demo users holding `capability` in one of `organisations` (None: anywhere)."""
    allowed = None if organisations is None else set(organisations)
    return {
        a.username
        for a in ACTORS
        if capability in CAPABILITIES[a.role]
        and (allowed is None or a.organisation in allowed)
    }


def everyone() -> set[str]:
    return {a.username for a in ACTORS}


# --- Objects of the demo, and who is entitled to them ------------------------------


@dataclass
class Target:
    """One object (or a deliberately wrong combination) to put in a path.

    `readers` get 200 on a read; `writers` may change it (their invalid write
    answers 4xx); readers who are not writers get 403 or 404 on a write; anyone
    else gets the same 404 as for a missing object. `orgs` are the demo keys of
    the organisations that own it (for the own/other column of the report).
    """

    label: str
    params: dict[str, str]
    readers: set[str] = field(default_factory=set)
    writers: set[str] = field(default_factory=set)
    orgs: frozenset[str] = frozenset()
    # Who else may write through the routes matching `extra_writer_routes` of
    # the kind (a facility officer's evidence, statuses and rosters).
    extra_writers: set[str] = field(default_factory=set)
    # (model, pk) whose row count and updated_at must not move on a refused write.
    watch: tuple[Any, Any] | None = None
    public: bool = False
    # A child asked for under the wrong parent: it must answer exactly as this
    # path (the same parent with a child that does not exist) does.
    same_as: dict[str, str] | None = None
    # Readers of the whole object where `Kind.full_read_routes` match (a
    # course's PDF report: not its facility officers).
    full_readers: set[str] | None = None


def missing(params: Iterable[str]) -> Target:
    """Ids of nothing at all: the same 404 for everyone."""
    return Target("missing", {p: str(uuid.uuid4()) for p in params})


@dataclass(frozen=True)
class Kind:
    """Routes whose path matches `pattern` and whose parameters are `params`."""

    name: str
    pattern: str
    params: frozenset[str]
    targets: Callable[[Demo], list[Target]]
    # Routes where `Target.extra_writers` also write.
    extra_writer_routes: str = r"$^"
    # Routes read only by `Target.full_readers`.
    full_read_routes: str = r"$^"
    # Statuses a reader's GET may get (the admin's bare object URL redirects).
    read_ok: frozenset[int] = frozenset({200})
    # What a signed-in user outside the rule gets (the admin redirects to its login).
    refused: frozenset[int] = frozenset({404})
    # Writes by entitled users are not sent (the admin would delete for real).
    skip_entitled_writes: bool = False

    def matches(self, path: str, params: frozenset[str]) -> bool:
        return params == self.params and re.search(self.pattern, path) is not None


class Demo:
    """The seeded demo, with lookups by the demo's own keys."""

    def __init__(self, seed: Any) -> None:
        from remedia.accounts.models import Organisation
        from remedia.demo.services import ORGANISATIONS

        self.seed = seed
        names = {spec.name: spec.key for spec in ORGANISATIONS}
        self.org_key = {
            o.pk: names[o.name] for o in Organisation.objects.filter(name__in=names)
        }
        self.org_id = {key: pk for pk, key in self.org_key.items()}
        self.extra: dict[str, Any] = {}

    def keys(self, org_ids: Iterable[Any]) -> frozenset[str]:
        return frozenset(self.org_key[i] for i in org_ids if i in self.org_key)


# --- Each kind's objects ---------------------------------------------------------


def _reports(demo: Demo) -> list[Target]:
    from remedia.intake.models import Report, ReportRecipient

    targets = []
    for label, external_id, category in (
        ("report AGU", "demo-inisa", "non_neutrality"),
        ("report PUE", "demo-pue-1", "wages"),
    ):
        report = (
            Report.objects.filter(
                facility__external_id=external_id, category_rows__code=category
            )
            .order_by("created_at")
            .first()
        )
        orgs = demo.keys(
            ReportRecipient.objects.filter(report=report).values_list(
                "organisation_id", flat=True
            )
        )
        targets.append(
            Target(
                label,
                {"report_id": str(report.pk)},
                readers=holders("report.read", orgs),
                writers=holders("report.manage", orgs),
                orgs=orgs,
                watch=(Report, report.pk),
            )
        )
    return [*targets, missing(["report_id"])]


def _report_attachments(demo: Demo) -> list[Target]:
    from remedia.intake.models import Attachment, Report, ReportRecipient

    attachment = Attachment.objects.select_related("report").first()
    other = Report.objects.exclude(pk=attachment.report_id).first()
    orgs = demo.keys(
        ReportRecipient.objects.filter(report=attachment.report).values_list(
            "organisation_id", flat=True
        )
    )
    return [
        Target(
            "attachment",
            {
                "report_id": str(attachment.report_id),
                "attachment_id": str(attachment.pk),
            },
            readers=holders("report.read", orgs),
            writers=holders("report.manage", orgs),
            orgs=orgs,
            watch=(Attachment, attachment.pk),
        ),
        # Another report's id with this attachment: nobody's.
        Target(
            "attachment under another report",
            {"report_id": str(other.pk), "attachment_id": str(attachment.pk)},
            same_as={"report_id": str(other.pk), "attachment_id": str(uuid.uuid4())},
        ),
        missing(["report_id", "attachment_id"]),
    ]


def _case_target(demo: Demo, case: Any, label: str, **params: str) -> Target:
    from remedia.cases.models import Case

    orgs = demo.keys([case.organisation_id])
    return Target(
        label,
        {"case_id": str(case.pk), **params},
        readers=holders("case.read", orgs),
        writers=holders("case.write", orgs),
        orgs=orgs,
        watch=(Case, case.pk),
    )


def _cases(demo: Demo) -> list[Target]:
    from remedia.cases.models import Case

    return [
        *(
            _case_target(demo, case, f"case {demo.org_key[case.organisation_id]}")
            for case in Case.objects.order_by("created_at")
        ),
        missing(["case_id"]),
    ]


def _case_children(child: str, model_path: str) -> Callable[[Demo], list[Target]]:
    def targets(demo: Demo) -> list[Target]:

        from remedia.cases.models import Case

        model = model_named(model_path)
        row = model.objects.select_related("case").first()
        other = Case.objects.exclude(pk=row.case_id).first()
        return [
            _case_target(
                demo, row.case, f"{child} of its case", **{child: str(row.pk)}
            ),
            Target(
                f"{child} under another organisation's case",
                {"case_id": str(other.pk), child: str(row.pk)},
                same_as={"case_id": str(other.pk), child: str(uuid.uuid4())},
            ),
            missing(["case_id", child]),
        ]

    return targets


def _petitions(demo: Demo) -> list[Target]:
    from remedia.rrm.models import RrmCase

    petition = demo.extra["petition"]
    public = RrmCase.objects.filter(is_public=True).order_by("created_at").first()
    orgs = demo.keys([petition.organisation_id])
    return [
        Target(
            "petition ILC",
            {"case_id": str(petition.pk)},
            readers=holders("petition.read", orgs),
            writers=holders("petition.write", orgs),
            orgs=orgs,
            watch=(RrmCase, petition.pk),
        ),
        # The public record: every petition analyst reads it on the staff side.
        Target(
            "public-record case",
            {"case_id": str(public.pk)},
            readers=holders("petition.read"),
            writers=holders("petition.write"),
            watch=(RrmCase, public.pk),
        ),
        missing(["case_id"]),
    ]


def _petition_documents(demo: Demo) -> list[Target]:
    from remedia.rrm.models import RrmCase, RrmDocument

    document = demo.extra["petition_document"]
    other = RrmCase.objects.exclude(pk=document.case_id).first()
    orgs = demo.keys([document.case.organisation_id])
    return [
        Target(
            "petition document",
            {"case_id": str(document.case_id), "document_id": str(document.pk)},
            readers=holders("petition.read", orgs),
            writers=holders("petition.write", orgs),
            orgs=orgs,
            watch=(RrmDocument, document.pk),
        ),
        Target(
            "document under another petition",
            {"case_id": str(other.pk), "document_id": str(document.pk)},
            same_as={"case_id": str(other.pk), "document_id": str(uuid.uuid4())},
        ),
        missing(["case_id", "document_id"]),
    ]


def _public_rrm(param: str) -> Callable[[Demo], list[Target]]:
    def targets(demo: Demo) -> list[Target]:
        from remedia.rrm.models import RrmCase

        case = RrmCase.objects.filter(is_public=True).order_by("created_at").first()
        value = case.slug if param == "slug" else str(case.pk)
        return [Target("public record", {param: value}, public=True)]

    return targets


def _survey_code(demo: Demo) -> list[Target]:
    return [
        Target("survey code", {"code": demo.seed.survey_code}, public=True),
        Target("unknown code", {"code": "ZZZZZZ"}, public=True),
    ]


def _checkins(demo: Demo) -> list[Target]:
    return [Target("unknown check-in", {"checkin_id": str(uuid.uuid4())}, public=True)]


def _facilities(demo: Demo) -> list[Target]:
    from remedia.facilities.models import Facility

    facility = Facility.objects.get(external_id="demo-ags-3")
    return [
        Target(
            "facility (shared registry)",
            {"facility_id": str(facility.pk)},
            readers=holders("facility.read"),
            writers=holders("facility.write"),
            watch=(Facility, facility.pk),
        ),
        missing(["facility_id"]),
    ]


def _registry_writers_only(param: str) -> Callable[[Demo], list[Target]]:
    # Imports and the review queue: whoever may edit the registry sees them all.
    def targets(demo: Demo) -> list[Target]:
        row = demo.extra.get(param)
        found = []
        if row is not None:
            found.append(
                Target(
                    param.removesuffix("_id"),
                    {param: str(row.pk)},
                    readers=holders("facility.write"),
                    writers=holders("facility.write"),
                    watch=(type(row), row.pk),
                )
            )
        return [*found, missing([param])]

    return targets


def _course_people(demo: Demo, course: Any) -> dict[str, Any]:
    from remedia.remediation.models import CourseParty

    parties = list(
        CourseParty.objects.filter(course=course, organisation__isnull=False)
    )
    owner = demo.keys([course.organisation_id])
    all_parties = demo.keys(p.organisation_id for p in parties)
    monitors = demo.keys(p.organisation_id for p in parties if p.role == "monitor")
    companies = demo.keys(p.organisation_id for p in parties if p.role == "company")
    return {
        "readers": holders("remediation.read", owner | all_parties)
        | holders("evidence.submit", companies),
        "full_readers": holders("remediation.read", owner | all_parties),
        "writers": holders("remediation.write", owner | monitors),
        "extra_writers": holders("evidence.submit", companies),
        "orgs": owner | all_parties,
    }


def _course_targets(
    demo: Demo, label: str, params: dict[str, str], watch: tuple[Any, Any]
) -> Target:
    from remedia.remediation.models import Course

    course = Course.objects.get(reference="MLRR INISA 2023")
    return Target(label, params, watch=watch, **_course_people(demo, course))


def _courses(course_param: str) -> Callable[[Demo], list[Target]]:
    def targets(demo: Demo) -> list[Target]:
        from remedia.remediation.models import Course

        course = Course.objects.get(reference="MLRR INISA 2023")
        return [
            _course_targets(
                demo,
                "INISA course",
                {course_param: str(course.pk)},
                (Course, course.pk),
            ),
            missing([course_param]),
        ]

    return targets


def _course_children(
    course_param: str, *children: tuple[str, str]
) -> Callable[[Demo], list[Target]]:
    """A course's measure, party, evidence...: `children` are (param, model path)."""

    def targets(demo: Demo) -> list[Target]:

        from remedia.remediation.models import Course, Evidence, Measure

        course = Course.objects.get(reference="MLRR INISA 2023")
        params = {course_param: str(course.pk)}
        watch: tuple[Any, Any] = (Course, course.pk)
        for param, model_path in children:
            model = model_named(model_path)
            if model is Evidence:
                row = Evidence.objects.get(pk=demo.extra["evidence"].pk)
            elif model is Measure:
                row = demo.extra["evidence"].measure
            else:
                row = model.objects.filter(course=course).first()
            params[param] = str(row.pk)
            watch = (model, row.pk)
        found = [_course_targets(demo, "INISA course's", params, watch)]
        if children[0][0] == "measure_id" and len(children) > 1:
            # The evidence of one measure asked for under another: it must
            # answer as evidence that does not exist there.
            other = Measure.objects.exclude(pk=params["measure_id"]).first()
            wrong_measure = {**params, "measure_id": str(other.pk)}
            found.append(
                Target(
                    "evidence under another measure",
                    wrong_measure,
                    same_as={**wrong_measure, "evidence_id": str(uuid.uuid4())},
                )
            )
        return [*found, missing(params)]

    return targets


def _measures_alone(demo: Demo) -> list[Target]:
    from remedia.remediation.models import Measure

    measure = demo.extra["evidence"].measure
    return [
        _course_targets(
            demo,
            "INISA measure",
            {"measure_id": str(measure.pk)},
            (Measure, measure.pk),
        ),
        missing(["measure_id"]),
    ]


def _course_object(param: str, model_path: str) -> Callable[[Demo], list[Target]]:
    """Something read by every reader of the course it belongs to."""

    def targets(demo: Demo) -> list[Target]:

        model = model_named(model_path)
        row = model.objects.order_by("created_at").first()
        return [
            _course_targets(
                demo, model._meta.model_name, {param: str(row.pk)}, (model, row.pk)
            ),
            missing([param]),
        ]

    return targets


def _roster_facilities(demo: Demo) -> list[Target]:
    from remedia.facilities.models import Facility

    inisa = Facility.objects.get(external_id="demo-inisa")
    without_course = Facility.objects.get(external_id="demo-pue-2")
    return [
        _course_targets(
            demo, "INISA roster", {"facility_id": str(inisa.pk)}, (Facility, inisa.pk)
        ),
        # A facility with no course: no roster anyone may read.
        Target("facility without a course", {"facility_id": str(without_course.pk)}),
        missing(["facility_id"]),
    ]


def _roster_organisations(demo: Demo) -> list[Target]:
    from remedia.accounts.models import Organisation

    found = []
    for key in ("monitor", "ags_centre"):
        orgs = frozenset({key})
        found.append(
            Target(
                f"staff roster of {key}",
                {"organisation_id": str(demo.org_id[key])},
                # An organisation's own staff roster: its members who read or
                # keep remediation or coordination work.
                readers=holders("remediation.read", orgs)
                | holders("coordination.read", orgs)
                | holders("remediation.write", orgs)
                | holders("coordination.write", orgs),
                writers=holders("remediation.write", orgs)
                | holders("coordination.write", orgs),
                orgs=orgs,
                watch=(Organisation, demo.org_id[key]),
            )
        )
    return [*found, missing(["organisation_id"])]


def _directory(demo: Demo) -> list[Target]:
    from remedia.accounts.models import Organisation

    key = "pue_union"
    return [
        # The directory of organisations: every signed-in user reads it.
        Target(
            "organisation (directory)",
            {"organisation_id": str(demo.org_id[key])},
            readers=everyone(),
            watch=(Organisation, demo.org_id[key]),
        ),
        missing(["organisation_id"]),
    ]


# --- Protection: the services directory, a victim file's consents, referrals ----------


def _file_readers(demo: Demo, file: Any, *, assigned: set[str]) -> set[str]:
    """A file's readers: the workers assigned to it and the protection leads
    (supervisors) of its organisation."""
    return assigned | holders("protection.supervise", demo.keys([file.organisation_id]))


def _protection_services(demo: Demo) -> list[Target]:
    from remedia.protection.models import Service

    service = demo.extra["service"]
    return [
        # The directory is shared data: protection and coordination staff read
        # it (every staff role but a facility's officer); coordinators keep it.
        Target(
            "service (directory)",
            {"service_id": str(service.pk)},
            readers=holders("coordination.read") | holders("protection.read"),
            writers=holders("coordination.write"),
            watch=(Service, service.pk),
        ),
        missing(["service_id"]),
    ]


def _consents(demo: Demo) -> list[Target]:
    from remedia.protection.models import Consent

    consent = demo.extra["consent"]
    return [
        Target(
            "consent",
            {"file_id": str(consent.file_id), "consent_id": str(consent.pk)},
            readers=_file_readers(demo, consent.file, assigned={"protection"}),
            writers=_file_readers(demo, consent.file, assigned={"protection"}),
            orgs=demo.keys([consent.file.organisation_id]),
            watch=(Consent, consent.pk),
        ),
        Target(
            "consent under a missing file",
            {"file_id": str(uuid.uuid4()), "consent_id": str(consent.pk)},
        ),
        missing(["file_id", "consent_id"]),
    ]


def _referrals(demo: Demo) -> list[Target]:
    """Its file's readers, and the protection staff of the organisation it went
    to (the coordination demo organisation has none: its coordinator gets 404)."""
    from remedia.protection.models import Referral

    referral = demo.extra["referral"]
    return [
        Target(
            "referral",
            {"referral_id": str(referral.pk)},
            readers=_file_readers(demo, referral.file, assigned={"protection"})
            | holders("protection.read", ["coordination"]),
            writers=_file_readers(demo, referral.file, assigned={"protection"})
            | holders("protection.write", ["coordination"]),
            orgs=demo.keys(
                [referral.from_organisation_id, referral.to_organisation_id]
            ),
            watch=(Referral, referral.pk),
        ),
        missing(["referral_id"]),
    ]


# --- The Django admin ---------------------------------------------------------------

_ADMIN_ROUTE = re.compile(r"^/staff/admin/(?P<app>\w+)/(?P<model>\w+)/")


def _admin_objects(path: str) -> Callable[[Demo], list[Target]]:
    def targets(demo: Demo) -> list[Target]:
        from django.apps import apps

        found = _ADMIN_ROUTE.match(path)
        params = sorted(set(re.findall(r"\{(\w+)\}", path)))
        superusers = {a.username for a in ACTORS if a.superuser}
        if found is None:  # the content-type shortcut
            return [Target("admin shortcut", {p: "1" for p in params})]
        model = apps.get_model(found["app"], found["model"])
        row = model.objects.order_by("pk").first()
        result = [missing(params)] if row is None else []
        if row is not None:
            result.append(
                Target(
                    f"admin {model._meta.label_lower}",
                    {p: str(row.pk) for p in params},
                    readers=superusers,
                    writers=superusers,
                    watch=(model, row.pk),
                )
            )
        return result

    return targets


# --- The registry: route pattern and parameters -> the kind of object ---------------
#
def _coordination(name: str, param: str) -> Callable[[Demo], list[Target]]:
    """A coordination object: shared among staff who read coordination (every
    role but a facility's officer); coordinators write the plan, and the demo
    group's lead (the coordinator) reviews its updates."""

    def targets(demo: Demo) -> list[Target]:
        row = demo.extra[f"coordination_{name}"]
        return [
            Target(
                f"{name} (coordination)",
                {param: str(row.pk)},
                readers=holders("coordination.read"),
                writers=holders("coordination.write"),
                watch=(type(row), row.pk),
            ),
            missing([param]),
        ]

    return targets


def _coordination_plan_year(demo: Demo) -> list[Target]:
    plan = demo.extra["coordination_plan"]
    return [
        Target(
            "plan of a year (coordination)",
            {"year": str(plan.year)},
            readers=holders("coordination.read"),
            writers=holders("coordination.write"),
        ),
        # A year without a plan (a uuid would not even match the route).
        Target("missing", {"year": "2001"}),
    ]


def _coordination_members(demo: Demo) -> list[Target]:
    """A member of the demo group, and the same member asked for under another
    group (it must answer as a member that does not exist)."""
    member = demo.extra["coordination_member"]
    other = demo.extra["coordination_other_group"]
    missing_member = str(uuid.uuid4())
    return [
        Target(
            "group member (coordination)",
            {"group_id": str(member.group_id), "member_id": str(member.pk)},
            readers=holders("coordination.read"),
            writers=holders("coordination.write"),
            watch=(type(member), member.pk),
        ),
        Target(
            "group member under another group",
            {"group_id": str(other.pk), "member_id": str(member.pk)},
            same_as={"group_id": str(other.pk), "member_id": missing_member},
        ),
        missing(["group_id", "member_id"]),
    ]


# To add an endpoint's kind: one `Kind(name, pattern, params, targets)` line below.
# `pattern` is a regular expression on the path as written in the matrix
# ("/staff/cases/{case_id}/notes/", "/api/v1/cases/{case_id}/notes"), `params`
# the exact set of its path parameters, `targets` a function returning demo
# objects (with who reads and writes them) to put in the path.

_C = r"^/staff/cases/\{case_id\}"
_API_C = r"^/api/v1/cases/\{case_id\}"
_COURSE = r"^/staff/remediation/\{course_id\}"
_PLAN = r"^/api/v1/remediation/plans/\{plan_id\}"
_EVIDENCE_ROUTES = r"evidence|status|roster"
# "generated only for readers of the whole course" (docs/security.md).
_FULL_READ = r"report\.pdf"


def _notifications(demo: Demo) -> list[Target]:
    """A notification is its user's alone: no role or organisation reads another's."""
    from remedia.notifications.models import Notification

    row = demo.extra["notification"]
    return [
        Target(
            "handler's notification",
            {"notification_id": str(row.pk)},
            readers={"handler"},
            writers={"handler"},
            watch=(Notification, row.pk),
        ),
        missing(["notification_id"]),
    ]


def _exports(demo: Demo) -> list[Target]:
    """A large export is its requester's alone: no role or organisation sees
    another's job, its progress or its file (docs/security.md, core.exports)."""
    from remedia.core.models import ExportJob

    row = demo.extra["export"]
    return [
        Target(
            "handler's export",
            {"export_id": str(row.pk)},
            readers={"handler"},
            writers={"handler"},
            watch=(ExportJob, row.pk),
        ),
        missing(["export_id"]),
    ]


def _victim_files(demo: Demo) -> list[Target]:
    """A victim file: its assigned workers and the organisation's protection leads
    read and write it; everyone else, the same organisation's staff included,
    gets the 404 of a missing file (docs/security.md, selectors/files.py)."""
    from remedia.protection.models import VictimFile

    file = demo.extra["victim_file"]
    unassigned = demo.extra["victim_file_unassigned"]
    orgs = demo.keys([file.organisation_id])
    return [
        Target(
            "victim file of its worker",
            {"file_id": str(file.pk)},
            readers=_file_readers(demo, file, assigned={"protection"}),
            writers=_file_readers(demo, file, assigned={"protection"}),
            orgs=orgs,
            watch=(VictimFile, file.pk),
        ),
        # A file of the same team that the demo's worker is not assigned to.
        Target(
            "victim file of a colleague",
            {"file_id": str(unassigned.pk)},
            readers=_file_readers(demo, unassigned, assigned=set()),
            writers=_file_readers(demo, unassigned, assigned=set()),
            orgs=orgs,
            watch=(VictimFile, unassigned.pk),
        ),
        missing(["file_id"]),
    ]


def _support_actions(demo: Demo) -> list[Target]:
    from remedia.protection.models import SupportAction

    action = demo.extra["support_action"]
    other = demo.extra["victim_file_second"]
    return [
        Target(
            "support action of its file",
            {"file_id": str(action.file_id), "action_id": str(action.pk)},
            readers=_file_readers(demo, action.file, assigned={"protection"}),
            writers=_file_readers(demo, action.file, assigned={"protection"}),
            orgs=demo.keys([action.file.organisation_id]),
            watch=(SupportAction, action.pk),
        ),
        Target(
            "support action under another file of the same worker",
            {"file_id": str(other.pk), "action_id": str(action.pk)},
            same_as={"file_id": str(other.pk), "action_id": str(uuid.uuid4())},
        ),
        missing(["file_id", "action_id"]),
    ]


_FILE = (
    r"^/staff/proteccion/expedientes/\{file_id\}|^/api/v1/protection/files/\{file_id\}"
)


def _screenings(demo: Demo) -> list[Target]:
    """A screening is its organisation's protection staff's; a case handler of
    the organisation holds (and dismisses) one from its report or case while
    it is pending; only the protection staff open a file from it."""
    from remedia.protection.models import Screening

    found = []
    for key in ("screening_report", "screening_case", "screening_done"):
        screening = demo.extra[key]
        orgs = demo.keys([screening.organisation_id])
        protection = holders("protection.read", orgs)
        from_work = screening.report_id is not None or screening.case_id is not None
        handlers = (
            holders("case.write", orgs)
            if from_work and screening.status == "pending"
            else set()
        )
        found.append(
            Target(
                key.replace("_", " "),
                {"screening_id": str(screening.pk)},
                readers=protection | handlers,
                writers=holders("protection.write", orgs),
                extra_writers=handlers,
                full_readers=holders("protection.write", orgs),
                orgs=orgs,
                watch=(Screening, screening.pk),
            )
        )
    return [*found, missing(["screening_id"])]


def _webhooks(key: str, param: str) -> Callable[[Demo], list[Target]]:
    """A webhook endpoint (or its delivery) is for its organisation's
    administrators alone; everyone else gets the 404 of a missing one."""

    def targets(demo: Demo) -> list[Target]:
        row = demo.extra[key]
        endpoint = demo.extra["webhook_endpoint"]
        orgs = demo.keys([endpoint.organisation_id])
        admins = holders("organisation.manage", orgs)
        return [
            Target(
                key.replace("_", " "),
                {param: str(row.pk)},
                readers=admins,
                writers=admins,
                orgs=orgs,
                watch=(type(row), row.pk),
            ),
            missing([param]),
        ]

    return targets


def _partner_tokens(demo: Demo) -> list[Target]:
    """A partner token is for its organisation's administrators alone (issue
    19.2); everyone else gets the 404 of a missing one."""
    token = demo.extra["partner_token"]
    orgs = demo.keys([token.organisation_id])
    admins = holders("organisation.manage", orgs)
    return [
        Target(
            "partner token",
            {"token_id": str(token.pk)},
            readers=admins,
            writers=admins,
            orgs=orgs,
            watch=(type(token), token.pk),
        ),
        missing(["token_id"]),
    ]


KINDS: list[Kind] = [
    # Entitled writes are not sent: they would revoke the token
    # (tests/integrations/test_partner_tokens.py covers that).
    Kind(
        "partner token",
        r"^/staff/integraciones/tokens/|^/api/v1/partner-tokens/",
        frozenset({"token_id"}),
        _partner_tokens,
        skip_entitled_writes=True,
    ),
    # Entitled writes are not sent: they would delete the endpoint, rotate its
    # secret or call the receiver (tests/integrations cover them).
    Kind(
        "webhook endpoint",
        r"^/staff/integraciones/webhooks/\{endpoint_id\}|^/api/v1/webhooks/endpoints/",
        frozenset({"endpoint_id"}),
        _webhooks("webhook_endpoint", "endpoint_id"),
        skip_entitled_writes=True,
    ),
    Kind(
        "webhook delivery",
        r"^/staff/integraciones/webhooks/entregas/|^/api/v1/webhooks/deliveries/",
        frozenset({"delivery_id"}),
        _webhooks("webhook_delivery", "delivery_id"),
        skip_entitled_writes=True,
    ),
    Kind(
        "notification",
        r"^/staff/notificaciones/|^/api/v1/notifications/",
        frozenset({"notification_id"}),
        _notifications,
    ),
    Kind("export", r"^/staff/exportaciones/", frozenset({"export_id"}), _exports),
    Kind("report", r"^/(staff|api/v1)/reports/", frozenset({"report_id"}), _reports),
    Kind(
        "report attachment",
        r"^/(staff|api/v1)/reports/",
        frozenset({"report_id", "attachment_id"}),
        _report_attachments,
    ),
    Kind("case", f"{_C}|{_API_C}", frozenset({"case_id"}), _cases),
    Kind(
        "case task",
        f"{_C}|{_API_C}",
        frozenset({"case_id", "task_id"}),
        _case_children("task_id", "cases.CaseTask"),
    ),
    Kind(
        "case document",
        f"{_C}|{_API_C}",
        frozenset({"case_id", "document_id"}),
        _case_children("document_id", "cases.CaseDocument"),
    ),
    # The public record's API read, before the staff petition routes under it.
    Kind(
        "public record (API)",
        r"^/api/v1/rrm/cases/\{case_id\}$",
        frozenset({"case_id"}),
        _public_rrm("case_id"),
    ),
    Kind(
        "petition",
        r"^/staff/rrm/\{case_id\}|^/api/v1/rrm/(staff/)?cases/\{case_id\}",
        frozenset({"case_id"}),
        _petitions,
    ),
    Kind(
        "petition document",
        r"^/staff/rrm/\{case_id\}",
        frozenset({"case_id", "document_id"}),
        _petition_documents,
    ),
    Kind("public record", r"^/rrm/\{slug\}/", frozenset({"slug"}), _public_rrm("slug")),
    Kind(
        "survey by code (workers)",
        r"^/encuesta/\{code\}/|^/api/v1/remediation/surveys/by-code/\{code\}",
        frozenset({"code"}),
        _survey_code,
    ),
    Kind(
        "retaliation check-in (workers)",
        r"^/seguimiento/represalias/|^/api/v1/intake/me/checkins/",
        frozenset({"checkin_id"}),
        _checkins,
    ),
    Kind(
        "facility",
        r"^/staff/facilities/\{facility_id\}/|^/api/v1/facilities/\{facility_id\}$",
        frozenset({"facility_id"}),
        _facilities,
    ),
    Kind(
        "facility import",
        r"^/staff/facilities/import/|^/api/v1/facilities/imports/",
        frozenset({"import_id"}),
        _registry_writers_only("import_id"),
    ),
    Kind(
        "review candidate",
        r"^/staff/facilities/review/",
        frozenset({"candidate_id"}),
        _registry_writers_only("candidate_id"),
    ),
    Kind(
        "course",
        r"^/api/v1/remediation/coverage/courses/",
        frozenset({"course_id"}),
        _courses("course_id"),
        extra_writer_routes=_EVIDENCE_ROUTES,
    ),
    Kind(
        "course",
        _COURSE,
        frozenset({"course_id"}),
        _courses("course_id"),
        extra_writer_routes=_EVIDENCE_ROUTES,
        full_read_routes=_FULL_READ,
    ),
    Kind(
        "course (API)",
        _PLAN,
        frozenset({"plan_id"}),
        _courses("plan_id"),
        extra_writer_routes=_EVIDENCE_ROUTES,
        full_read_routes=_FULL_READ,
    ),
    Kind(
        "course party",
        _COURSE,
        frozenset({"course_id", "party_id"}),
        _course_children("course_id", ("party_id", "remediation.CourseParty")),
    ),
    Kind(
        "measure",
        _COURSE,
        frozenset({"course_id", "measure_id"}),
        _course_children("course_id", ("measure_id", "remediation.Measure")),
        extra_writer_routes=_EVIDENCE_ROUTES,
    ),
    Kind(
        "measure (API)",
        _PLAN,
        frozenset({"plan_id", "measure_id"}),
        _course_children("plan_id", ("measure_id", "remediation.Measure")),
        extra_writer_routes=_EVIDENCE_ROUTES,
    ),
    Kind(
        "evidence",
        _COURSE,
        frozenset({"course_id", "measure_id", "evidence_id"}),
        _course_children(
            "course_id",
            ("measure_id", "remediation.Measure"),
            ("evidence_id", "remediation.Evidence"),
        ),
    ),
    Kind(
        "evidence (API)",
        _PLAN,
        frozenset({"plan_id", "measure_id", "evidence_id"}),
        _course_children(
            "plan_id",
            ("measure_id", "remediation.Measure"),
            ("evidence_id", "remediation.Evidence"),
        ),
    ),
    Kind(
        "measure (surveys)",
        r"^/staff/remediation/surveys/measures/|^/api/v1/remediation/measures/",
        frozenset({"measure_id"}),
        _measures_alone,
    ),
    Kind(
        "survey",
        r"^/staff/remediation/surveys/|^/api/v1/remediation/surveys/\{survey_id\}",
        frozenset({"survey_id"}),
        _course_object("survey_id", "remediation.Survey"),
    ),
    Kind(
        "facility roster",
        r"^/staff/remediation/training/facilities/|^/api/v1/remediation/rosters/\{facility_id\}",
        frozenset({"facility_id"}),
        _roster_facilities,
        extra_writer_routes=r".",
    ),
    Kind(
        "organisation roster",
        r"^/staff/remediation/training/organisations/|^/api/v1/remediation/rosters/organisations/",
        frozenset({"organisation_id"}),
        _roster_organisations,
    ),
    Kind(
        "roster person",
        r"^/staff/remediation/training/people/",
        frozenset({"person_id"}),
        _course_object("person_id", "Person"),
        extra_writer_routes=r".",
    ),
    Kind(
        "training session",
        r"^/staff/remediation/training/sessions/|^/api/v1/remediation/trainings/",
        frozenset({"session_id"}),
        _course_object("session_id", "TrainingSession"),
        extra_writer_routes=r"attendance",
    ),
    Kind(
        "sanctions proceeding",
        r"^/staff/remediation/training/sanctions/|^/api/v1/remediation/sanctions/",
        frozenset({"sanction_id"}),
        _course_object("sanction_id", "SanctionProceeding"),
    ),
    Kind("victim file", _FILE, frozenset({"file_id"}), _victim_files),
    Kind(
        "support action",
        _FILE,
        frozenset({"file_id", "action_id"}),
        _support_actions,
    ),
    Kind(
        "protection service",
        r"^/staff/proteccion/servicios/|^/api/v1/protection/services/",
        frozenset({"service_id"}),
        _protection_services,
    ),
    Kind(
        "consent",
        r"^/staff/proteccion/expedientes/|^/api/v1/protection/files/",
        frozenset({"file_id", "consent_id"}),
        _consents,
    ),
    Kind(
        "referral",
        r"^/staff/proteccion/canalizaciones/|^/api/v1/protection/referrals/",
        frozenset({"referral_id"}),
        _referrals,
    ),
    Kind(
        "screening",
        r"^/staff/proteccion/entrevistas/\{screening_id\}/"
        r"|^/api/v1/protection/screenings/\{screening_id\}",
        frozenset({"screening_id"}),
        _screenings,
        # Holding or dismissing the interview: a handler too, from their work.
        extra_writer_routes=r"\{screening_id\}/(descartar/)?$|/(conduct|dismiss)$",
        # Opening a file from it: the protection staff only.
        full_read_routes=r"/expediente/$|/file$",
    ),
    Kind(
        "organisation (directory)",
        r"^/api/v1/organisations/",
        frozenset({"organisation_id"}),
        _directory,
    ),
    Kind(
        "work group",
        r"^/staff/coordinacion/grupos/|^/api/v1/coordination/groups/",
        frozenset({"group_id"}),
        _coordination("group", "group_id"),
    ),
    Kind(
        "work plan (year)",
        r"^/staff/coordinacion/plan/",
        frozenset({"year"}),
        _coordination_plan_year,
    ),
    Kind(
        "work plan",
        r"^/api/v1/coordination/plans/",
        frozenset({"plan_id"}),
        _coordination("plan", "plan_id"),
    ),
    Kind(
        "work plan (year, API: progress, 4W, documents, coverage)",
        r"^/api/v1/coordination/plans/\{year\}/",
        frozenset({"year"}),
        _coordination_plan_year,
    ),
    Kind(
        "plan action",
        r"^/staff/coordinacion/acciones/|^/api/v1/coordination/actions/",
        frozenset({"action_id"}),
        _coordination("action", "action_id"),
    ),
    Kind(
        "plan indicator",
        r"^/api/v1/coordination/indicators/",
        frozenset({"indicator_id"}),
        _coordination("indicator", "indicator_id"),
    ),
    Kind(
        "progress update",
        r"^/staff/coordinacion/avances/|^/api/v1/coordination/updates/",
        frozenset({"update_id"}),
        _coordination("update", "update_id"),
    ),
    Kind(
        "meeting",
        r"^/staff/coordinacion/reuniones/|^/api/v1/coordination/meetings/",
        frozenset({"meeting_id"}),
        _coordination("meeting", "meeting_id"),
    ),
    Kind(
        "meeting agenda item",
        r"^/staff/coordinacion/reuniones/puntos/|^/api/v1/coordination/agenda-items/",
        frozenset({"item_id"}),
        _coordination("agenda_item", "item_id"),
    ),
    Kind(
        "meeting participant",
        r"^/api/v1/coordination/meeting-participants/",
        frozenset({"participant_id"}),
        _coordination("meeting_participant", "participant_id"),
    ),
    # Keeping the plan through its pages, periods, evidence (issue 17).
    Kind(
        "work group member",
        r"^/staff/coordinacion/grupos/|^/api/v1/coordination/groups/",
        frozenset({"group_id", "member_id"}),
        _coordination_members,
    ),
    Kind(
        "plan objective",
        r"^/staff/coordinacion/objetivos/",
        frozenset({"objective_id"}),
        _coordination("objective", "objective_id"),
    ),
    Kind(
        "plan indicator (page)",
        r"^/staff/coordinacion/indicadores/",
        frozenset({"indicator_id"}),
        _coordination("indicator", "indicator_id"),
    ),
    Kind(
        "indicator period",
        r"^/staff/coordinacion/periodos/|^/api/v1/coordination/periods/",
        frozenset({"period_id"}),
        _coordination("period", "period_id"),
    ),
    Kind(
        "update evidence",
        r"^/staff/coordinacion/evidencias/|^/api/v1/coordination/evidence/",
        frozenset({"evidence_id"}),
        _coordination("evidence", "evidence_id"),
    ),
]

# The Django admin: the platform superuser only; anyone else is sent to a login
# (302), as Django's admin does, rather than a 404.
ADMIN_PATTERN = r"^/staff/admin/"


def admin_kind(path: str, params: frozenset[str]) -> Kind:
    return Kind(
        "admin",
        ADMIN_PATTERN,
        params,
        _admin_objects(path),
        # A model the admin keeps read-only answers its delete page with 403.
        read_ok=frozenset({200, 302, 403}),
        refused=frozenset({302, 404}),
        skip_entitled_writes=True,
    )


# Path parameters that name no object: the admin's app index and catch-all.
NOT_OBJECT_IDS = {
    ("/staff/admin/", frozenset({"app_label"})): "the admin's index of one app",
    ("/staff/admin/", frozenset({"url"})): "the admin's catch-all (a redirect or 404)",
    ("/staff/cifras/tablas/", frozenset({"table"})): (
        "a staff dashboard table by its fixed name (reports_state, ...), no object:"
        " tests/analytics covers who reads it"
    ),
}


def kind_for(path: str, params: frozenset[str]) -> Kind | None:
    if re.search(ADMIN_PATTERN, path):
        return admin_kind(path, params)
    for kind in KINDS:
        if kind.matches(path, params):
            return kind
    return None


def model_named(name: str) -> Any:
    """A model by "app.Model", or by its class name alone in whichever app holds
    it now (models move between apps; the rule stays the same)."""
    from django.apps import apps

    if "." in name:
        return apps.get_model(name)
    found = [m for m in apps.get_models() if m.__name__ == name]
    assert len(found) == 1, f"no single model named {name}: {found}"
    return found[0]


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()
