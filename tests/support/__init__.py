"""The test kit: the pytest plugin, shared fixtures and helpers (no tests here)."""
