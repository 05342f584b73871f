"""Supplier lists full of near-identical names (issue 20): rows of one file
never settle on each other, and re-importing any file changes nothing, however
the registry has grown since and whatever was decided in the review queue.

The lists come from `supplier_lists.supplier_list`, which says which facility
each row is; 2,000 rows keep each test to a few seconds (the 100,000-row run
is by hand, see docs/operations.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from remedia.facilities import importing, services
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityImport,
    FacilityMatchCandidate,
    FacilitySearchToken,
    ImportedRow,
    MatchDecision,
)
from tests.facilities import supplier_lists
from tests.facilities.import_support import run_import
from tests.facilities.supplier_lists import SupplierList, as_xlsx, encode

pytestmark = pytest.mark.django_db

ROWS = 2000


def _counts(imp: FacilityImport) -> dict[str, int]:
    return {
        "created": imp.created_count,
        "matched": imp.matched_count,
        "updated": imp.updated_count,
        "review": imp.review_count,
        "rejected": imp.rejected_count,
    }


def _snapshot() -> dict[str, Any]:
    """Everything an import may write, as it stands."""
    return {
        "facilities": dict(
            Facility.objects.values_list("pk", "updated_at").order_by("pk")
        ),
        "events": FacilityEvent.objects.count(),
        "aliases": FacilityAlias.objects.count(),
        "tokens": FacilitySearchToken.objects.count(),
        "candidates": sorted(
            FacilityMatchCandidate.objects.values_list("pk", "status", "updated_at")
        ),
        "decisions": MatchDecision.objects.count(),
        "imported_rows": ImportedRow.objects.count(),
    }


def _placed(listing: SupplierList, outcomes: list[importing.RowOutcome]):
    """Facility (public id) → the facilities of the list whose rows went there
    (not counting rows put to a person)."""
    where: dict[str, set[int]] = defaultdict(set)
    for outcome in outcomes:
        if outcome.action != "review":
            where[outcome.facility].add(listing.truth[outcome.row - 2])
    return where


@pytest.fixture(scope="module")
def listing() -> SupplierList:
    return supplier_lists.supplier_list(ROWS, seed=20)


def test_the_generator_makes_near_identical_names_in_one_town(listing):
    # A test that could not fail is worse than none: the list must really hold
    # families of names one word apart in one municipality, repeats and twins.
    by_town: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in listing.rows:
        by_town[(row["state"][-3:], row["municipality"])].append(row["name"])
    assert any(
        f"{a} Norte" in by_town[town] for town, found in by_town.items() for a in found
    )
    assert len(listing.restated) > 20
    assert len(listing.homonyms) > 5
    assert listing.facilities < ROWS
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        data = encode(listing.rows, encoding=encoding)
        assert importing.parse(data=data, file_name="l.csv").total == ROWS


def test_first_import_keeps_every_facility_apart(listing):
    # Given a new list of near-identical names, into an empty registry
    outcomes: list[importing.RowOutcome] = []

    # When it is imported
    imp = run_import(encode(listing.rows), outcomes=outcomes)

    # Then no facility holds rows of two facilities of the list, nothing was
    # "updated", a repeated row made no second facility, and a twin of the
    # same name in the same town was put to a person, not merged
    counts = _counts(imp)
    assert counts["updated"] == 0
    assert counts["rejected"] == 0
    joined = {pid: f for pid, f in _placed(listing, outcomes).items() if len(f) > 1}
    assert joined == {}
    created = Facility.objects.count()
    assert created == counts["created"]
    asked = {listing.truth[o.row - 2] for o in outcomes if o.action == "review"}
    assert created + len(asked) == listing.facilities
    by_row = {o.row - 2: o for o in outcomes}
    twins = {listing.truth[i] for i in listing.homonyms}
    assert all(
        by_row[i].action == "matched"
        for i in listing.restated
        if listing.truth[i] not in twins
    )
    assert {by_row[i].how for i in listing.homonyms} == {"in_file"}
    # and a twin keeps its own values: the facility it was put next to did not
    # take them
    twin = next(iter(listing.homonyms))
    facility = Facility.objects.get(public_id=by_row[twin].facility)
    assert facility.address != listing.rows[twin]["address"]


@pytest.mark.parametrize(
    "again",
    ["same", "cp1252", "bom-semicolons-spanish", "xlsx", "shuffled"],
)
def test_reimporting_the_list_in_any_form_changes_nothing(listing, again):
    # Given the list imported once
    first = run_import(encode(listing.rows))
    before = _snapshot()
    data = {
        "same": lambda: encode(listing.rows),
        "cp1252": lambda: encode(listing.rows, encoding="cp1252"),
        "bom-semicolons-spanish": lambda: encode(
            listing.rows, encoding="utf-8-sig", delimiter=";", spanish=True
        ),
        "xlsx": lambda: as_xlsx(listing.rows),
        "shuffled": lambda: encode(listing.shuffled(7).rows),
    }[again]()
    name = "lista.xlsx" if again == "xlsx" else "lista.csv"

    # When it is imported again, as a dry run and for real
    dry = run_import(data, file_name=name, dry_run=True)
    real = run_import(data, file_name=name)

    # Then nothing is created, updated or asked anew, and nothing is written
    expected = {
        "created": 0,
        "matched": ROWS - first.review_count,
        "updated": 0,
        "review": first.review_count,
        "rejected": 0,
    }
    assert _counts(dry) == expected
    assert _counts(real) == expected
    assert _snapshot() == before


def test_rows_in_review_stay_there_however_the_registry_grows(monkeypatch):
    # Given one state's registry from another source, and a new list of the
    # same towns, imported: some rows go to review
    monkeypatch.setattr(
        supplier_lists, "STATES", {"MX-PUE": supplier_lists.STATES["MX-PUE"]}
    )
    run_import(encode(supplier_lists.supplier_list(300, seed=99).rows))
    listing = supplier_lists.supplier_list(ROWS, seed=21)
    data = encode(listing.rows)
    outcomes: list[importing.RowOutcome] = []
    first = run_import(data, outcomes=outcomes)
    assert first.review_count > 20

    # then no facility of the registry took rows of two facilities of the list
    joined = {pid: f for pid, f in _placed(listing, outcomes).items() if len(f) > 1}
    assert joined == {}
    reviewed = {o.row for o in outcomes if o.action == "review"}

    # When the registry grows by a third list of near names, then the second
    # list is imported again
    run_import(encode(supplier_lists.supplier_list(800, seed=5).rows))
    before = _snapshot()
    again_outcomes: list[importing.RowOutcome] = []
    again = run_import(data, outcomes=again_outcomes)

    # Then nothing changes: the rows in review are still there, not created
    assert _counts(again)["created"] == 0
    assert _counts(again)["updated"] == 0
    assert {o.row for o in again_outcomes if o.action == "review"} == reviewed
    assert _snapshot() == before


def test_decided_reviews_are_not_asked_again_nor_undone(listing, handler):
    # Given a list imported, with its questions answered: one confirmed, the
    # others rejected (each a facility of its own)
    data = encode(listing.rows)
    run_import(data)
    pending = FacilityMatchCandidate.objects.filter(status=CandidateStatus.PENDING)
    assert pending.count() >= 2
    confirmed = pending.order_by("row_number").first()
    assert confirmed is not None
    services.candidate_confirm(candidate=confirmed, user=handler)
    for candidate in FacilityMatchCandidate.objects.filter(
        status=CandidateStatus.PENDING
    ):
        candidate.refresh_from_db()
        if candidate.status == CandidateStatus.PENDING:
            services.candidate_reject(candidate=candidate, user=handler)
    before = _snapshot()

    # When the list is imported again
    again = run_import(data)

    # Then every row is where the decisions put it and nothing is written
    assert _counts(again) == {
        "created": 0,
        "matched": ROWS,
        "updated": 0,
        "review": 0,
        "rejected": 0,
    }
    assert _snapshot() == before


def test_a_changed_row_still_updates_its_facility(listing):
    # Given the list imported once
    run_import(encode(listing.rows))
    rows = [dict(r) for r in listing.rows]
    # (a facility the list names once: a repeated row would still say the old)
    once = [t for t in set(listing.truth) if listing.truth.count(t) == 1]
    first = listing.truth.index(min(once))
    facility = Facility.objects.get(
        name=rows[first]["name"], municipality=rows[first]["municipality"]
    )

    # When a later version of the list gives another number of workers
    rows[first]["workers"] = "777"
    again = run_import(encode(rows))

    # Then that facility, and only that one, is updated
    assert _counts(again)["updated"] == 1
    assert _counts(again)["created"] == 0
    facility.refresh_from_db()
    assert facility.workers == 777
