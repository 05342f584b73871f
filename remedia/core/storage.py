"""Where stored files live: folders under ``DATA_DIR``, never a public one."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def data_subdir(name: str) -> Path:
    """``DATA_DIR/name``, made on first use (attachments, documents, evidence)."""
    path = Path(settings.DATA_DIR) / name
    path.mkdir(parents=True, exist_ok=True)
    return path
