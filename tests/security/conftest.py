"""The dashboards' fixtures (staff users, a conversation), for the pages these tests open."""

from tests.dashboards.conftest import conversation, make_staff, staff, staff_client  # noqa: F401
