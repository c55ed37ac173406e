"""Calls → canonical phone conversations: recording (+ transcript | recognition) (+ metadata).

``read_call(audio, transcript)`` — the recording gives voice activity per channel (left = operator
unless told otherwise); the transcript, or recognition with a local model, gives the words; turns
get exact start/end from the voice activity of their channel. Without words, the turns are the
voice activity itself (empty text): timing rules judge them, text rules have nothing to read.
Silence on both channels longer than ``hold_silence`` becomes ``hold_start``/``hold_end`` events
(unless metadata lists holds); ring time, who hung up, operator and client come from a side-car
``<name>.meta.json`` (canonical fields) or a CDR CSV.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import FieldError, RecordError, VezhlivoError
from ..ingest.canonical import decode_bytes, parse_conversation
from ..model import Channel, Conversation, Event, Message, Role, Source
from .cdr import is_cdr, read_cdr
from .measures import AudioFacts, Interval, attach_facts, union
from .options import CallOptions
from .recordings import AUDIO_SUFFIXES, load_recording
from .transcripts import (
    TRANSCRIPT_SUFFIXES,
    Transcript,
    Turn,
    assign_roles,
    load_transcript,
    sniff_transcript,
    to_turns,
)

SIDECAR_TRANSCRIPTS = (".json", ".transcript.json", ".whisper.json", ".vosk.json", ".asr.json", ".srt", ".vtt")
SIDECAR_META = (".meta.json", ".cdr.json")


@dataclass(frozen=True)
class CallFiles:
    """One call found in a folder: its recording and/or transcript, side-car metadata, CDR."""

    audio: Path | None
    transcript: Path | None = None
    meta: Path | None = None
    cdr: Path | None = None


def _sidecar(audio: Path, suffixes: Sequence[str]) -> Path | None:
    for suffix in suffixes:
        p = audio.with_name(audio.stem + suffix)
        if p.is_file():
            return p
    return None


def find_calls(folder: Path) -> Iterator[CallFiles]:
    """Recordings under ``folder`` with their side-car transcripts (``call.wav`` + ``call.json`` /
    ``call.srt`` / ``call.vtt`` / ``call.transcript.json``…), metadata (``call.meta.json``) and the
    folder's CDR CSV; then transcripts that have no recording."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    cdrs = {p.parent: p for p in files if is_cdr(p)}
    used: set[Path] = set()
    for p in files:
        if p.suffix.lower() not in AUDIO_SUFFIXES:
            continue
        tr = None
        for suffix in SIDECAR_TRANSCRIPTS:
            cand = p.with_name(p.stem + suffix)
            if cand.is_file() and (suffix != ".json" or sniff_transcript(cand)):
                tr = cand
                break
        meta = _sidecar(p, SIDECAR_META)
        used.update(x for x in (p, tr, meta) if x is not None)
        yield CallFiles(p, tr, meta, _cdr_for(p, cdrs))
    for p in files:
        if p in used or p.suffix.lower() not in TRANSCRIPT_SUFFIXES or p.name.endswith(SIDECAR_META):
            continue
        if sniff_transcript(p):
            meta = _sidecar(p.with_name(call_stem(p) + ".x"), SIDECAR_META)
            yield CallFiles(None, p, meta, _cdr_for(p, cdrs))


def call_stem(path: Path) -> str:
    """``call`` of ``call.vosk.json``, ``call.srt``, ``call.wav``: the name that ties a call's files."""
    name = path.name
    for suffix in sorted((*SIDECAR_TRANSCRIPTS, *SIDECAR_META), key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def call_sidecars(folder: Path) -> set[Path]:
    """Files under ``folder`` that belong to calls (recordings, transcripts, metadata, CDRs): a folder
    reader leaves them to ``read_calls`` rather than reading them as canonical JSON or tables."""
    out: set[Path] = set()
    for c in find_calls(folder):
        out.update(x for x in (c.audio, c.transcript, c.meta, c.cdr) if x is not None)
    return out


def _cdr_for(p: Path, cdrs: Mapping[Path, Path]) -> Path | None:
    for parent in (p.parent, *p.parents):
        if parent in cdrs:
            return cdrs[parent]
    return None


@lru_cache(maxsize=16)
def _cdr_rows(path: Path, mtime: float, tz: str) -> dict[str, dict[str, Any]]:
    return read_cdr(path, tz)


def load_meta(meta: Path | Mapping[str, Any] | None, cdr: Path | None, key: str,
              default_tz: str = "+03:00") -> dict[str, Any]:
    """Call metadata: the CDR row of ``key`` (recording stem or call id), then the side-car JSON."""
    out: dict[str, Any] = {}
    if cdr is not None:
        rows = _cdr_rows(cdr, cdr.stat().st_mtime, default_tz)
        row = rows.get(key) or rows.get(key.rsplit(".", 1)[0])
        if row:
            out.update({k: v for k, v in row.items() if k != "recording"})
    if isinstance(meta, Path):
        text, _ = decode_bytes(meta.read_bytes())
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FieldError(f"{meta.name} (line {exc.lineno})", f"broken JSON: {exc.msg}") from None
        if not isinstance(data, Mapping):
            raise FieldError(meta.name, "expected a JSON object of call fields")
        out.update(data)
    elif isinstance(meta, Mapping):
        out.update(meta)
    return out


# --- turns from voice activity ------------------------------------------------------------------

def _role_channels(options: CallOptions) -> tuple[int, int]:
    return options.operator_channel, 1 - options.operator_channel


def activity_turns(speech: Sequence[Sequence[Interval]], options: CallOptions) -> list[Turn]:
    """Turns of a stereo call from voice activity alone (no words)."""
    op_ch, cl_ch = _role_channels(options)
    pieces = [(s, e, Role.OPERATOR) for s, e in speech[op_ch]] + [(s, e, Role.CLIENT) for s, e in speech[cl_ch]]
    turns: list[Turn] = []
    last: dict[Role, Turn] = {}
    latest: dict[Role, float] = {}
    for s, e, role in sorted(pieces):
        other = Role.CLIENT if role is Role.OPERATOR else Role.OPERATOR
        t = last.get(role)
        took_floor = latest.get(other, -1.0) >= (t.end if t is not None else 0.0)
        latest[role] = s
        if t is not None and (s - t.end < options.pause_in_turn or (s - t.end < options.turn_gap and not took_floor)):
            t.end = e
        else:
            t = Turn(role, s, e, "")
            turns.append(t)
            last[role] = t
    return sorted(turns, key=lambda t: (t.start, t.end))


def snap_turns(turns: list[Turn], speech: Sequence[Sequence[Interval]], options: CallOptions) -> list[Turn]:
    """Move each turn's start and end onto its channel's voice-activity edges (recognisers' word times
    are often 0.1–0.5 s off, and a misheard first word more; voice activity is within ~0.03 s).

    An edge that falls inside a stretch of the channel's voice moves to that stretch's edge: nobody
    starts talking in the middle of their own voice. Otherwise the nearest edge within ``snap`` s is
    taken. Neither may cross another turn of the same speaker."""
    op_ch, cl_ch = _role_channels(options)
    out: list[Turn] = []
    prev_end: dict[Role, float] = {}
    for i, t in enumerate(turns):
        segs = speech[op_ch if t.role is Role.OPERATOR else cl_ch]
        floor = prev_end.get(t.role, float("-inf"))
        ceiling = next((u.start for u in turns[i + 1:] if u.role is t.role), float("inf"))
        start = next((s for s, e in segs if s <= t.start < e and s >= floor), None)
        if start is None:
            starts = [s for s, _ in segs if abs(s - t.start) <= options.snap and s >= floor]
            start = min(starts, key=lambda s: abs(s - t.start)) if starts else t.start
        end = next((e for s, e in segs if s < t.end <= e and e <= ceiling), None)
        if end is None:
            ends = [e for _, e in segs if abs(e - t.end) <= options.snap and e <= ceiling]
            end = min(ends, key=lambda e: abs(e - t.end)) if ends else t.end
        if end <= start:
            start, end = t.start, t.end
        prev_end[t.role] = end
        out.append(Turn(t.role, start, end, t.text, t.speaker))
    return out


def silent_stretches(speech: Sequence[Interval], min_seconds: float) -> list[Interval]:
    """Gaps between speech (of anyone) at least ``min_seconds`` long, inside the call."""
    out = []
    spans = union(speech)
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        if s2 - e1 >= min_seconds:
            out.append((round(e1, 3), round(s2, 3)))
    return out


# --- building the conversation ------------------------------------------------------------------

_META_FIELDS = ("id", "direction", "company", "operator", "client", "started_at", "ring_seconds", "ended_by",
                "waivers")


def _events(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i, ev in enumerate(meta.get("events") or []):
        if not isinstance(ev, Mapping) or not ev.get("event"):
            raise FieldError(f"events[{i}]", "expected {event, start}")
        events.append({"role": "system", "event": ev["event"], "start": ev.get("start"), "end": ev.get("end")})
    for i, hold in enumerate(meta.get("holds") or []):
        if not isinstance(hold, list | tuple) or len(hold) != 2:
            raise FieldError(f"holds[{i}]", "expected [start, end] in seconds")
        events.append({"role": "system", "event": "hold_start", "start": float(hold[0])})
        events.append({"role": "system", "event": "hold_end", "start": float(hold[1])})
    return events


def build_call(cid: str, turns: Sequence[Turn], meta: Mapping[str, Any], options: CallOptions,
               source: Source | None, silences: Sequence[Interval] = ()) -> Conversation:
    """A phone conversation from turns, metadata and (unless metadata lists them) holds from silences."""
    raw: dict[str, Any] = {k: meta[k] for k in _META_FIELDS if meta.get(k) is not None}
    raw.setdefault("id", cid)
    raw["channel"] = "phone"
    raw.setdefault("direction", options.direction.value)
    if options.company:
        raw.setdefault("company", options.company)
    events = _events(meta)
    if not any(e["event"] in ("hold_start", "hold_end") for e in events):
        for s, e in silences:
            events += [{"role": "system", "event": "hold_start", "start": s},
                       {"role": "system", "event": "hold_end", "start": e}]
    raw["messages"] = [{k: v for k, v in e.items() if v is not None} for e in events]
    shell = parse_conversation(raw, source)  # validates the metadata and the events
    items: list[tuple[float, int, Message]] = []
    for t in turns:
        msg = Message(index=0, role=t.role, text=t.text, start=round(t.start, 3), end=round(t.end, 3),
                      author=t.speaker)
        items.append((msg.start or 0.0, 0, msg))
    for m in shell.messages:
        items.append((m.start if m.start is not None else float("inf"), 1 if m.event is Event.HOLD_END else -1, m))
    items.sort(key=lambda x: (x[0], x[1]))
    messages = tuple(replace(m, index=i) for i, (_, _, m) in enumerate(items))
    return replace(shell, channel=Channel.PHONE, messages=messages)


def _turns_from_transcript(tr: Transcript, options: CallOptions,
                           speech: Sequence[Sequence[Interval]] | None) -> list[Turn]:
    pieces = assign_roles(tr, options, speech)
    turns = to_turns(pieces, options.turn_gap, options.pause_in_turn)
    if speech is not None and len(speech) >= 2:
        turns = snap_turns(turns, speech, options)
    return turns


def read_call(audio: Path, transcript: Path | None = None, options: CallOptions | None = None,
              meta: Path | Mapping[str, Any] | None = None, cdr: Path | None = None) -> Conversation:
    """One recorded call as a phone conversation (raises VezhlivoError/FieldError when unusable)."""
    options = options or CallOptions()
    from .vad import detect_speech, syllable_rate

    rec = load_recording(audio)
    if meta is None:
        meta = _sidecar(audio, SIDECAR_META)
    info = load_meta(meta, cdr, audio.name)
    speech = detect_speech(rec, options.vad)
    stereo = rec.stereo
    if stereo and len(speech) > 2:
        options.note(f"{audio.name}: {len(speech)} channels; the first two are read")
    how: str | None
    if transcript is not None:
        tr = load_transcript(transcript)
        turns = _turns_from_transcript(tr, options, speech if stereo else None)
        how = "file"
    elif options.asr_model is not None:
        from .asr import transcribe

        if not stereo:
            raise VezhlivoError(f"{audio}: a mono recording: recognition cannot tell the operator from the "
                                "client; give a transcript with speaker labels (--transcript) or a stereo recording")
        tr = transcribe(rec, options.asr_model, options.asr_engine, options.language, speech, options.asr_threads)
        turns = _turns_from_transcript(tr, options, speech)
        how = "asr"
    else:
        if not stereo:
            raise VezhlivoError(f"{audio}: a mono recording without a transcript: voice activity cannot tell the "
                                "operator from the client; give --transcript with speaker labels, a stereo "
                                "recording, or a recognition model with --asr-model")
        turns = activity_turns(speech, options)
        how = None
        options.note(f"{audio.name}: no transcript and no recognition model: timing only "
                     "(text rules have no words to read; --asr-model DIR recognises speech)")
    all_speech = [iv for ch in speech for iv in ch] if stereo else list(speech[0])
    silences = silent_stretches(all_speech, options.hold_silence) if options.hold_silence > 0 else []
    source = Source(str(audio), 1)
    conv = build_call(audio.stem, turns, info, options, source, silences)
    facts = AudioFacts(duration=rec.duration, vad=options.vad.engine, transcript=how)
    if stereo:
        op_ch, cl_ch = _role_channels(options)
        for role, ch in ((Role.OPERATOR, op_ch), (Role.CLIENT, cl_ch)):
            # over the turns (pauses inside a turn count, as in a transcript's syllables per second)
            spans = [(t.start, t.end) for t in activity_turns(speech, options) if t.role is role]
            r = syllable_rate(rec.channels[ch], rec.rate, spans)
            if r is not None:
                facts.rates[role] = r
    attach_facts(conv, facts)
    return conv


def read_transcript(path: Path, options: CallOptions | None = None,
                    meta: Path | Mapping[str, Any] | None = None, cdr: Path | None = None) -> Conversation:
    """A call from its transcript alone (Whisper, Vosk, diarised JSON, SRT/VTT with speakers)."""
    options = options or CallOptions()
    tr = load_transcript(path)
    stem = call_stem(path)
    if meta is None:
        meta = _sidecar(path.with_name(stem + ".x"), SIDECAR_META)
    info = load_meta(meta, cdr, stem)
    turns = _turns_from_transcript(tr, options, None)
    silences = (silent_stretches([(t.start, t.end) for t in turns], options.hold_silence)
                if options.hold_silence > 0 else [])
    return build_call(stem, turns, info, options, Source(str(path), 1), silences)


def read_call_files(files: CallFiles, options: CallOptions | None = None) -> Conversation | RecordError:
    """``read_call``/``read_transcript`` for one found call; a problem becomes a RecordError."""
    where = str(files.audio or files.transcript)
    try:
        if files.audio is not None:
            return read_call(files.audio, files.transcript, options, files.meta, files.cdr)
        if files.transcript is not None:
            return read_transcript(files.transcript, options, files.meta, files.cdr)
    except FieldError as exc:
        return RecordError(where, None, exc.field, exc.message)
    except VezhlivoError as exc:
        return RecordError(where, None, None, str(exc))
    except OSError as exc:
        return RecordError(where, None, None, f"cannot read: {exc.strerror or exc}")
    return RecordError(where, None, None, "neither a recording nor a transcript")


def read_calls(folder: Path, options: CallOptions | None = None) -> Iterator[Conversation | RecordError]:
    """Every call of a folder (see ``find_calls``), one at a time."""
    for files in find_calls(folder):
        yield read_call_files(files, options)


def is_recording(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES
