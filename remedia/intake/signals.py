"""Domain signals of the intake, for apps above it (cases, notifications) to react to.

Both are sent after the write has committed (`transaction.on_commit`), so a
receiver never sees a report or message that could still roll back, and a
failing receiver cannot undo what a reporter submitted.
"""

from __future__ import annotations

from django.dispatch import Signal

# `report` (the Report) and `organisation_ids` (the organisations it was routed to).
report_submitted = Signal()

# `message` (the Message), `report` and `author_kind` ("reporter" or "staff").
report_message_added = Signal()
