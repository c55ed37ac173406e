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
