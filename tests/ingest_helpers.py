"""Shared helpers of the ingest tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vezhlivo.errors import RecordError
from vezhlivo.ingest import ReadOptions, read_paths
from vezhlivo.model import Conversation

FIX = Path(__file__).parent / "fixtures" / "ingest"


def read(paths: Path | Iterable[Path], options: ReadOptions | None = None
         ) -> tuple[list[Conversation], list[RecordError]]:
    items = list(read_paths([paths] if isinstance(paths, Path) else paths, options))
    return ([i for i in items if isinstance(i, Conversation)], [i for i in items if isinstance(i, RecordError)])


def roles(conv: Conversation) -> str:
    """``c o c s`` — the roles of a conversation, one letter each."""
    return " ".join(m.role.value[0] for m in conv.messages)


def times(conv: Conversation) -> list[str]:
    return [m.ts.isoformat() if m.ts else "-" for m in conv.messages]
