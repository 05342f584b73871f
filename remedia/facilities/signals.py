"""Domain signals of the facility registry, for apps above it to react to.

`facilities` sits below `intake`, `cases`, `rrm` and `remediation` in the
dependency order (STYLE.md), so it cannot re-point their rows itself when two
records turn out to be the same facility. It announces the merge instead; each
app that holds a foreign key to `Facility` connects a receiver in its
AppConfig.ready and moves its own rows through its own service.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `facility_merge` inside its transaction, after `merge` is marked
# merged into `keep`, with keyword arguments `keep`, `merge` and `actor` (a
# User or None). Receivers run in the same transaction: if one raises, the
# whole merge rolls back, so no record is ever left half-merged with rows still
# pointing at the old one. A receiver may return a small dict of counts
# ({"reports": 3}); they go into the audit entry, never onto the page.
facility_merged = Signal()
