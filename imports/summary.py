"""The answer of ``POST /imports/``, ``GET /imports/{id}/`` and ``manage.py import_history``."""

from __future__ import annotations

from .models import HistoryImport


def import_summary(imp: HistoryImport) -> dict:
    return {
        "id": imp.pk,
        "status": imp.status,
        "rows": imp.rows,
        "imported": imp.imported,
        "skipped": imp.skipped,
        "errors": imp.errors,
        "error_count": imp.error_count,
        "dry_run": imp.dry_run,
        "format": imp.format,
        "file_name": imp.file_name,
        "last_line": imp.last_line,
        "period_start": imp.period_start.isoformat() if imp.period_start else None,
        "period_end": imp.period_end.isoformat() if imp.period_end else None,
        "failure": imp.failure,
    }
