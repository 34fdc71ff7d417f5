"""The Celery task behind ``POST /imports/`` (eager on the embedded defaults)."""

from __future__ import annotations

from celery import shared_task

from .models import HistoryImport, ImportStatus
from .service import import_run

#: an import runs for as long as its file needs, not the 60 s of an ordinary task; one stopped
#: anyway (a lost worker, the limit) resumes after its last committed batch when run again
TIME_LIMIT = 6 * 3600


@shared_task(name="imports.history_import_run", acks_late=True, soft_time_limit=TIME_LIMIT, time_limit=TIME_LIMIT + 60)
def history_import_run(import_id: int) -> None:
    """Run (or resume, after a worker was lost) the uploaded import ``import_id``."""
    imp = HistoryImport.objects.select_related("tenant").filter(pk=import_id).first()
    if imp is None or imp.status == ImportStatus.COMPLETED or not imp.file:
        return
    import_run(history_import=imp, path=imp.file.path)
