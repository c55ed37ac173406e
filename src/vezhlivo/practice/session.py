"""A practice session: the API the terminal and the web service share.

::

    s = PracticeSession(get_scenario("courier-no-show"))
    s.start()                      # the client's opening message
    r = s.reply("Интернет-магазин Kid Mir, Елизавета, здравствуйте! …")
    r.client, r.findings, r.finished
    s.hints()                      # for the next reply: the step's hint, ready answers, the model reply
    card = s.finish()              # ScoreCard: score, sections, findings, checklist, model dialogue
    card.to_dict()                 # JSON for the service; s.to_state() / PracticeSession.restore() to store

The contact is scored by the same Engine and rulebook as real contacts: the turns become a
Conversation of the scenario's channel, with the company, operator and client of the scenario and
timestamps (simulated pacing by default, or the wall clock), so timing rules judge it too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..engine import ContactReport, Engine
from ..errors import VezhlivoError
from ..ingest.canonical import parse_conversation
from ..model import Channel, Conversation, Direction, Finding, Role, Severity
from ..nlp.annotate import annotate, cached_doc
from ..nlp.promises import find_promises
from ..nlp.times import find_times
from ..rulebook import Rulebook, deep_merge, load_rulebook
from .answers import AnswerLibrary, AnswerMatch, default_library
from .scenarios import Branch, ReplyView, Scenario

# Simulated pacing: a quick operator, a client who takes a moment; speech at ~14 characters a second.
OPERATOR_DELAY = timedelta(seconds=20)
CLIENT_DELAY = timedelta(seconds=40)
SPEECH_RATE = 14.0
PAUSE_BEFORE_OPERATOR = 1.5
PAUSE_BEFORE_CLIENT = 1.0
RING_SECONDS = 6.0


class PracticeError(VezhlivoError):
    pass


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Hints:
    step: str  # what the scenario advises for this moment
    answers: tuple[AnswerMatch, ...]  # ready answers that fit the client's last message
    example: str | None  # the model reply here, when the dialogue follows the model run

    def lines(self) -> list[str]:
        out = []
        if self.step:
            out.append(f"Подсказка: {self.step}")
        for m in self.answers:
            out.append(f"Готовый ответ «{m.answer.title}»: {m.answer.text}")
        if self.example:
            out.append(f"Образец: {self.example}")
        return out or ["Подсказок для этого шага нет."]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "answers": [m.to_dict() for m in self.answers], "example": self.example}


@dataclass(frozen=True, slots=True)
class ReplyResult:
    client: str | None  # the client's next turn; None when the contact is over
    finished: bool
    findings: tuple[Finding, ...]  # what the rulebook found in this reply (words it can point at)
    note: str = ""  # why the client reacted so (the branch's note)

    def to_dict(self) -> dict[str, Any]:
        return {"client": self.client, "finished": self.finished, "note": self.note,
                "findings": [finding_dict(f) for f in self.findings]}


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    title: str
    status: str  # passed | failed | noted (an info rule fired: a mark, no points lost) | not judged


@dataclass(frozen=True, slots=True)
class ScoreCard:
    scenario: str
    title: str
    goal: str
    total: float
    pass_score: float
    sections: tuple[dict[str, Any], ...]
    critical: tuple[str, ...]
    findings: tuple[Finding, ...]
    checklist: tuple[ChecklistItem, ...]
    transcript: tuple[Turn, ...]
    model: tuple[tuple[str, str], ...]  # the model dialogue: (role, text)
    conversation: dict[str, Any] = field(default_factory=dict)  # canonical v1, for storing the run

    @property
    def passed(self) -> bool:
        return self.total >= self.pass_score

    @property
    def fired(self) -> set[str]:
        return {f.rule for f in self.findings if not f.waived}

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "vezhlivo.practice.v1", "scenario": self.scenario, "title": self.title, "goal": self.goal,
            "score": self.total, "pass_score": self.pass_score, "passed": self.passed,
            "sections": list(self.sections), "critical": list(self.critical),
            "findings": [finding_dict(f) for f in self.findings],
            "checklist": [{"code": c.code, "title": c.title, "status": c.status} for c in self.checklist],
            "transcript": [{"role": t.role.value, "text": t.text, "ts": t.at.isoformat()} for t in self.transcript],
            "model": [{"role": r, "text": t} for r, t in self.model],
            "conversation": self.conversation,
        }

    def render(self) -> str:
        """The card as plain text (the terminal prints it)."""
        verdict = "зачтено" if self.passed else "не зачтено"
        out = [f"=== Итог: {self.total:g} из 100 — {verdict} (порог {self.pass_score:g})", f"Сценарий: {self.title}"]
        if self.goal:
            out.append(f"Цель: {self.goal}")
        if self.critical:
            out.append(f"Критичное нарушение: {', '.join(self.critical)} — оценка обнулена.")
        if self.checklist:
            out.append("Чек-лист сценария:")
            marks = {"passed": "+", "failed": "-", "noted": "i", "not judged": "?"}
            for c in self.checklist:
                out.append(f"  [{marks.get(c.status, '?')}] {c.code} {c.title}")
        out.append("Разделы: " + " · ".join(f"{s['title']} {s['score']:g}" for s in self.sections))
        active = [f for f in self.findings if not f.waived]
        if active:
            out.append("Замечания:")
            numbers = _reply_numbers(self.transcript)
            for f in active:
                where = f"реплика {numbers[f.turn]}" if f.turn in numbers else "весь контакт"
                quote = f" «{f.quote}»" if f.quote else ""
                out.append(f"  {f.rule} ({where}){quote}: {f.message}")
                if f.suggestion:
                    out.append(f"      Лучше: {f.suggestion}")
        else:
            out.append("Замечаний нет.")
        if self.model:
            out.append("Образец разговора:")
            for role, text in self.model:
                out.append(f"  {'Клиент' if role == 'client' else 'Оператор'}: {text}")
        return "\n".join(out)


def _reply_numbers(transcript: Sequence[Turn]) -> dict[int, int]:
    """Message index → the operator's reply number (1-based), for «реплика N»."""
    out: dict[int, int] = {}
    n = 0
    for i, t in enumerate(transcript):
        if t.role is Role.OPERATOR:
            n += 1
            out[i] = n
    return out


def finding_dict(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "name": f.name, "severity": f.severity.value, "turn": f.turn, "start": f.start,
            "end": f.end, "quote": f.quote, "message": f.message, "suggestion": f.suggestion, "waived": f.waived}


# -------------------------------------------------------------------------------------- rulebooks

_RULEBOOKS: dict[str, Rulebook] = {}
_ENGINES: dict[int, Engine] = {}


def scenario_engine(scenario: Scenario, rulebook_path: str | Path | None = None,
                    overrides: Mapping[str, Any] | None = None) -> Engine:
    """An Engine with the company rulebook, then the scenario's overrides, then ``overrides`` (cached)."""
    merged = deep_merge(dict(scenario.rulebook), overrides or {})
    key = json.dumps([str(rulebook_path) if rulebook_path else None, merged], sort_keys=True, default=str)
    rb = _RULEBOOKS.get(key)
    if rb is None:
        rb = _RULEBOOKS[key] = load_rulebook(rulebook_path, overrides=merged or None)
    engine = _ENGINES.get(id(rb))
    if engine is None:
        engine = _ENGINES[id(rb)] = Engine(rb)
    return engine


# -------------------------------------------------------------------------------------- the session


class PracticeSession:
    def __init__(
        self,
        scenario: Scenario,
        *,
        engine: Engine | None = None,
        rulebook_path: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        answers: AnswerLibrary | None = None,
        clock: Callable[[], datetime] | None = None,
        operator_name: str | None = None,
        operator_id: str | None = None,
        session_id: str = "practice",
    ) -> None:
        """``clock``: the wall clock for live timing (None: simulated, quick pacing from the scenario's start)."""
        self.scenario = scenario
        self.engine = engine or scenario_engine(scenario, rulebook_path, overrides)
        self._rulebook_path = rulebook_path
        self._overrides = dict(overrides or {})
        self.answers = answers
        self.clock = clock
        self.operator_name = operator_name or scenario.operator
        self.operator_id = operator_id
        self.session_id = session_id
        self.turns: list[Turn] = []
        self.trace: list[tuple[str, str]] = []  # (step id, branch note) as the dialogue went
        self._step: int | None = 0  # index of the step whose branches answer the next reply
        self._closing = False  # the next operator reply closes the contact
        self._finished = False
        self._card: ScoreCard | None = None
        self._last_report: ContactReport | None = None

    # ----------------------------------------------------------------- flow

    @property
    def started(self) -> bool:
        return bool(self.turns)

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def operator_replies(self) -> int:
        return sum(1 for t in self.turns if t.role is Role.OPERATOR)

    def start(self) -> str:
        """The client's opening message (starting twice is an error)."""
        if self.turns:
            raise PracticeError("the session has already started")
        at = self.clock() if self.clock else datetime.fromisoformat(self.scenario.start)
        self.turns.append(Turn(Role.CLIENT, self.scenario.opening, at))
        self._step = 0
        self._closing = not self.scenario.steps
        return self.scenario.opening

    def reply(self, text: str, at: datetime | None = None) -> ReplyResult:
        """The operator's reply; returns the client's next turn (or the end) and this reply's findings."""
        if not self.turns:
            self.start()
        if self._finished:
            raise PracticeError("the session is over: call finish()")
        text = text.strip()
        if not text:
            raise PracticeError("an empty reply")
        when = at or (self.clock() if self.clock else self.turns[-1].at + OPERATOR_DELAY)
        self.turns.append(Turn(Role.OPERATOR, text, when))
        op_index = len(self.turns) - 1
        report = self._check()
        here = tuple(f for f in report.findings
                     if f.turn == op_index and f.start is not None and not f.waived)
        if self._closing or self._step is None or self._step >= len(self.scenario.steps):
            self._finished = True
            return ReplyResult(None, True, here)
        view = self._view(report, op_index)
        step = self.scenario.steps[self._step]
        branch = pick_branch(step.branches, view)
        self.trace.append((step.id, branch.note))
        client_at = when + (timedelta(seconds=1) if self.clock else CLIENT_DELAY)
        self.turns.append(Turn(Role.CLIENT, branch.say, client_at))
        if branch.end:
            self._closing = True
        elif branch.goto:
            self._step = self.scenario.step_index(branch.goto)
        else:
            self._step += 1
            if self._step >= len(self.scenario.steps):
                self._closing = True
        return ReplyResult(branch.say, False, here, branch.note)

    def hints(self) -> Hints:
        """Hints for the operator's next reply."""
        if not self.turns:
            self.start()
        client = next((t.text for t in reversed(self.turns) if t.role is Role.CLIENT), "")
        if self.operator_replies == 0:
            step_hint = self.scenario.opening_hint
        else:
            prev = self._previous_step()
            step_hint = prev.hint if prev is not None else ""
        library = self.answers if self.answers is not None else default_library()
        matches = tuple(library.match(client, k=2)) if client else ()
        return Hints(step_hint, matches, self._model_reply())

    def finish(self) -> ScoreCard:
        """Score the contact as it stands (a session may be ended early) and build the score card."""
        if self._card is not None:
            return self._card
        if not self.turns:
            self.start()
        self._finished = True
        report = self._check()
        conv = report.conv
        judged = {s.code for s in self.engine.specs_for(conv)} - {code for code, _ in report.silent}
        fired = {f.rule for f in report.findings if not f.waived}
        checklist = []
        for code in self.scenario.checklist:
            spec = self.engine.rulebook.rules.get(code)
            title = spec.title if spec else code
            if code in fired:  # an info rule is a mark that costs no points («клиент оскорблял»)
                status = "noted" if spec is not None and spec.severity is Severity.INFO else "failed"
            else:
                status = "passed" if code in judged else "not judged"

            checklist.append(ChecklistItem(code, title, status))
        sections = tuple({"section": s.key, "title": s.title, "weight": s.weight, "score": s.score,
                          "failed": list(s.failed)} for s in report.score.sections)
        self._card = ScoreCard(
            scenario=self.scenario.id, title=self.scenario.title, goal=self.scenario.goal,
            total=report.score.total, pass_score=self.scenario.pass_score, sections=sections,
            critical=report.score.critical, findings=tuple(report.findings), checklist=tuple(checklist),
            transcript=tuple(self.turns), model=self.model_dialogue(), conversation=conv.to_canonical(),
        )
        return self._card

    # ----------------------------------------------------------------- state for the service

    def to_state(self) -> dict[str, Any]:
        """What a service stores between requests; ``restore`` replays it."""
        return {"scenario": self.scenario.id, "session_id": self.session_id, "operator_name": self.operator_name,
                "operator_id": self.operator_id,
                "turns": [{"role": t.role.value, "text": t.text, "ts": t.at.isoformat()} for t in self.turns],
                "finished": self._finished}

    @classmethod
    def restore(cls, scenario: Scenario, state: Mapping[str, Any], **kwargs: Any) -> PracticeSession:
        s = cls(scenario, operator_name=state.get("operator_name"), operator_id=state.get("operator_id"),
                session_id=str(state.get("session_id") or "practice"), **kwargs)
        turns = list(state.get("turns") or [])
        if turns:
            s.start()
            s.turns[0] = Turn(Role.CLIENT, s.turns[0].text, datetime.fromisoformat(turns[0]["ts"]))
            for t in turns[1:]:
                if t["role"] == Role.OPERATOR.value and not s.finished:
                    s.reply(t["text"], at=datetime.fromisoformat(t["ts"]))
        if state.get("finished"):
            s._finished = True
        return s

    # ----------------------------------------------------------------- internals

    def _previous_step(self) -> Any:
        """The step whose client turn the operator answers now."""
        if not self.trace:
            return None
        return self.scenario.steps[self.scenario.step_index(self.trace[-1][0])]

    def conversation(self) -> Conversation:
        sc = self.scenario
        client = sc.client
        raw: dict[str, Any] = {
            "id": f"{self.session_id}-{sc.id}", "channel": sc.channel.value, "direction": sc.direction.value,
            "company": sc.company or None,
            "operator": {"id": self.operator_id, "name": self.operator_name},
            "client": {"id": f"practice-{sc.id}", "name": client.name, "patronymic": client.patronymic,
                       "phone": client.phone, "email": client.email},
            "started_at": self.turns[0].at.isoformat() if self.turns else sc.start,
        }
        messages: list[dict[str, Any]] = []
        if sc.channel is Channel.PHONE:
            t = 0.0
            prev: Role | None = None
            for turn in self.turns:
                if prev is not None:
                    t += PAUSE_BEFORE_OPERATOR if turn.role is Role.OPERATOR else PAUSE_BEFORE_CLIENT
                dur = max(1.0, len(turn.text) / SPEECH_RATE)
                messages.append({"role": turn.role.value, "text": turn.text, "start": round(t, 2),
                                 "end": round(t + dur, 2)})
                t += dur
                prev = turn.role
            if sc.direction is Direction.INCOMING:
                raw["ring_seconds"] = RING_SECONDS
            if self._finished:
                raw["ended_by"] = "client"  # the client hangs up after the goodbye
        else:
            messages = [{"role": t.role.value, "text": t.text, "ts": t.at.isoformat()} for t in self.turns]
        raw["messages"] = messages
        return parse_conversation(raw)

    def _check(self) -> ContactReport:
        report = self.engine.check(self.conversation())
        self._last_report = report
        return report

    def _view(self, report: ContactReport, op_index: int) -> ReplyView:
        text = self.turns[op_index].text
        doc = cached_doc(text)
        ref = self.turns[op_index].at
        deadline = any(t.concrete and not t.relative for t in find_times(doc, ref))
        promises = [p for p in find_promises(annotate(report.conv)) if p.turn == op_index]
        deadline = deadline or any(p.concrete for p in promises)
        return ReplyView(text=text, doc=doc, turn=op_index, findings=tuple(report.findings), deadline=deadline,
                         promise=bool(promises))

    def _model_reply(self) -> str | None:
        """The model run's reply at this point, when the client said the same as in the model run."""
        model = self.model_dialogue()
        n = self.operator_replies
        clients = [t for r, t in model if r == "client"]
        ops = [t for r, t in model if r == "operator"]
        said = [t.text for t in self.turns if t.role is Role.CLIENT]
        if n < len(ops) and len(said) == n + 1 and said == clients[: n + 1]:
            return ops[n]
        return None

    def model_dialogue(self) -> tuple[tuple[str, str], ...]:
        """The scenario's good run played through the branches: the model answer shown on the card."""
        sc = self.scenario
        if sc.good is None:
            return ()
        key = (sc.id, sc.good.replies, sc.opening, id(self.engine), self.operator_name)
        cached = _MODELS.get(key)
        if cached is not None:
            return cached
        play = PracticeSession(sc, engine=self.engine, answers=self.answers, operator_name=self.operator_name)
        out = play_run(play, sc.good.replies)
        dialogue = tuple((t.role.value, t.text) for t in out)
        _MODELS[key] = dialogue
        return dialogue


_MODELS: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}


def pick_branch(branches: Iterable[Branch], view: ReplyView) -> Branch:
    default: Branch | None = None
    for b in branches:
        if b.when is None:
            if default is None:
                default = b
            continue
        if b.when.holds(view):
            return b
    if default is None:
        raise PracticeError("no branch of this step fits the reply, and the step has no default branch")
    return default


def play_run(session: PracticeSession, replies: Sequence[str]) -> list[Turn]:
    """Play scripted operator replies until the contact ends (extra replies are ignored)."""
    session.start()
    for text in replies:
        if session.finished:
            break
        session.reply(text)
    return list(session.turns)


def play(scenario: Scenario, replies: Sequence[str], **kwargs: Any) -> tuple[PracticeSession, ScoreCard]:
    """A whole scripted run: the session and its score card."""
    s = PracticeSession(scenario, **kwargs)
    play_run(s, replies)
    return s, s.finish()
