"""Errors a user sees: each names the file, the record and the field."""

from __future__ import annotations

from dataclasses import dataclass


class VezhlivoError(Exception):
    """A problem the user can fix; shown without a traceback."""


class FieldError(VezhlivoError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RulebookError(VezhlivoError):
    pass


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read; the others are still checked."""

    path: str
    record: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.record is not None:
            where += f":{self.record}"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"
