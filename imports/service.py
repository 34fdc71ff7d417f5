"""``import_run``: a history file imported in batches, resumable, idempotent.

The file is read one record at a time (constant memory). Each row is checked fully
(``rows.row_check``) before its batch is written; a bad row is reported with its line and
field and never stops the import. A batch (``BATCH_ROWS`` rows) is written in one transaction
together with the import's counters and the last line it covers, so an interrupted import
resumes after its last committed batch when run again on the same file (same SHA-256), and a
batch is never half-written. Rows already imported (their key in ``ImportedRow``) are skipped:
the same file twice imports nothing new.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator

from django.db import transaction
from django.utils import timezone

from crm.models import Channel, ChannelKind, Tenant

from .models import MAX_ERRORS_KEPT, HistoryImport, ImportFormat, ImportStatus
from .rows import Row, RowError, read_rows, row_check
from .writer import BatchWriter

BATCH_ROWS = 1000
HASH_CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def format_guess(path: str) -> str:
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    return {"json": ImportFormat.JSONL, "ndjson": ImportFormat.JSONL, "jsonl": ImportFormat.JSONL}.get(
        ext, ImportFormat.MBOX if ext in ("mbox", "mbx") else ImportFormat.CSV
    )


def import_prepare(
    *, tenant: Tenant, path: str, fmt: str, dry_run: bool = False, by: str = "", file_name: str = ""
) -> HistoryImport:
    """The import to run for this file: the unfinished one of the same file (resumed), or a
    new one. A dry run is always new and never resumed."""
    sha = file_sha256(path)
    if not dry_run:
        unfinished = (
            HistoryImport.objects.filter(tenant=tenant, file_sha256=sha, dry_run=False)
            .exclude(status=ImportStatus.COMPLETED)
            .order_by("-created_at", "-pk")
            .first()
        )
        if unfinished is not None:
            return unfinished
    return HistoryImport.objects.create(
        tenant=tenant,
        file_name=(file_name or os.path.basename(path))[:255],
        file_sha256=sha,
        format=fmt,
        dry_run=dry_run,
        created_by=by[:200],
    )


def tenant_channels(tenant: Tenant) -> dict[str, Channel]:
    """The channel each kind's rows are stored on: the tenant's enabled one first, oldest first."""
    out: dict[str, Channel] = {}
    for channel in Channel.objects.filter(tenant=tenant).order_by("-enabled", "pk"):
        out.setdefault(channel.kind, channel)
    return out


def _records(path: str, fmt: str, channels: dict[str, Channel]) -> Iterator[tuple[int, dict | None, str, list]]:
    if fmt == ImportFormat.MBOX:
        from .mbox import read_mails

        email = channels.get(ChannelKind.EMAIL)
        own = (
            {c.address.lower() for c in Channel.objects.filter(tenant_id=email.tenant_id, kind="email")}
            if email
            else set()
        )
        yield from read_mails(path, own_addresses=own - {""})
        return
    with open(path, "rb") as stream:
        for line, fields, problem in read_rows(stream, fmt):
            yield line, fields, problem, []


def _progress(enabled: bool):
    from tqdm import tqdm

    return tqdm(unit=" rows", disable=not enabled, mininterval=0.5)


class _Run:
    def __init__(self, history_import: HistoryImport, writer: BatchWriter) -> None:
        self.imp, self.writer = history_import, writer
        self.batch: list[Row] = []
        self.errors: list[dict] = []

    def error(self, line: int, field: str, message: str) -> None:
        self.errors.append({"line": line, "field": field, "message": message})

    def flush(self, line: int) -> None:
        imp = self.imp
        fresh = self.writer.fresh(self.batch)
        with transaction.atomic():
            if not imp.dry_run:
                self.writer.write(fresh)
            imp.imported += len(fresh)
            imp.skipped += len(self.batch) - len(fresh)
            imp.error_count += len(self.errors)
            room = MAX_ERRORS_KEPT - len(imp.errors)
            imp.errors = imp.errors + self.errors[: max(0, room)]
            imp.last_line = line
            for r in fresh:
                imp.period_start = min(filter(None, [imp.period_start, r.occurred_at]))
                imp.period_end = max(filter(None, [imp.period_end, r.occurred_at]))
            imp.save()
        self.batch, self.errors = [], []


def import_run(
    *, history_import: HistoryImport, path: str, progress: bool = False, on_batch: Callable | None = None
) -> HistoryImport:
    """Run (or resume) ``history_import`` on the file at ``path``; returns it, finished."""
    imp = history_import
    tenant = imp.tenant
    channels = tenant_channels(tenant)
    kinds = set(channels)
    run = _Run(imp, BatchWriter(tenant=tenant, history_import=imp, channels=channels))
    imp.status, imp.failure = ImportStatus.RUNNING, ""
    imp.save(update_fields=["status", "failure"])
    resume_after = imp.last_line
    line = resume_after
    bar = _progress(progress)
    try:
        for line, fields, problem, references in _records(path, imp.format, channels):
            bar.update(1)
            if line <= resume_after:
                continue
            imp.rows += 1
            if fields is None:
                run.error(line, "", problem)
            else:
                try:
                    row = row_check(line, fields, tenant=tenant, channel_kinds=kinds)
                    row.references = references
                    run.batch.append(row)
                except RowError as exc:
                    run.error(line, exc.field, exc.message)
            if len(run.batch) + len(run.errors) >= BATCH_ROWS:
                run.flush(line)
                if on_batch is not None:
                    on_batch(imp)
        run.flush(line)
    except RowError as exc:  # the file itself (its header) cannot be read: nothing imported
        run.error(1, exc.field, exc.message)
        run.batch = []
        run.flush(line)
        return _finish(imp, ImportStatus.FAILED, exc.message)
    except BaseException as exc:
        _finish(imp, ImportStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        bar.close()
    return _finish(imp, ImportStatus.COMPLETED, "")


def _finish(imp: HistoryImport, status: str, failure: str) -> HistoryImport:
    imp.status, imp.failure, imp.finished_at = status, failure, timezone.now()
    imp.save(update_fields=["status", "failure", "finished_at"])
    return imp
