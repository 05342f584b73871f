"""The de-identified export of victim files, in HTCDS 2.0 / CTDC columns. Pure.

What leaves Remedia is a table of coded values only: no name, no free text, no
date finer than the year, ages in CTDC's broad bands, no organisation or
facility. Each file becomes one row (`export_row`), and the rows are made
k-anonymous by suppression (`k_anonymise`): a row is published only if at
least k rows are identical to it.

**Every published column is a quasi-identifier.** The textbook split (a few
demographic columns as quasi-identifiers, the rest "sensitive" and free) does
not hold here: the adversary who matters most is the exploiter or recruiter,
who knows exactly how they recruited and controlled the person (the methods
of control, the type of exploitation, the recruiter's relation) as well as
the person's age, gender and nationality. A row unique on those columns tells
them that this person's case is in an assistance file, and when. So the
k-rule runs on the whole row, as CTDC's k-anonymisation treats every
published column; to keep rows from being suppressed needlessly, the columns
are generalised before counting: ages in bands, the year only, the 17 methods
of control collapsed into 9 flags, recruitment into CTDC's four relations,
industry into one word.

Because every column counts, filtering an export on a published column (the
year, the trafficking status) gives exactly the rows of the unfiltered export
that match: filters cannot be combined to single out a file (a differencing
attack). Filters on anything not published (a file's status, its worker) would
break that, so the export offers none. Rows come out sorted, never in the
order files were opened.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.kit import invalid
from remedia.protection.vocabulary import (
    CTDC_CONTROL,
    CTDC_EXPLOITATION,
    HTCDS_GENDER,
    HTCDS_TRAFFICKING_STATUS,
    ISIC_SECTIONS,
    ControlMethod,
    ExploitationType,
    Recruitment,
)

UNKNOWN = "unknown"
K_MIN = 2
K_MAX = 1000

# CTDC's `ageBroad` bands (low, high inclusive; None = open), with its labels.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 8, "0--8"),
    (9, 17, "9--17"),
    (18, 20, "18--20"),
    (21, 23, "21--23"),
    (24, 26, "24--26"),
    (27, 29, "27--29"),
    (30, 38, "30--38"),
    (39, 47, "39--47"),
    (48, None, "48+"),
)
ADULT_AGE = 18

# The 17 methods of control (HTCDS field definitions) collapsed into 9 flags.
# A method that garment workshops use often and that tells something on its
# own keeps its CTDC column; the rest are merged so that rare combinations do
# not suppress the row. The merged flags' names are Remedia's.
CONTROL_GROUPS: dict[str, frozenset[str]] = {
    CTDC_CONTROL[ControlMethod.DEBT_BONDAGE]: frozenset({ControlMethod.DEBT_BONDAGE}),
    CTDC_CONTROL[ControlMethod.TAKES_EARNINGS]: frozenset(
        {ControlMethod.TAKES_EARNINGS, ControlMethod.RESTRICTS_FINANCIAL_ACCESS}
    ),
    CTDC_CONTROL[ControlMethod.THREATS]: frozenset(
        {ControlMethod.THREATS, ControlMethod.THREAT_OF_LAW_ENFORCEMENT}
    ),
    "meansOfControlAbuse": frozenset(
        {
            ControlMethod.PSYCHOLOGICAL_ABUSE,
            ControlMethod.PHYSICAL_ABUSE,
            ControlMethod.SEXUAL_ABUSE,
            ControlMethod.PSYCHOACTIVE_SUBSTANCES,
        }
    ),
    CTDC_CONTROL[ControlMethod.FALSE_PROMISES]: frozenset(
        {ControlMethod.FALSE_PROMISES}
    ),
    CTDC_CONTROL[ControlMethod.RESTRICTS_MOVEMENT]: frozenset(
        {ControlMethod.RESTRICTS_MOVEMENT}
    ),
    CTDC_CONTROL[ControlMethod.EXCESSIVE_WORKING_HOURS]: frozenset(
        {ControlMethod.EXCESSIVE_WORKING_HOURS}
    ),
    CTDC_CONTROL[ControlMethod.WITHHOLDS_DOCUMENTS]: frozenset(
        {ControlMethod.WITHHOLDS_DOCUMENTS}
    ),
    CTDC_CONTROL[ControlMethod.OTHER]: frozenset(
        {
            ControlMethod.RESTRICTS_MEDICAL_CARE,
            ControlMethod.USES_CHILDREN,
            ControlMethod.WITHHOLDS_NECESSITIES,
            ControlMethod.OTHER,
        }
    ),
}

# CTDC's recruiter relations; an employer, an agency or an advert are "Other".
RECRUITER_RELATION: dict[str, str] = {
    Recruitment.INTIMATE_PARTNER: "IntimatePartner",
    Recruitment.FAMILY: "Family",
    Recruitment.FRIEND: "Friend",
    Recruitment.EMPLOYER: "Other",
    Recruitment.RECRUITMENT_AGENCY: "Other",
    Recruitment.ONLINE: "Other",
    Recruitment.OTHER: "Other",
}

# The ISIC section as CTDC's `typeOfLabour…` word (one column, one value).
TYPE_OF_LABOUR = {
    "A": "Agriculture",
    "C": "Manufacturing",
    "F": "Construction",
    "I": "Hospitality",
    "T": "DomesticWork",
}

EXPLOITATION_COLUMNS = tuple(CTDC_EXPLOITATION[t] for t in ExploitationType)
CONTROL_COLUMNS = tuple(CONTROL_GROUPS)

COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    "traffickingStatus",
    *EXPLOITATION_COLUMNS,
    "typeOfLabour",
    *CONTROL_COLUMNS,
    "recruiterRelation",
)

DATASOURCE = "Case Management"
# The vocabulary's HTCDS maps, looked up by the stored code.
_GENDER: dict[str, str] = {str(code): value for code, value in HTCDS_GENDER.items()}
_TRAFFICKING: dict[str, str] = {
    str(code): value for code, value in HTCDS_TRAFFICKING_STATUS.items()
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")

Row = tuple[str | int, ...]


@dataclass(frozen=True)
class FileFacts:
    """The coded fields of one file that the export reads; nothing else."""

    year: int
    age: int | None
    gender: str
    citizenship: str
    exploitation_state: str
    trafficking_status: str
    exploitation_types: Sequence[str]
    control_methods: Sequence[str]
    industry: str
    recruitment: str


@dataclass(frozen=True)
class Anonymised:
    """The rows published (sorted), and how many were held back."""

    rows: list[Row]
    suppressed: int

    @property
    def classes(self) -> int:
        """How many distinct rows (equivalence classes) were published."""
        return len(set(self.rows))


def age_band(age: int | None) -> str:
    """CTDC's broad band of an age in years; "unknown" when not known."""
    if age is None or age < 0:
        return UNKNOWN
    for low, high, label in AGE_BANDS:
        if low <= age and (high is None or age <= high):
            return label
    return UNKNOWN  # pragma: no cover (the last band is open)


def majority_status(age: int | None) -> str:
    if age is None or age < 0:
        return UNKNOWN
    return "Adult" if age >= ADULT_AGE else "Minor"


def _country(code: str) -> str:
    code = (code or "").strip().upper()
    return code if _COUNTRY.match(code) else UNKNOWN


def _flag(held: Iterable[str], wanted: Iterable[str]) -> int:
    return int(bool(set(held) & set(wanted)))


def export_row(facts: FileFacts) -> Row:
    """One file as a row of `COLUMNS`: codes and 0/1 flags, no free text."""
    exploitation = [str(t) for t in facts.exploitation_types or ()]
    control = [str(m) for m in facts.control_methods or ()]
    industry = (facts.industry or "").strip().upper()
    row: list[str | int] = [
        int(facts.year),
        DATASOURCE,
        _GENDER.get(facts.gender, _GENDER["unknown"]),
        age_band(facts.age),
        majority_status(facts.age),
        _country(facts.citizenship),
        "MX" if facts.exploitation_state else UNKNOWN,
        _TRAFFICKING.get(facts.trafficking_status, UNKNOWN),
        *(_flag(exploitation, [t]) for t in ExploitationType),
        TYPE_OF_LABOUR.get(industry, "Other" if industry in ISIC_SECTIONS else UNKNOWN),
        *(_flag(control, CONTROL_GROUPS[c]) for c in CONTROL_COLUMNS),
        RECRUITER_RELATION.get(facts.recruitment, UNKNOWN),
    ]
    return tuple(row)


def k_check(k: Any) -> int:
    """k as an integer from K_MIN to K_MAX, or `InvalidInput` on "k"."""
    if isinstance(k, bool):
        k = None
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise invalid(
            "k",
            _("Escriba k como número entero (de %(low)s a %(high)s).")
            % {"low": K_MIN, "high": K_MAX},
        ) from None
    if value < K_MIN:
        raise invalid(
            "k",
            _(
                "k debe ser al menos %(low)s: con k = 1 una fila podría ser una "
                "sola persona."
            )
            % {"low": K_MIN},
        )
    if value > K_MAX:
        raise invalid("k", _("k no puede pasar de %(high)s.") % {"high": K_MAX})
    return value


def k_anonymise(rows: Iterable[Row], *, k: int) -> Anonymised:
    """The rows that at least `k` rows share entirely, sorted; the rest counted.

    Suppression only: a row is published whole or not at all, and nothing in
    a published row is changed.
    """
    k = k_check(k)
    counts = Counter(rows)
    kept = sorted(
        (row for row, n in counts.items() if n >= k for _ in range(n)),
        key=lambda row: tuple(str(v) for v in row),
    )
    suppressed = sum(n for n in counts.values() if n < k)
    return Anonymised(rows=kept, suppressed=suppressed)
