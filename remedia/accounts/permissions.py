"""Roles, what each may do, and which roles must use a second factor.

Rights are granted per organisation: a membership gives one user one role in
one organisation, and every capability it brings is bounded by that
organisation. A platform superuser manages accounts but reads no case content
unless given a membership like anyone else.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    PUBLIC = "public", _("Sector público")
    PRIVATE = "private", _("Sector privado")
    CIVIL_SOCIETY = "civil_society", _("Sociedad civil")
    UNION = "union", _("Sindicato")
    INTERNATIONAL = "international", _("Organismo internacional")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administración")
    HANDLER = "handler", _("Gestión de casos")
    ANALYST = "analyst", _("Análisis de peticiones")
    MONITOR = "monitor", _("Monitoreo de remediación")
    FACILITY_OFFICER = "facility_officer", _("Cumplimiento del centro de trabajo")
    PROTECTION = "protection", _("Protección de víctimas")
    PROTECTION_LEAD = "protection_lead", _("Supervisión de protección")
    COORDINATOR = "coordinator", _("Coordinación")


class Capability(StrEnum):
    ORGANISATION_MANAGE = "organisation.manage"
    AUDIT_READ = "audit.read"
    REPORT_READ = "report.read"
    REPORT_MANAGE = "report.manage"
    CASE_READ = "case.read"
    CASE_WRITE = "case.write"
    FACILITY_READ = "facility.read"
    FACILITY_WRITE = "facility.write"
    PETITION_READ = "petition.read"
    PETITION_WRITE = "petition.write"
    REMEDIATION_READ = "remediation.read"
    REMEDIATION_WRITE = "remediation.write"
    EVIDENCE_SUBMIT = "evidence.submit"
    PROTECTION_READ = "protection.read"
    PROTECTION_WRITE = "protection.write"
    # Reads every victim file of the organisation (the assigned workers'
    # supervisor) and assigns workers to files.
    PROTECTION_SUPERVISE = "protection.supervise"
    # Refers or exports without the consent it needs, with a reason (audited).
    CONSENT_OVERRIDE = "protection.consent_override"
    COORDINATION_READ = "coordination.read"
    COORDINATION_WRITE = "coordination.write"
    ANALYTICS_READ = "analytics.read"


_ALL_STAFF = {Capability.FACILITY_READ, Capability.COORDINATION_READ}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        _ALL_STAFF
        | {
            Capability.ORGANISATION_MANAGE,
            Capability.AUDIT_READ,
            Capability.ANALYTICS_READ,
            # The registry is shared data the operator keeps: importing lists
            # and settling the review queue, never case content.
            Capability.FACILITY_WRITE,
        }
    ),
    Role.HANDLER: frozenset(
        _ALL_STAFF
        | {
            Capability.REPORT_READ,
            Capability.REPORT_MANAGE,
            Capability.CASE_READ,
            Capability.CASE_WRITE,
            Capability.FACILITY_WRITE,
            Capability.ANALYTICS_READ,
        }
    ),
    Role.ANALYST: frozenset(
        _ALL_STAFF
        | {
            Capability.PETITION_READ,
            Capability.PETITION_WRITE,
            Capability.REMEDIATION_READ,
            Capability.ANALYTICS_READ,
        }
    ),
    Role.MONITOR: frozenset(
        _ALL_STAFF
        | {
            Capability.REMEDIATION_READ,
            Capability.REMEDIATION_WRITE,
            Capability.ANALYTICS_READ,
        }
    ),
    # Sees the measures it must evidence, never anything that could identify a
    # reporter.
    Role.FACILITY_OFFICER: frozenset(
        {Capability.FACILITY_READ, Capability.EVIDENCE_SUBMIT}
    ),
    Role.PROTECTION: frozenset(
        _ALL_STAFF
        | {
            Capability.REPORT_READ,
            Capability.REPORT_MANAGE,
            Capability.PROTECTION_READ,
            Capability.PROTECTION_WRITE,
        }
    ),
    # Supervises the protection workers: reads every file of the organisation,
    # assigns them, and alone may override a missing consent.
    Role.PROTECTION_LEAD: frozenset(
        _ALL_STAFF
        | {
            Capability.REPORT_READ,
            Capability.REPORT_MANAGE,
            Capability.PROTECTION_READ,
            Capability.PROTECTION_WRITE,
            Capability.PROTECTION_SUPERVISE,
            Capability.CONSENT_OVERRIDE,
        }
    ),
    Role.COORDINATOR: frozenset(
        _ALL_STAFF
        | {
            Capability.COORDINATION_WRITE,
            Capability.REMEDIATION_READ,
            Capability.ANALYTICS_READ,
        }
    ),
}

# Every role that can read reports, victim files, petitions or account data
# must log in with a second factor. A facility officer reads only its own
# facility's measures; it may enrol, and is then asked for the code too.
SECOND_FACTOR_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.HANDLER,
        Role.ANALYST,
        Role.MONITOR,
        Role.PROTECTION,
        Role.PROTECTION_LEAD,
        Role.COORDINATOR,
    }
)


# Capabilities that open content sealed to a user's key (report and case keys
# are granted to these roles' members). Only organisations where the user holds
# such a role keep an escrow copy of the user's key (issue 15.2).
SEALED_CONTENT_CAPABILITIES = frozenset(
    {Capability.REPORT_READ, Capability.CASE_READ, Capability.PROTECTION_READ}
)


def capabilities_of(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability) -> set[str]:
    """The roles that bring `capability` (for finding who may read a report)."""
    return {role for role, caps in ROLE_CAPABILITIES.items() if capability in caps}


def sealed_content_roles() -> set[str]:
    """The roles whose members hold sealed copies of report or case keys."""
    return {
        role
        for role, caps in ROLE_CAPABILITIES.items()
        if caps & SEALED_CONTENT_CAPABILITIES
    }
