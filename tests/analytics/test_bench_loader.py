"""The dashboard bench loads reports with raw SQL (bench/analytics.py): a column
added to the report model as NOT NULL must be in that SQL, or `make bench`
fails after minutes of set-up (as it did when `partner_channel` came)."""

from __future__ import annotations

from bench.analytics import REPORT_COLUMNS
from remedia.intake.models import Report


def test_the_dashboard_bench_writes_every_column_a_report_requires():
    required = {
        field.column for field in Report._meta.concrete_fields if not field.null
    }
    missing = required - set(REPORT_COLUMNS)
    assert not missing, f"bench/analytics.py's INSERT lacks {sorted(missing)}"
    unknown = set(REPORT_COLUMNS) - {f.column for f in Report._meta.concrete_fields}
    assert not unknown, f"bench/analytics.py writes columns reports lack: {unknown}"
