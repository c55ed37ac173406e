"""Reading conversations from files: the canonical format and (see formats) support-tool exports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..model import Conversation
from .canonical import parse_conversation, read_canonical

__all__ = ["ReadOptions", "parse_conversation", "read_canonical", "read_path", "read_paths"]

CANONICAL_SUFFIXES = (".jsonl", ".json", ".ndjson")


@dataclass(frozen=True)
class ReadOptions:
    """How to read exports that do not say who is the operator, or in which zone times are."""

    operators: tuple[str, ...] = ()  # names or account ids of the company's people
    mapping: dict[str, str] = field(default_factory=dict)  # column mapping for CSV/XLSX
    default_tz: str = "+03:00"
    settings: dict[str, Any] = field(default_factory=dict)  # the rulebook's settings


def read_path(path: Path, options: ReadOptions | None = None) -> Iterator[Conversation | RecordError]:
    """Conversations of one file, whatever its format; errors are yielded, not raised."""
    options = options or ReadOptions()
    if not path.exists():
        yield RecordError(str(path), None, None, "no such file")
        return
    try:
        yield from read_canonical(path)
    except OSError as exc:
        yield RecordError(str(path), None, None, f"cannot read: {exc.strerror}")


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in CANONICAL_SUFFIXES:
                    yield child
        else:
            yield p


def read_paths(paths: Iterable[Path], options: ReadOptions | None = None) -> Iterator[Conversation | RecordError]:
    for p in _expand(paths):
        yield from read_path(p, options)
