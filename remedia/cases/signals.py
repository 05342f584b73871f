"""Domain signals of case management, for apps above it (protection) to react to.

Sent after the write has committed (`transaction.on_commit`), as the intake's
are (`intake/signals.py`): a receiver never sees a case that could still roll
back, and it cannot undo the handler's change. A receiver that has work to do
queues a job rather than doing it in the handler's request.
"""

from __future__ import annotations

from django.dispatch import Signal

# `case`, `report_ids` (the reports that joined it, as ids) and `opened` (True
# when the case was opened with them, False when they joined an open case).
case_reports_joined = Signal()

# `case` and `added` (the category codes the case gained by a handler's edit).
case_categories_added = Signal()
