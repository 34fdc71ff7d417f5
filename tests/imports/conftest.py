from __future__ import annotations

import pytest

from imports.service import import_prepare, import_run


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.IMPORTS_UPLOAD_DIR = str(tmp_path / "uploads")


@pytest.fixture
def write(tmp_path):
    def _write(name: str, content: str | bytes):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return _write


@pytest.fixture
def run_import():
    def _run(tenant, path, fmt="csv", dry_run=False, **kwargs):
        imp = import_prepare(tenant=tenant, path=path, fmt=fmt, dry_run=dry_run, by="test")
        return import_run(history_import=imp, path=path, **kwargs)

    return _run
