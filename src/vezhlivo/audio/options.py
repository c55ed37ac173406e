"""How to read calls: channels, speakers, recognition model, voice activity (rulebook ``calls:`` or options)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import VezhlivoError
from ..model import Direction, Role
from .vad import VAD_ENGINES, VadOptions


def parse_channel(value: Any) -> int:
    """``left``/``right`` (or 0/1, ``L``/``R``, «левый»/«правый») → channel index."""
    text = str(value).strip().casefold()
    if text in ("left", "l", "0", "левый", "лево"):
        return 0
    if text in ("right", "r", "1", "правый", "право"):
        return 1
    raise VezhlivoError(f"operator channel must be left or right, got {value!r}")


def parse_role(value: Any, where: str) -> Role:
    from ..ingest.common import role_word

    role = role_word(value)
    if role is None or role is Role.SYSTEM:
        raise VezhlivoError(f"{where}: expected operator or client, got {value!r}")
    return role


@dataclass
class CallOptions:
    """Everything that decides how a recording or transcript becomes a conversation."""

    operator_channel: int = 0  # 0 = left, 1 = right
    speakers: dict[str, Role] = field(default_factory=dict)  # transcript label → role
    operator_speaker: str | None = None  # the operator's label among unnamed speakers
    company_names: tuple[str, ...] = ()
    operator_names: tuple[str, ...] = ()
    company: str | None = None
    direction: Direction = Direction.INCOMING
    asr_model: Path | None = None  # a local faster-whisper (CTranslate2) or Vosk model directory
    asr_engine: str = "auto"  # auto | faster-whisper | vosk
    asr_threads: int = 0  # 0: the library's default
    language: str = "ru"
    vad: VadOptions = field(default_factory=VadOptions)
    turn_gap: float = 1.0  # one speaker's pieces closer than this are one turn (s) …
    pause_in_turn: float = 0.5  # … and closer than this even when the other side started in between
    snap: float = 0.4  # stereo: move a transcript turn's edges onto voice activity this close (s)
    hold_silence: float = 15.0  # nobody speaks this long: a hold (s); 0 switches it off
    notes: list[str] = field(default_factory=list)  # what was decided and why (verbose output)

    def note(self, message: str) -> None:
        self.notes.append(message)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None = None, **overrides: Any) -> CallOptions:
        """From a rulebook's settings (its ``calls:`` section, company, operators), then ``overrides``
        (None values are ignored, so CLI options can be passed as they come)."""
        settings = settings or {}
        calls = settings.get("calls") or {}
        if not isinstance(calls, Mapping):
            raise VezhlivoError("rulebook: 'calls' must be a mapping")
        kw: dict[str, Any] = {}
        if calls.get("operator_channel") is not None:
            kw["operator_channel"] = parse_channel(calls["operator_channel"])
        speakers = calls.get("speakers") or {}
        if not isinstance(speakers, Mapping):
            raise VezhlivoError("rulebook: calls.speakers must map a speaker label to operator or client")
        kw["speakers"] = {str(k): parse_role(v, f"rulebook: calls.speakers.{k}") for k, v in speakers.items()}
        if calls.get("operator_speaker"):
            kw["operator_speaker"] = str(calls["operator_speaker"])
        for key, name in (("asr_model", "asr_model"), ("asr_engine", "asr_engine"), ("language", "language"),
                          ("hold_silence_seconds", "hold_silence"), ("turn_gap_seconds", "turn_gap"),
                          ("asr_threads", "asr_threads")):
            if calls.get(key) is not None:
                kw[name] = calls[key]
        vad = VadOptions()
        if calls.get("vad"):
            vad = replace(vad, engine=str(calls["vad"]))
        if calls.get("vad_aggressiveness") is not None:
            vad = replace(vad, aggressiveness=int(calls["vad_aggressiveness"]))
        kw["vad"] = vad
        comp = settings.get("company") or {}
        if isinstance(comp, str):
            comp = {"name": comp}
        if isinstance(comp, Mapping):
            names = [str(n) for n in [comp.get("name"), *(comp.get("aliases") or [])] if n]
            kw["company_names"] = tuple(names)
            kw["company"] = names[0] if names else None
        ops = []
        for o in settings.get("operators") or []:
            if isinstance(o, Mapping):
                ops += [str(o[k]) for k in ("id", "name") if o.get(k)]
            elif isinstance(o, str):
                ops.append(o)
        kw["operator_names"] = tuple(ops)
        for k, v in overrides.items():
            if v is None:
                continue
            if k == "operator_channel":
                v = parse_channel(v)
            elif k == "vad" and isinstance(v, str):
                v = replace(kw["vad"], engine=v)
            elif k == "direction":
                v = Direction(v)
            kw[k] = v
        if kw.get("asr_model") is not None and not isinstance(kw["asr_model"], Path):
            kw["asr_model"] = Path(str(kw["asr_model"])).expanduser()
        for k in ("hold_silence", "turn_gap"):
            if k in kw:
                kw[k] = float(kw[k])
        opts = cls(**kw)
        if opts.vad.engine not in VAD_ENGINES:
            raise VezhlivoError(f"unknown VAD {opts.vad.engine!r} (expected {' | '.join(VAD_ENGINES)})")
        return opts
