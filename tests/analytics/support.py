"""Generated data for the analytics tests: many reports and cases, written
straight to the tables (the tallies read metadata only, never content)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from typing import Any

from django.utils import timezone

from remedia.accounts.models import Organisation
from remedia.cases.models import Case, CaseCategory, CaseStatus
from remedia.facilities.models import Facility
from remedia.intake.categories import Category
from remedia.intake.models import Channel, Report, ReportCategory, ReportRecipient

STATES = ("MX-AGU", "MX-PUE", "MX-JAL", "MX-CMX", "MX-NLE")
DAY = 86400


def month_start(months_ago: int) -> dt.datetime:
    today = timezone.now().replace(day=15, hour=12, minute=0, second=0, microsecond=0)
    year, month = today.year, today.month - months_ago
    while month < 1:
        month += 12
        year -= 1
    return today.replace(year=year, month=month)


def generate(
    *,
    organisations: list[Organisation],
    facilities: list[Facility],
    reports: int = 300,
    cases: int = 120,
    seed: int = 18,
) -> None:
    rng = random.Random(seed)
    categories = list(Category.values)
    # A fixed list, not Channel.values: a channel added later must not change
    # what a seed generates (the filters' expectations are written for it).
    channels = [
        Channel.WEB,
        Channel.API,
        Channel.VOICE,
        Channel.SMS,
        Channel.WHATSAPP,
        Channel.EMAIL,
    ]
    rows = [
        Report(
            channel=rng.choice(channels),
            state=rng.choice(STATES) if rng.random() > 0.1 else "",
            facility=rng.choice([*facilities, None]),
            public_key=b"k",
            content=b"c",
            receipt_lookup=uuid.uuid4().bytes,
            reporter_wrapped_key=b"w",
        )
        for _ in range(reports)
    ]
    Report.objects.bulk_create(rows)
    by_month: dict[int, list[Any]] = defaultdict(list)
    recipients, cats = [], []
    for report in rows:
        by_month[rng.randrange(6)].append(report.pk)
        for org in rng.sample(
            organisations, min(len(organisations), rng.choice([1, 1, 2]))
        ):
            recipients.append(
                ReportRecipient(report=report, organisation=org, purpose="default")
            )
        for code in rng.sample(categories, rng.choice([0, 1, 2, 3])):
            cats.append(ReportCategory(report=report, code=code))
    ReportRecipient.objects.bulk_create(recipients)
    ReportCategory.objects.bulk_create(cats)
    for ago, pks in by_month.items():
        Report.objects.filter(pk__in=pks).update(created_at=month_start(ago))
    now = timezone.now()
    case_rows = []
    statuses = list(CaseStatus.values)
    for i in range(cases):
        received = month_start(rng.randrange(6))

        def seconds() -> int | None:
            return (
                None
                if rng.random() < 0.3
                else rng.choice(
                    [
                        1,
                        30 * DAY,
                        31 * DAY,
                        90 * DAY,
                        91 * DAY,
                        180 * DAY,
                        181 * DAY,
                        400 * DAY,
                    ]
                )
            )

        status = rng.choice(statuses)
        case_rows.append(
            Case(
                number=f"T{seed}-{i:05d}",
                organisation=rng.choice(organisations),
                status=status,
                closure_reason="other" if status == CaseStatus.CLOSED else "",
                facility=rng.choice([*facilities, None]),
                public_key=b"k",
                received_at=received,
                acknowledge_due_at=received,
                first_response_due_at=received,
                resolution_due_at=received,
                next_due_at=rng.choice(
                    [None, now - dt.timedelta(days=2), now + dt.timedelta(days=2)]
                ),
                acknowledge_seconds=seconds(),
                first_response_seconds=seconds(),
                resolution_seconds=seconds(),
            )
        )
    Case.objects.bulk_create(case_rows)
    CaseCategory.objects.bulk_create(
        CaseCategory(case=case, code=code)
        for case in case_rows
        for code in rng.sample(categories, rng.choice([0, 1, 2]))
    )
