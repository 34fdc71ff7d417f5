"""Errors services raise; one API exception handler maps them to HTTP answers."""

from __future__ import annotations


class ApplicationError(Exception):
    """Invalid request for the business rules: 400 with a message and the offending fields."""

    status_code = 400

    def __init__(self, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    """Missing or belonging to another tenant: the two are never told apart."""

    status_code = 404


class ConflictError(ApplicationError):
    status_code = 409
