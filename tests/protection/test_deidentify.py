"""The de-identified export's pure rules: bands, columns, k-anonymity by suppression."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remedia.core.errors import InvalidInput
from remedia.protection.deidentify import (
    COLUMNS,
    CONTROL_GROUPS,
    FileFacts,
    age_band,
    export_row,
    k_anonymise,
    k_check,
    majority_status,
)
from remedia.protection.vocabulary import (
    ControlMethod,
    ExploitationType,
    Gender,
    Recruitment,
    TraffickingStatus,
)

# --- Age bands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0--8"),
        (8, "0--8"),
        (9, "9--17"),
        (15, "9--17"),
        (17, "9--17"),
        (18, "18--20"),
        (20, "18--20"),
        (21, "21--23"),
        (23, "21--23"),
        (24, "24--26"),
        (26, "24--26"),
        (27, "27--29"),
        (29, "27--29"),
        (30, "30--38"),
        (38, "30--38"),
        (39, "39--47"),
        (47, "39--47"),
        (48, "48+"),
        (110, "48+"),
        (None, "unknown"),
    ],
)
def test_ages_fall_in_ctdcs_broad_bands_at_their_boundaries(
    age: int | None, band: str
) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("age", "status"), [(17, "Minor"), (18, "Adult"), (0, "Minor"), (None, "unknown")]
)
def test_majority_status_turns_at_18(age: int | None, status: str) -> None:
    assert majority_status(age) == status


# --- The row ----------------------------------------------------------------------------

GIRL_AT_NIGHT = FileFacts(
    year=2025,
    age=15,
    gender=Gender.FEMININE,
    citizenship="MX",
    exploitation_state="MX-PUE",
    trafficking_status=TraffickingStatus.POSSIBLE,
    exploitation_types=[ExploitationType.CHILD_LABOUR],
    control_methods=[
        ControlMethod.EXCESSIVE_WORKING_HOURS,
        ControlMethod.THREAT_OF_LAW_ENFORCEMENT,
    ],
    industry="C",
    recruitment=Recruitment.FAMILY,
)


def test_a_file_becomes_one_row_of_htcds_ctdc_codes() -> None:
    row = dict(zip(COLUMNS, export_row(GIRL_AT_NIGHT), strict=True))

    assert row["yearOfRegistration"] == 2025
    assert row["Datasource"] == "Case Management"
    assert row["gender"] == "Feminine"
    assert row["ageBroad"] == "9--17"
    assert row["majorityStatus"] == "Minor"
    assert row["citizenship"] == "MX"
    assert row["CountryOfExploitation"] == "MX"
    assert row["traffickingStatus"] == "PossibleVictimOfTrafficking"
    assert row["isChildLabour"] == 1
    assert row["isForcedLabour"] == 0
    assert row["typeOfLabour"] == "Manufacturing"
    assert row["meansOfControlExcessiveWorkingHours"] == 1
    # A threat of denunciation is counted with the threats
    assert row["meansOfControlThreats"] == 1
    assert row["meansOfControlDebtBondage"] == 0
    assert row["recruiterRelation"] == "Family"


def test_every_method_of_control_is_in_exactly_one_flag() -> None:
    for method in ControlMethod:
        holders = [name for name, group in CONTROL_GROUPS.items() if method in group]
        assert len(holders) == 1, method


def test_unknowns_and_malformed_codes_are_unknown_never_passed_through() -> None:
    # A citizenship typed as a formula, an undetermined status, no age, no place
    facts = replace(
        GIRL_AT_NIGHT,
        age=None,
        citizenship="=1",
        exploitation_state="",
        trafficking_status=TraffickingStatus.UNDETERMINED,
        recruitment=Recruitment.UNKNOWN,
        industry="",
    )
    row = dict(zip(COLUMNS, export_row(facts), strict=True))

    assert row["ageBroad"] == row["majorityStatus"] == "unknown"
    assert row["citizenship"] == "unknown"
    assert row["CountryOfExploitation"] == "unknown"
    assert row["traffickingStatus"] == "unknown"
    assert row["recruiterRelation"] == "unknown"
    assert row["typeOfLabour"] == "unknown"


def test_a_row_holds_only_codes_flags_and_the_year() -> None:
    # No free text and no date finer than the year: every cell is a known code,
    # a 0/1 flag or the four-digit year.
    row = export_row(GIRL_AT_NIGHT)
    year, *rest = row
    assert year == 2025
    for cell in rest:
        assert cell in (0, 1) or (isinstance(cell, str) and len(cell) <= 40)


# --- k ----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 0, -5, "1", "once", None, 1.5, True, 1001])
def test_k_below_2_or_not_a_whole_number_is_refused_on_the_field_k(k: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        k_check(k)
    assert refused.value.errors[0]["field"] == "k"


def test_k_of_1_is_refused_saying_why() -> None:
    with pytest.raises(InvalidInput) as refused:
        k_anonymise([], k=1)
    assert "al menos 2" in str(refused.value.errors[0]["reason"])


@pytest.mark.parametrize("k", [2, "11", 1000])
def test_k_from_2_to_1000_is_taken(k: object) -> None:
    assert k_check(k) == int(k)  # type: ignore[call-overload]


# --- Suppression --------------------------------------------------------------------------


def test_a_row_is_published_only_when_k_rows_share_all_its_values() -> None:
    # Given 3 identical files, 2 of another kind and one alone
    common = export_row(GIRL_AT_NIGHT)
    pair = export_row(replace(GIRL_AT_NIGHT, age=16, citizenship="GT"))
    alone = export_row(replace(GIRL_AT_NIGHT, year=2024))

    # When anonymised with k = 3
    result = k_anonymise([common, pair, common, alone, pair, common], k=3)

    # Then only the three identical rows go out; three are suppressed
    assert result.rows == [common, common, common]
    assert result.suppressed == 3
    assert result.classes == 1
    # And with k = 2 the pair goes out too
    assert sorted(k_anonymise([common, pair, common, pair, alone], k=2).rows) == (
        sorted([common, common, pair, pair])
    )


def test_rows_differing_in_one_flag_are_different_combinations() -> None:
    a = export_row(GIRL_AT_NIGHT)
    b = export_row(
        replace(
            GIRL_AT_NIGHT,
            control_methods=[*GIRL_AT_NIGHT.control_methods, ControlMethod.OTHER],
        )
    )
    assert k_anonymise([a, a, b], k=2).rows == [a, a]


def test_rows_come_out_sorted_not_in_the_order_files_were_opened() -> None:
    a = export_row(replace(GIRL_AT_NIGHT, year=2026))
    b = export_row(replace(GIRL_AT_NIGHT, year=2024))
    assert k_anonymise([a, b, a, b], k=2).rows == [b, b, a, a]


# --- Property: no exported combination below k --------------------------------------------

# Small domains, so that generated files are near duplicates of one another:
# many rows differ from another in a single column.
_FACTS = st.builds(
    FileFacts,
    year=st.sampled_from([2024, 2025]),
    age=st.sampled_from([None, 8, 9, 15, 17, 18, 30, 48]),
    gender=st.sampled_from([Gender.FEMININE, Gender.MASCULINE, Gender.UNKNOWN]),
    citizenship=st.sampled_from(["MX", "GT", ""]),
    exploitation_state=st.sampled_from(["MX-PUE", ""]),
    trafficking_status=st.sampled_from(list(TraffickingStatus)),
    exploitation_types=st.lists(
        st.sampled_from(
            [ExploitationType.FORCED_LABOUR, ExploitationType.CHILD_LABOUR]
        ),
        max_size=2,
    ),
    control_methods=st.lists(
        st.sampled_from(
            [
                ControlMethod.DEBT_BONDAGE,
                ControlMethod.WITHHOLDS_DOCUMENTS,
                ControlMethod.RESTRICTS_MOVEMENT,
                ControlMethod.PHYSICAL_ABUSE,
                ControlMethod.SEXUAL_ABUSE,
            ]
        ),
        max_size=2,
    ),
    industry=st.sampled_from(["C", "T"]),
    recruitment=st.sampled_from([Recruitment.FAMILY, Recruitment.EMPLOYER]),
)

# A few distinct files, each repeated, so that classes of every size occur.
_FILES = st.lists(
    st.tuples(_FACTS, st.integers(min_value=1, max_value=14)),
    min_size=1,
    max_size=25,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(
    files=_FILES,
    k=st.sampled_from([2, 3, 5, 11]),
)
def test_no_exported_combination_has_fewer_than_k_rows(
    files: list[tuple[FileFacts, int]], k: int
) -> None:
    rows = [export_row(facts) for facts, times in files for _ in range(times)]

    result = k_anonymise(rows, k=k)

    counts = Counter(result.rows)
    # No published combination (the whole row) occurs fewer than k times
    assert all(n >= k for n in counts.values())
    # Nothing is lost silently, and no row is altered or invented
    assert len(result.rows) + result.suppressed == len(rows)
    assert not counts - Counter(rows)
    # Suppression is no wider than needed: every class of k or more goes out whole
    for row, n in Counter(rows).items():
        assert counts[row] == (n if n >= k else 0)


@PROPERTY
@given(
    files=_FILES,
    k=st.sampled_from([2, 3, 11]),
    year=st.sampled_from([2024, 2025]),
    status=st.sampled_from(list(TraffickingStatus)),
)
def test_filtering_on_published_columns_only_selects_rows_of_the_full_export(
    files: list[tuple[FileFacts, int]], k: int, year: int, status: str
) -> None:
    # Given the files, and a filter on the year and the trafficking status
    # (how the export filters, before anonymising)
    every = [facts for facts, times in files for _ in range(times)]
    chosen = [f for f in every if f.year == year and f.trafficking_status == status]

    # When exported filtered, and unfiltered
    filtered = k_anonymise([export_row(f) for f in chosen], k=k).rows
    full = k_anonymise([export_row(f) for f in every], k=k).rows

    # Then the filtered export is exactly the matching rows of the full one: two
    # exports with different filters cannot be subtracted to single a file out
    matching = {export_row(f) for f in chosen}
    assert filtered == [row for row in full if row in matching]


def test_many_seeded_near_duplicate_files_for_several_k() -> None:
    # A plain seeded generator besides hypothesis: 3,000 files of a garment
    # workshops' world (few nationalities, a few methods of control), so that
    # classes of every size occur, exported at several k.
    rng = random.Random(20260916)
    rows = []
    for _ in range(3000):
        facts = FileFacts(
            year=rng.choice([2024, 2025]),
            age=rng.choice([None, 14, 15, 16, 17, 19, 25, 31, 40]),
            gender=rng.choice([Gender.FEMININE, Gender.MASCULINE]),
            citizenship=rng.choice(["MX", "MX", "MX", "GT", "HN"]),
            exploitation_state="MX-PUE",
            trafficking_status=rng.choice(
                [TraffickingStatus.POSSIBLE, TraffickingStatus.UNDETERMINED]
            ),
            exploitation_types=rng.sample(
                [ExploitationType.FORCED_LABOUR, ExploitationType.CHILD_LABOUR],
                rng.randint(0, 1),
            ),
            control_methods=rng.sample(
                [
                    ControlMethod.DEBT_BONDAGE,
                    ControlMethod.WITHHOLDS_DOCUMENTS,
                    ControlMethod.EXCESSIVE_WORKING_HOURS,
                    ControlMethod.TAKES_EARNINGS,
                ],
                rng.randint(0, 2),
            ),
            industry="C",
            recruitment=rng.choice([Recruitment.FAMILY, Recruitment.EMPLOYER]),
        )
        rows.append(export_row(facts))
    published = {}
    for k in (2, 3, 5, 11, 25):
        result = k_anonymise(rows, k=k)
        assert min(Counter(result.rows).values(), default=k) >= k
        assert len(result.rows) + result.suppressed == len(rows)
        published[k] = len(result.rows)
    # The world is such that each k publishes some rows and holds some back,
    # and a larger k never publishes more
    assert all(0 < published[k] < len(rows) for k in (2, 3, 5, 11))
    assert (
        published[2] >= published[3] >= published[5] >= published[11] >= (published[25])
    )
