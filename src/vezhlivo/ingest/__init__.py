"""Reading conversations from files: the canonical format and support-tool exports (docs/formats.md).

``read_paths`` takes files and folders, finds each file's format (``detect_format``) and yields
conversations and ``RecordError``s (a broken record is reported and skipped; the rest is read).
Remarks that are not errors (e.g. how the operator of a chat export was guessed) go to ``options.notes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, RecordError, VezhlivoError
from ..model import Conversation, Source
from .canonical import (
    SCHEMA,
    conversation_to_dict,
    decode_bytes,
    parse_conversation,
    read_canonical,
    sniff_encoding,
    write_canonical,
)
from .pii import mask_conversation, mask_text

# The readers of exports (emails, helpdesk, reviews, tables, telegram; whatsapp beyond its
# ``looks_like``) are imported by the functions that need them, not with the package: reading the
# canonical JSONL, the common case, needs none of them, and together they import e-mail, HTML and
# table parsing (≈40 ms of a cold ``vezhlivo check``). ``parse_mapping`` and ``mapping_settings``
# stay importable from here (``__getattr__`` below).
if TYPE_CHECKING:
    from .tables import mapping_settings, parse_mapping


def __getattr__(name: str) -> Any:
    if name in ("mapping_settings", "parse_mapping"):
        from . import tables

        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FORMATS",
    "SCHEMA",
    "ReadOptions",
    "conversation_to_dict",
    "decode_bytes",
    "detect_format",
    "mapping_settings",
    "mask_conversation",
    "mask_text",
    "parse_conversation",
    "parse_mapping",
    "read_canonical",
    "read_path",
    "read_paths",
    "write_canonical",
]

CANONICAL_SUFFIXES = (".jsonl", ".json", ".ndjson")
# JSON documents larger than this are streamed where the format allows (Telegram full exports)
STREAM_BYTES = 16 * 1024 * 1024
_TELEGRAM_HEAD = re.compile(rb'"personal_information"\s*:|"chats"\s*:\s*\{[^{}]{0,200}"list"\s*:')
KNOWN_SUFFIXES = (*CANONICAL_SUFFIXES, ".txt", ".zip", ".eml", ".mbox", ".mbx", ".csv", ".tsv", ".xlsx", ".xlsm",
                  ".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".srt", ".vtt")

#: format names ``detect_format`` returns and ``ReadOptions.format`` accepts
FORMATS = ("canonical", "telegram", "whatsapp", "email", "mbox", "zendesk", "intercom", "jivo", "usedesk",
           "bitrix24", "table", "reviews")


@dataclass(frozen=True)
class ReadOptions:
    """How to read exports that do not say who is the operator, or in which zone times are."""

    operators: tuple[str, ...] = ()  # names, account ids, e-mail addresses or domains of the company's people
    mapping: dict[str, str] = field(default_factory=dict)  # column mapping for CSV/XLSX
    default_tz: str | None = None  # zone of times written without one; else the rulebook's timezone
    settings: dict[str, Any] = field(default_factory=dict)  # the rulebook's settings
    format: str | None = None  # force a format (one of FORMATS) instead of detecting it
    notes: list[str] = field(default_factory=list, compare=False)  # filled while reading
    transcript: Path | None = None  # the transcript of a single recording (check call.wav --transcript …)
    calls: Any = None  # audio.options.CallOptions; built from the rulebook when a call is met

    def call_options(self) -> Any:
        if self.calls is None:
            from ..audio.options import CallOptions

            object.__setattr__(self, "calls", CallOptions.from_settings(self.settings))
        return self.calls

    @property
    def zone(self) -> str:
        """The zone of times without one: ``default_tz``, else the rulebook's ``timezone``, else +03:00."""
        return self.default_tz or str(self.settings.get("timezone") or "+03:00")


@cache
def _json_kinds() -> tuple[tuple[str, Callable[[Any], bool]], ...]:
    from . import helpdesk, reviews, telegram

    return (
        ("telegram", telegram.looks_like),
        ("jivo", helpdesk.is_jivo),
        ("intercom", helpdesk.is_intercom),
        ("usedesk", helpdesk.is_usedesk),
        ("zendesk", helpdesk.is_zendesk),
        ("bitrix24", helpdesk.is_bitrix),
        ("reviews", reviews.looks_like_json),
    )


def _is_canonical(obj: Any) -> bool:
    if isinstance(obj, list):
        return bool(obj) and _is_canonical(obj[0])
    if not isinstance(obj, dict):
        return False
    msgs = obj.get("messages")
    return obj.get("schema") == SCHEMA or (
        isinstance(msgs, list) and "channel" in obj
        and all(isinstance(m, dict) and "role" in m for m in msgs[:3]))


def json_kind(data: Any) -> str | None:
    if _is_canonical(data):
        return "canonical"
    for name, test in _json_kinds():
        try:
            if test(data):
                return name
        except (AttributeError, TypeError, IndexError, KeyError):
            continue
    return None


def _first_line(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(1 << 18)
    try:
        text = head.decode(sniff_encoding(head), errors="replace")
    except UnicodeDecodeError:
        return ""
    return text.lstrip("\ufeff").lstrip().split("\n", 1)[0]


def detect_format(path: Path) -> str:
    """The format of a file, by its name and its first bytes; raises VezhlivoError when unknown."""
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return "email"
    if suffix in (".mbox", ".mbx"):
        return "mbox"
    if suffix in (".xlsx", ".xlsm", ".csv", ".tsv"):
        from . import reviews, tables

        try:
            headers = next((["" if c is None else str(c) for c in row] for _, _, row in tables.iter_table(path)
                            if any(c not in (None, "") for c in row)), [])
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise VezhlivoError(f"{path}: cannot read the table: {exc}") from None
        return "reviews" if reviews.looks_like_headers(headers) else "table"
    if suffix == ".zip":
        return "whatsapp"
    with path.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"From "):
        return "mbox"
    from . import whatsapp
    try:
        text = head.decode(sniff_encoding(head), errors="replace").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise VezhlivoError(f"{path}: not a text file in UTF-8, UTF-16 or cp1251") from None
    if whatsapp.looks_like(text):
        return "whatsapp"
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        line = _first_line(path)
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            first = None
        if isinstance(first, dict):
            kind = json_kind(first)
            if kind is not None and (kind == "canonical" or suffix in (".jsonl", ".ndjson")):
                return kind
        if path.stat().st_size > STREAM_BYTES and _TELEGRAM_HEAD.search(head):
            return "telegram"  # a large full export: detected from its head, read chat by chat
        from .common import load_json

        try:
            kind = json_kind(load_json(path))
        except FieldError:
            return "canonical" if suffix in (".jsonl", ".ndjson") else "json"
        if kind:
            return kind
        raise VezhlivoError(f"{path}: JSON of an unknown shape (formats: {', '.join(FORMATS)})")
    if stripped[:200].lower().startswith(("received:", "return-path:", "from:", "message-id:", "date:",
                                          "mime-version:", "delivered-to:")):
        return "email"
    raise VezhlivoError(f"{path}: unknown format (formats: {', '.join(FORMATS)})")


@cache
def _json_readers() -> dict[str, Callable[[Path, Any, ReadOptions], Iterator[Conversation | RecordError]]]:
    from . import helpdesk, reviews, telegram

    return {
        "telegram": telegram.read_telegram,
        "jivo": helpdesk.read_jivo,
        "intercom": helpdesk.read_intercom,
        "usedesk": helpdesk.read_usedesk,
        "zendesk": helpdesk.read_zendesk,
        "bitrix24": helpdesk.read_bitrix,
        "reviews": reviews.read_reviews_json,
    }


def _json_lines(path: Path, kind: str, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    """A JSON Lines file of helpdesk records (one API object a line), streamed."""
    reader = _json_readers()[kind]
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(decode_bytes(raw)[0])
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield RecordError(str(path), number, None, f"broken JSON: {exc}")
                continue
            for item in reader(path, obj, options):
                if isinstance(item, RecordError):
                    yield replace(item, record=number)
                else:
                    yield replace(item, source=Source(str(path), number))


def _read_one(path: Path, kind: str, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    if kind == "canonical":
        yield from read_canonical(path)
    elif kind == "whatsapp":
        from . import whatsapp

        yield from whatsapp.read_whatsapp(path, options)
    elif kind in ("email", "mbox"):
        from . import emails

        yield from emails.read_mails([path], options)
    elif kind == "table":
        from . import tables

        yield from tables.read_table(path, options)
    elif kind == "reviews":
        if path.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xlsm"):
            from . import reviews

            yield from reviews.read_reviews_table(path, options)
        else:
            yield from _read_json(path, kind, options)
    elif kind in _json_readers():  # only an export's kind gets here: importing its readers is due
        yield from _read_json(path, kind, options)
    else:
        yield RecordError(str(path), None, None, f"unknown format {kind!r} (formats: {', '.join(FORMATS)})")


def _read_json(path: Path, kind: str, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from _json_lines(path, kind, options)
        return
    if kind == "telegram" and path.stat().st_size > STREAM_BYTES:
        from . import telegram

        streamed = telegram.stream_telegram(path, options)
        if streamed is not None:
            yield from streamed
            return
        options.notes.append(f"{path}: a large export read whole: give --operator to read it chat by chat")
    from .common import load_json

    try:
        data = load_json(path)
    except FieldError as exc:
        yield RecordError(str(path), None, exc.field, exc.message)
        return
    yield from _json_readers()[kind](path, data, options)


def read_path(path: Path, options: ReadOptions | None = None) -> Iterator[Conversation | RecordError]:
    """Conversations of one file, whatever its format; errors are yielded, not raised."""
    options = options or ReadOptions()
    if not path.exists():
        yield RecordError(str(path), None, None, "no such file")
        return
    if path.is_dir():
        yield from read_paths([path], options)
        return
    try:
        kind = options.format or detect_format(path)
        if kind == "json":
            yield from read_canonical(path)  # broken JSON: the canonical reader says where
            return
        for item in _read_one(path, kind, options):
            yield _with_turns(path, item)
    except VezhlivoError as exc:
        yield RecordError(str(path), None, None, str(exc).removeprefix(f"{path}: "))
    except OSError as exc:
        yield RecordError(str(path), None, None, f"cannot read: {exc.strerror or exc}")
    except UnicodeDecodeError:
        yield RecordError(str(path), None, None, "not a text file in UTF-8, UTF-16 or cp1251")


def _with_turns(path: Path, item: Conversation | RecordError) -> Conversation | RecordError:
    """A conversation with nothing to check is an error of its record."""
    if isinstance(item, Conversation) and not item.turns:
        rec = item.source.record if item.source else None
        return RecordError(str(path), rec, "messages", f"conversation {item.id!r} has no messages to check")
    return item


@dataclass(frozen=True, slots=True)
class LinePiece:
    """Whole lines of a canonical JSONL file: bytes [start, stop), the first of them line ``first_line``."""

    path: Path
    start: int
    stop: int
    first_line: int

    def read(self) -> Iterator[Conversation | RecordError]:
        """What ``read_paths`` yields for these lines."""
        from .canonical import read_canonical_lines

        for item in read_canonical_lines(self.path, self.start, self.stop, self.first_line):
            yield _with_turns(self.path, item)


def line_pieces(paths: Iterable[Path], options: ReadOptions | None = None,
                piece_bytes: int = 4 << 20) -> list[LinePiece] | None:
    """``paths`` as pieces of about ``piece_bytes`` of whole lines, in input order, when every file
    ``read_paths`` would read is canonical JSON Lines in UTF-8 (one record a line, no folder of
    calls, no e-mail): the pieces then yield together exactly what ``read_paths`` yields, and
    several processes can read them. None when some input needs another reader."""
    from .canonical import is_wide_text

    options = options or ReadOptions()
    if options.format not in (None, "canonical") or options.transcript is not None:
        return None
    paths = list(paths)
    if any(p.is_dir() and _calls_in(p, options)[1] for p in paths):
        return None
    pieces: list[LinePiece] = []
    for p, _named in _expand(paths):
        if not p.is_file() or p.suffix.lower() not in CANONICAL_SUFFIXES:
            return None
        try:
            if (options.format or detect_format(p)) != "canonical":
                return None
            with p.open("rb") as fh:
                if is_wide_text(fh.read(4)) or _first_line(p).startswith("["):
                    return None  # UTF-16 or one JSON array: read whole
                pieces.extend(_cut(p, fh, piece_bytes))
        except (VezhlivoError, OSError, UnicodeDecodeError):
            return None  # read_paths reports it
    return pieces


def _cut(path: Path, fh: Any, piece_bytes: int) -> Iterator[LinePiece]:
    """Pieces of whole lines, counting the lines on the way (their numbers are record numbers)."""
    fh.seek(0)
    start, line, lines_in_piece, offset = 0, 1, 0, 0
    while block := fh.read(1 << 22):
        i = 0
        while True:
            # the first newline at or past ``piece_bytes`` from the piece's start ends it
            j = block.find(b"\n", max(i, start + piece_bytes - 1 - offset))
            if j < 0:
                lines_in_piece += block.count(b"\n", i)
                break
            lines_in_piece += block.count(b"\n", i, j + 1)
            yield LinePiece(path, start, offset + j + 1, line)
            start, line, lines_in_piece, i = offset + j + 1, line + lines_in_piece, 0, j + 1
        offset += len(block)
    if offset > start:
        yield LinePiece(path, start, offset, line)


def _expand(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to read, and whether each was named (True) or found in a folder (False)."""
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in KNOWN_SUFFIXES and not child.name.startswith("."):
                    yield child, False
        else:
            yield p, True


AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")
TRANSCRIPT_ONLY_SUFFIXES = (".srt", ".vtt")


def _read_call(path: Path, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    """A recording (with ``options.transcript`` or its side-car) or a transcript of a call."""
    from ..audio.calls import CallFiles, read_call_files

    if path.suffix.lower() in AUDIO_SUFFIXES:
        transcript = options.transcript
        if transcript is None:
            from ..audio.calls import find_calls

            found = [c for c in find_calls(path.parent) if c.audio == path]
            files = found[0] if found else CallFiles(path, None, None, None)
        else:
            files = CallFiles(path, transcript, None, None)
    else:
        files = CallFiles(None, path, None, None)
    yield read_call_files(files, options.call_options())


def _is_call_transcript(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in TRANSCRIPT_ONLY_SUFFIXES:
        return True
    if suffix == ".json":
        from ..audio.transcripts import sniff_transcript

        try:
            return sniff_transcript(path) is not None
        except (OSError, ValueError):
            return False
    return False


def _calls_in(folder: Path, options: ReadOptions) -> tuple[list[Conversation | RecordError], set[Path]]:
    """The calls of a folder (recordings with side-car transcripts, metadata, CDRs) and their files."""
    from ..audio.calls import call_sidecars, find_calls, read_call_files

    files = call_sidecars(folder)
    if not files:
        return [], set()
    return [read_call_files(c, options.call_options()) for c in find_calls(folder)], files


def read_paths(paths: Iterable[Path], options: ReadOptions | None = None) -> Iterator[Conversation | RecordError]:
    """Conversations of files and folders; ``.eml`` files are threaded together across all of them;
    recordings and call transcripts (with their side-car files) become phone conversations."""
    options = options or ReadOptions()
    mails: list[Path] = []
    taken: set[Path] = set()
    for p in paths:
        if p.is_dir():
            calls, files = _calls_in(p, options)
            taken |= files
            yield from calls
    for p, named in _expand(paths):
        if p in taken:
            continue
        if not p.exists():
            yield RecordError(str(p), None, None, "no such file")
            continue
        if p.suffix.lower() in (*AUDIO_SUFFIXES, *TRANSCRIPT_ONLY_SUFFIXES):
            yield from _read_call(p, options)
            continue
        try:
            kind = options.format or detect_format(p)
        except VezhlivoError as exc:
            if _is_call_transcript(p):  # a recogniser's JSON (Whisper, Vosk, diarised) of a call
                yield from _read_call(p, options)
                continue
            if named:
                yield RecordError(str(p), None, None, str(exc).removeprefix(f"{p}: "))
            else:
                options.notes.append(f"{p}: skipped, not a conversation export")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            yield RecordError(str(p), None, None, f"cannot read: {exc}")
            continue
        if kind == "email":
            mails.append(p)
            continue
        yield from read_path(p, replace(options, format=kind) if not options.format else options)
    if mails:
        from . import emails

        for item in emails.read_mails(mails, options):
            if isinstance(item, Conversation) and not item.turns:
                where = item.source.path if item.source else str(mails[0])
                yield RecordError(where, None, None, "no message text found in the mail")
            else:
                yield item
