"""The dashboards' fixtures (staff users, logged-in clients, a conversation) for the pages here."""

from tests.dashboards.conftest import conversation, make_staff, staff, staff_client

__all__ = ["conversation", "make_staff", "staff", "staff_client"]
