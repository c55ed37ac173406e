"""Transcripts of calls from speech recognisers → pieces of speech with times and speakers → turns.

Read formats (sniffed from the content, not the name):

- Whisper / faster-whisper / WhisperX JSON: ``{"segments": [{"start", "end", "text", "speaker"?, "words":
  [{"word", "start", "end", "speaker"?}]}]}``, or a bare list of such segments;
- Vosk JSON: ``{"result": [{"word", "start", "end", "conf"}], "text"}``, a list of those (one per
  utterance), optionally with ``"channel"`` or ``"speaker"``;
- diarised JSON of other recognisers: lists under ``utterances``/``turns``/``monologues``/``phrases``/
  ``chunks``/``results``/``channels`` with a ``speaker``/``spk``/``channel``/``channelTag`` tag and
  ``alternatives`` (Google, Yandex SpeechKit, Deepgram, AssemblyAI in milliseconds);
- SRT and WebVTT with speakers: ``<v Оператор>…``, ``Оператор: …``, ``[SPEAKER_00] …``.

Who is the operator: a role word as the label («Оператор», agent, customer…), the rulebook's
``calls.speakers`` map, the company's operator names, the channel (left = operator unless told
otherwise), else, among unnamed speakers, the one who greets with the company's name or speaks like
an operator (``calls.operator_speaker`` names it outright). A transcript without any speaker tag
needs a stereo recording: each word goes to the channel that carries voice at its time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import FieldError, VezhlivoError
from ..ingest.canonical import decode_bytes
from ..ingest.common import norm, operator_score, role_word
from ..model import Role
from .measures import Interval
from .options import CallOptions

TRANSCRIPT_SUFFIXES = (".json", ".srt", ".vtt")


@dataclass
class Piece:
    """A stretch of recognised speech: a segment, an utterance or a word."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    channel: int | None = None
    words: list[Piece] = field(default_factory=list)
    role: Role | None = None


@dataclass
class Transcript:
    pieces: list[Piece]
    format: str  # whisper | vosk | diarised | srt | vtt | asr
    path: Path | None = None


@dataclass
class Turn:
    role: Role
    start: float
    end: float
    text: str
    speaker: str | None = None


# --- times ------------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")


def parse_seconds(value: Any, field_name: str = "time") -> float | None:
    """Seconds from a number, ``"1.300s"``, ``"00:01:02,500"`` or ``"1:02.5"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):  # protobuf Duration {"seconds": 1, "nanos": 300000000}
        return float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
    text = str(value).strip().rstrip("s").replace(",", ".")
    m = _CLOCK.match(text)
    if m:
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    try:
        return float(text)
    except ValueError:
        raise FieldError(field_name, f"not a time: {value!r}") from None


_START_KEYS = ("start", "start_time", "startTime", "begin", "from", "offset", "start_sec")
_END_KEYS = ("end", "end_time", "endTime", "stop", "to", "end_sec")
_MS_START = ("start_ms", "startMs", "start_msec", "begin_ms")
_MS_END = ("end_ms", "endMs", "end_msec", "stop_ms")
_TEXT_KEYS = ("text", "transcript", "punctuated_word", "word", "content", "utterance", "phrase")
_SPEAKER_KEYS = ("speaker", "speaker_label", "speakerLabel", "spk", "spk_id", "speaker_id", "speakerTag",
                 "speaker_tag", "role", "name", "author")
_CHANNEL_KEYS = ("channel", "channelTag", "channel_tag", "channel_id", "channelId", "ch")
_CONTAINERS = ("utterances", "segments", "monologues", "turns", "phrases", "chunks", "results", "result",
               "response", "transcript", "channels", "recognition", "elements")


def _first(d: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for k in keys:
        if k in d and d[k] is not None and d[k] != "":
            return d[k]
    return None


def _times(d: Mapping[str, Any], where: str) -> tuple[float | None, float | None]:
    ms_s, ms_e = _first(d, _MS_START), _first(d, _MS_END)
    if ms_s is not None:
        s = parse_seconds(ms_s, where)
        e = parse_seconds(ms_e, where) if ms_e is not None else None
        return (s / 1000 if s is not None else None), (e / 1000 if e is not None else None)
    s = parse_seconds(_first(d, _START_KEYS), f"{where}.start")
    e = parse_seconds(_first(d, _END_KEYS), f"{where}.end")
    if e is None and s is not None and d.get("duration") is not None:
        dur = parse_seconds(d["duration"], f"{where}.duration")
        e = s + (dur or 0.0)
    return s, e


def _label(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value).strip()
    return text or None


def _channel(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().casefold()
    if text in ("left", "l"):
        return 0
    if text in ("right", "r"):
        return 1
    m = re.search(r"\d+", text)
    return int(m.group()) if m else None


def _piece(d: Mapping[str, Any], speaker: str | None, channel: int | None, where: str) -> Piece | None:
    alt = d.get("alternatives")
    body: Mapping[str, Any] = d
    if isinstance(alt, list) and alt and isinstance(alt[0], Mapping):
        body = alt[0]
    text = _first(body, _TEXT_KEYS)
    if isinstance(text, Mapping | list):
        text = None
    raw_words = body.get("words") if isinstance(body.get("words"), list) else d.get("words")
    words: list[Piece] = []
    if isinstance(raw_words, list):
        for i, w in enumerate(raw_words):
            if isinstance(w, Mapping):
                wp = _piece(w, speaker, channel, f"{where}.words[{i}]")
                if wp is not None and wp.text:
                    words.append(wp)
    s, e = _times(d, where)
    if (s is None or e is None) and body is not d:
        s2, e2 = _times(body, where)
        s, e = (s if s is not None else s2), (e if e is not None else e2)
    if (s is None or e is None) and words:
        s = words[0].start if s is None else s
        e = words[-1].end if e is None else e
    if s is None or e is None:
        return None
    if text is None:
        text = " ".join(w.text for w in words)
    return Piece(start=s, end=max(s, e), text=str(text).strip(), speaker=speaker, channel=channel, words=words)


def _walk(obj: Any, speaker: str | None, channel: int | None, where: str) -> list[Piece]:
    if isinstance(obj, list):
        out: list[Piece] = []
        for i, x in enumerate(obj):
            out.extend(_walk(x, speaker, channel, f"{where}[{i}]"))
        return out
    if not isinstance(obj, Mapping):
        return []
    sp = _label(_first(obj, _SPEAKER_KEYS))
    speaker = sp if sp is not None else speaker
    ch = _channel(_first(obj, _CHANNEL_KEYS))
    channel = ch if ch is not None else channel
    for key in _CONTAINERS:
        inner = obj.get(key)
        if isinstance(inner, list | Mapping) and inner:
            if key == "channels" and isinstance(inner, list):
                found = []
                for i, c in enumerate(inner):
                    found.extend(_walk(c, speaker, i if channel is None else channel, f"{where}.channels[{i}]"))
            elif key == "result" and isinstance(inner, list) and all(isinstance(w, Mapping) and "word" in w
                                                                    for w in inner):
                words = [p for i, w in enumerate(inner)
                         if (p := _piece(w, speaker, channel, f"{where}.result[{i}]")) is not None]
                if not words:
                    continue
                found = [Piece(words[0].start, words[-1].end, " ".join(w.text for w in words), speaker, channel,
                               words)]
            else:
                found = _walk(inner, speaker, channel, f"{where}.{key}")
            if found:
                return found
    p = _piece(obj, speaker, channel, where)
    return [p] if p is not None and (p.text or p.words) else []


def _format_of(data: Any) -> str:
    probe = data[0] if isinstance(data, list) and data else data
    if isinstance(probe, Mapping):
        if isinstance(probe.get("result"), list):
            return "vosk"
        segs = probe.get("segments")
        if isinstance(segs, list) and not any(isinstance(s, Mapping) and _first(s, _SPEAKER_KEYS) for s in segs):
            return "whisper"
        if "seek" in probe or "avg_logprob" in probe:
            return "whisper"
    return "diarised"


def looks_like_transcript(data: Any) -> bool:
    """A JSON document that is a recogniser's transcript (and not a canonical conversation)."""
    if isinstance(data, list):
        return bool(data) and isinstance(data[0], Mapping) and "messages" not in data[0] \
            and looks_like_transcript(data[0])
    if not isinstance(data, Mapping) or "messages" in data:
        return False
    if any(isinstance(data.get(k), list | Mapping) for k in _CONTAINERS):
        return True
    return _first(data, _START_KEYS + _MS_START) is not None and _first(data, _TEXT_KEYS) is not None


def parse_json_transcript(data: Any, path: Path | None = None) -> Transcript:
    pieces = _walk(data, None, None, "")
    if not pieces:
        raise FieldError("(file)", "no timed speech found (expected Whisper segments, Vosk result words, "
                                   "or utterances with start/end)")
    times = [x for p in pieces for x in (p.start, p.end)]
    if all(float(t).is_integer() for t in times) and max(times) > 3600:  # integer milliseconds (AssemblyAI)
        pieces = [_scale(p, 0.001) for p in pieces]
    if any(p.channel is not None for p in pieces):  # 1-based channel tags (Google, Yandex): make 0-based
        chans = {p.channel for p in pieces if p.channel is not None}
        if 0 not in chans and chans <= {1, 2}:
            pieces = [replace(p, channel=p.channel - 1 if p.channel is not None else None,
                              words=[replace(w, channel=w.channel - 1 if w.channel is not None else None)
                                     for w in p.words]) for p in pieces]
    return Transcript(sorted(pieces, key=lambda p: p.start), _format_of(data), path)


def _scale(p: Piece, k: float) -> Piece:
    return replace(p, start=p.start * k, end=p.end * k, words=[_scale(w, k) for w in p.words])


# --- SRT / WebVTT ----------------------------------------------------------------------------

_CUE_TIME = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|$)", re.S)
_PREFIX = re.compile(r"^\s*(?:-\s*)?(?:\[([^\]]{1,40})\]|\(([^)]{1,40})\)|([^\s:][^:]{0,39}?)):\s*(.*)$", re.S)
_BRACKET = re.compile(r"^\s*\[([^\]]{1,40})\]\s*(.*)$", re.S)
_TAGS = re.compile(r"</?[^>]+>")


def parse_subtitles(text: str, path: Path | None = None, fmt: str = "srt") -> Transcript:
    pieces: list[Piece] = []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    for number, block in enumerate(blocks, start=1):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        for i, line in enumerate(lines):
            m = _CUE_TIME.match(line)
            if not m:
                continue
            start = parse_seconds(m.group(1), f"cue {number}")
            end = parse_seconds(m.group(2), f"cue {number}")
            body = "\n".join(lines[i + 1:])
            pieces.extend(_cue_pieces(body, start or 0.0, end or 0.0))
            break
    if not pieces:
        raise FieldError("(file)", f"no cues with times found in this {fmt.upper()} file")
    return Transcript(pieces, fmt, path)


def _cue_pieces(body: str, start: float, end: float) -> list[Piece]:
    voices = _VOICE.findall(body)
    if voices:
        return [Piece(start, end, _TAGS.sub("", t).strip(), speaker=s.strip()) for s, t in voices if t.strip()]
    out: list[Piece] = []
    for line in body.split("\n"):  # a cue may hold two speakers' lines («- Оператор: …»)
        line = _TAGS.sub("", line).strip()
        if not line:
            continue
        speaker = None
        m = _BRACKET.match(line) or _PREFIX.match(line)
        if m:
            groups = [g for g in m.groups()[:-1] if g]
            cand = groups[0].strip() if groups else None
            if cand and (len(cand.split()) <= 3 or role_word(cand.split()[0]) is not None):
                speaker, line = cand, m.groups()[-1].strip()
        if out and speaker is None:
            out[-1].text += " " + line
            continue
        out.append(Piece(start, end, line, speaker=speaker))
    if len(out) > 1:  # several speakers in one cue: share its time by length of text
        total = sum(len(p.text) for p in out) or 1
        t = start
        for p in out:
            p.start, p.end = t, t + (end - start) * len(p.text) / total
            t = p.end
    return out


# --- reading ----------------------------------------------------------------------------------

def sniff_transcript(path: Path) -> str | None:
    """The transcript format of a file (``whisper``, ``vosk``, ``diarised``, ``srt``, ``vtt``) or None."""
    suffix = path.suffix.lower()
    if suffix in (".srt", ".vtt"):
        return suffix[1:]
    if suffix != ".json":
        return None
    try:
        text, _ = decode_bytes(path.read_bytes())
        data = json.loads(text)
    except (OSError, ValueError):
        return None
    return _format_of(data) if looks_like_transcript(data) else None


def load_transcript(path: Path) -> Transcript:
    """Read a transcript file; raises FieldError naming what is wrong."""
    try:
        text, _ = decode_bytes(path.read_bytes())
    except OSError as exc:
        raise VezhlivoError(f"{path}: cannot read: {exc.strerror}") from None
    suffix = path.suffix.lower()
    head = text.lstrip()[:10]
    if suffix == ".vtt" or head.startswith("WEBVTT"):
        return parse_subtitles(text, path, "vtt")
    if suffix == ".srt" or (head[:1].isdigit() and "-->" in text[:200]):
        return parse_subtitles(text, path, "srt")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError(f"(line {exc.lineno})", f"broken JSON: {exc.msg} at column {exc.colno}") from None
    return parse_json_transcript(data, path)


# --- who speaks -------------------------------------------------------------------------------

def _label_role(label: str, options: CallOptions) -> Role | None:
    key = norm(label)
    for k, r in options.speakers.items():
        if norm(k) == key:
            return r
    role = role_word(label)
    if role is None:
        first = key.split(" ")[0].rstrip(":.,")
        role = role_word(first)
    if role is Role.SYSTEM:
        return None
    if role is None and any(norm(n) == key or norm(n) in key.split(" ") for n in options.operator_names if n):
        return Role.OPERATOR
    return role


def _overlap(a: Interval, segs: Sequence[Interval]) -> float:
    return sum(max(0.0, min(a[1], e) - max(a[0], s)) for s, e in segs)


def _nearest(a: Interval, segs: Sequence[Interval]) -> float:
    mid = (a[0] + a[1]) / 2
    return min((min(abs(mid - s), abs(mid - e)) for s, e in segs), default=float("inf"))


def assign_roles(tr: Transcript, options: CallOptions,
                 speech: Sequence[Sequence[Interval]] | None = None) -> list[Piece]:
    """Pieces with their role set; see the module's doc for the order of evidence."""
    pieces = tr.pieces
    # word-level speakers (WhisperX) or channels: work word by word
    if any(w.speaker is not None and w.speaker != p.speaker for p in pieces for w in p.words):
        pieces = [w for p in pieces for w in (p.words or [p])]
    labels = list(dict.fromkeys(p.speaker for p in pieces if p.speaker is not None))
    roles: dict[str, Role] = {}
    for lab in labels:
        r = _label_role(lab, options)
        if r is not None:
            roles[lab] = r
    unresolved = [lab for lab in labels if lab not in roles]
    if unresolved:
        _unnamed(pieces, unresolved, roles, options)
    out: list[Piece] = []
    no_tag: list[Piece] = []
    for p in pieces:
        if p.speaker is not None and p.speaker in roles:
            out.append(replace(p, role=roles[p.speaker]))
        elif p.channel is not None:
            out.append(replace(p, role=Role.OPERATOR if p.channel == options.operator_channel else Role.CLIENT))
        else:
            no_tag.append(p)
    if no_tag:
        if speech is None or len(speech) < 2:
            raise FieldError("speaker", "the transcript does not say who speaks (no speaker or channel tags) and "
                                        "there is no stereo recording to tell the operator's voice from the "
                                        "client's; give a diarised transcript or the stereo recording")
        op = speech[options.operator_channel]
        cl = speech[1 - options.operator_channel]
        units = [w for p in no_tag for w in (p.words or [p])]
        for w in units:
            span = (w.start, w.end)
            a, b = _overlap(span, op), _overlap(span, cl)
            if a == b:
                a, b = -_nearest(span, op), -_nearest(span, cl)
            out.append(replace(w, role=Role.OPERATOR if a > b else Role.CLIENT, words=[]))
        options.note("speakers: words of the transcript assigned to the channel that carries voice at their time")
    return sorted(out, key=lambda p: (p.start, p.end))


def _unnamed(pieces: list[Piece], unresolved: list[str], roles: dict[str, Role], options: CallOptions) -> None:
    hint = options.operator_speaker
    if hint is not None:
        for lab in unresolved:
            roles[lab] = Role.OPERATOR if norm(lab) == norm(hint) else Role.CLIENT
        return
    if Role.OPERATOR in roles.values():
        for lab in unresolved:
            roles[lab] = Role.CLIENT
        return
    if len(unresolved) == 1 and Role.CLIENT in roles.values():
        roles[unresolved[0]] = Role.OPERATOR
        return
    texts = {lab: [p.text for p in pieces if p.speaker == lab][:4] for lab in unresolved}
    scores = {lab: operator_score(t, options.company_names) for lab, t in texts.items()}
    best = max(unresolved, key=lambda lab: (scores[lab], -unresolved.index(lab)))
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        why = "no greeting with the company's name or operator phrases tells them apart: the first to speak"
        best = unresolved[0]
    else:
        why = "greets with the company's name or speaks like an operator"
    for lab in unresolved:
        roles[lab] = Role.OPERATOR if lab == best else Role.CLIENT
    options.note(f"speakers: '{best}' taken for the operator ({why}); name it with calls.operator_speaker")


def to_turns(pieces: Iterable[Piece], gap: float = 1.0, pause_in_turn: float = 0.5) -> list[Turn]:
    """One role's pieces closer than ``gap`` seconds are one turn, also when the other side speaks over
    them (then the turns overlap in time), unless the other side began to speak in the gap — and
    a pause under ``pause_in_turn`` is always inside a turn (the other side cut into it); turns in
    order of their start."""
    turns: list[Turn] = []
    last: dict[Role, Turn] = {}
    latest: dict[Role, float] = {}  # the latest start of a piece of each role
    for p in sorted(pieces, key=lambda p: (p.start, p.end)):
        if p.role is None or not p.text.strip():
            continue
        t = last.get(p.role)
        other = Role.CLIENT if p.role is Role.OPERATOR else Role.OPERATOR
        took_floor = latest.get(other, -1.0) >= (t.end if t is not None else 0.0)
        latest[p.role] = p.start
        if t is not None and (p.start - t.end < pause_in_turn or (p.start - t.end < gap and not took_floor)):
            t.end = max(t.end, p.end)
            t.text = _join(t.text, p.text)
        else:
            t = Turn(p.role, p.start, p.end, p.text.strip(), p.speaker)
            turns.append(t)
            last[p.role] = t
    return sorted(turns, key=lambda t: (t.start, t.end))


def _join(a: str, b: str) -> str:
    b = b.strip()
    if not a:
        return b
    if b[:1] in ",.!?;:»)…":
        return a + b
    return a + " " + b
