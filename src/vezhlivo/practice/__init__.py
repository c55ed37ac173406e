"""Practice and ready answers (X4, X5): operators rehearse typical hard situations and are scored by the
same standard; ready answers to typical objections, checked by the rulebook and found by meaning."""

from __future__ import annotations

from .answers import AnswerLibrary, AnswerMatch, ReadyAnswer, check_answers, default_library, load_answers
from .scenarios import Scenario, ScenarioError, get_scenario, load_scenarios
from .session import Hints, PracticeError, PracticeSession, ReplyResult, ScoreCard, play

__all__ = [
    "AnswerLibrary", "AnswerMatch", "Hints", "PracticeError", "PracticeSession", "ReadyAnswer", "ReplyResult",
    "Scenario", "ScenarioError", "ScoreCard", "check_answers", "default_library", "get_scenario",
    "load_answers", "load_scenarios", "play",
]
