"""The jobs that make an attempt, queued through `core.jobqueue` (kept in the
database while the queue's storage is down)."""

from __future__ import annotations

from typing import Any

from huey.contrib.djhuey import db_task

from remedia.integrations.delivery import delivery_attempt


@db_task()
def webhook_deliver(delivery_id: Any) -> bool:
    return delivery_attempt(delivery_id) is not None


@db_task()
def webhook_redeliver(delivery_id: Any) -> bool:
    return delivery_attempt(delivery_id, manual=True) is not None
