"""The protection app's models, one module per noun."""

from remedia.protection.models.consent import Consent
from remedia.protection.models.directory import Service
from remedia.protection.models.referrals import Referral, ReferralKeyGrant
from remedia.protection.models.screening import Screening, ScreeningKeyGrant
from remedia.protection.models.support import SupportAction
from remedia.protection.models.victim_file import (
    FileAssignment,
    FileKeyGrant,
    FileNote,
    FileNumber,
    VictimFile,
)

__all__ = [
    "Consent",
    "FileAssignment",
    "FileKeyGrant",
    "FileNote",
    "FileNumber",
    "Referral",
    "ReferralKeyGrant",
    "Screening",
    "ScreeningKeyGrant",
    "Service",
    "SupportAction",
    "VictimFile",
]
