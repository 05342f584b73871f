"""Analytics and transparency: staff dashboards, the map, exports, the public figures.

It reads every app and writes none of their tables: its own tables hold
aggregates materialised by the worker (so no page scans every report) and the
published snapshot of the public page.
"""
