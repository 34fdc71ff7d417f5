from __future__ import annotations

import pytest

from crm.services.attachments import storage


@pytest.fixture
def stored_names():
    """The names of the files the test stores can be checked in storage afterwards."""

    def exists(attachment) -> bool:
        return bool(attachment.storage_name) and storage().exists(attachment.storage_name)

    return exists
