"""Calls: recordings, recognisers' transcripts, speech recognition, call metadata → phone conversations.

The API a front end calls (no audio library is imported until a recording is read):

- ``read_call(audio, transcript=None, options)`` → ``Conversation`` (phone, turns with start/end);
- ``read_transcript(path, options)`` → ``Conversation`` from a Whisper/Vosk/diarised JSON or SRT/VTT;
- ``find_calls(folder)`` → ``CallFiles`` (recording, side-car transcript, metadata, CDR);
  ``read_calls(folder, options)`` → conversations or ``RecordError``s; ``call_sidecars(folder)``;
- ``sniff_transcript(path)`` → the transcript format of a file, or None (for input dispatch);
- ``call_metrics(conv)`` → talk/listen, interruptions, pauses, tempo, monologue, silence, holds;
  ``summarize_metrics(many)`` → the same per operator or team;
- ``CallOptions.from_settings(rulebook.settings, operator_channel="right", asr_model=…)``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .calls import (
        CallFiles,
        call_sidecars,
        find_calls,
        is_recording,
        read_call,
        read_call_files,
        read_calls,
        read_transcript,
    )
    from .measures import call_metrics, summarize_metrics
    from .options import CallOptions
    from .recordings import AUDIO_SUFFIXES
    from .transcripts import sniff_transcript

__all__ = [
    "AUDIO_SUFFIXES", "CallFiles", "CallOptions", "call_metrics", "call_sidecars", "find_calls", "is_recording",
    "read_call", "read_call_files", "read_calls", "read_transcript", "sniff_transcript", "summarize_metrics",
]

# The names above are imported on first use (PEP 562), not with the package: a chat check imports
# ``audio.measures`` (the timing rules) and must not pay for the recordings, transcripts and
# recogniser modules that ``calls`` pulls in (≈50 ms of a cold start).
_HOME = {
    "CallFiles": "calls", "call_sidecars": "calls", "find_calls": "calls", "is_recording": "calls",
    "read_call": "calls", "read_call_files": "calls", "read_calls": "calls", "read_transcript": "calls",
    "call_metrics": "measures", "summarize_metrics": "measures", "CallOptions": "options",
    "AUDIO_SUFFIXES": "recordings", "sniff_transcript": "transcripts",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
