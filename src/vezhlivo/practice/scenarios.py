"""Practice scenarios (X5): data a company edits, and the branching of the client's replies.

A scenario is a client persona with an opening message and a list of steps. After each operator
reply the session picks the first branch of the current step whose ``when`` holds for that reply;
the branch says what the client answers and where the dialogue goes next. The conditions are data,
judged by the engine itself::

    when: {fired: [F18]}                 # a rule fired on this reply (any of the codes)
    when: {fired_so_far: [C1]}           # … anywhere in the contact so far
    when: {not_fired: [F21, A1]}         # none of the codes fired on this reply
    when: {said: ["извинить|прощение"]}  # a token pattern (``vezhlivo.nlp.patterns``) matches the reply
    when: {not_said: ["не звонить"]}
    when: {deadline: true}               # the reply names a concrete time («сегодня до 18:00»)
    when: {promise: true}                # the reply promises to come back (concrete or not)
    when: {apologised: true, asked_name: true, asked_contacts: true, question: true, thanked: true}
    when: {any: [{deadline: true}, {said: ["сегодня"]}]}

All keys of one ``when`` must hold; ``any`` holds when one of its conditions does. A branch without
``when`` is the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import VezhlivoError
from ..model import Channel, Direction, Finding
from ..nlp.doc import Doc
from ..nlp.patterns import PatternError, compile_pattern, find_any

# The signals a condition may test, each a list of token patterns over the operator's reply.
SIGNAL_PATTERNS: dict[str, tuple[str, ...]] = {
    "apologised": (
        "извинить|извиниться|извинение|прощение|простить|сожалеть",
        "=извините|=простите",
        "мне ?очень жаль",
    ),
    "asked_name": (
        "как ...2 вы|ваш ...2 звать|обращаться",
        "ваш ?@any имя",
        "представиться",
        "с кем ?@any я ?@any говорить|разговаривать|общаться",
        "как ?@any я ?@any мочь ?@any вы ?@any обращаться",
    ),
    "asked_contacts": (
        "ваш ...3 телефон|номер|почта|e-mail|email|емейл|адрес",
        "номер ?@any телефон",
        "электронный почта",
        "продиктовать|оставить ...3 телефон|номер|почта|адрес|контакт",
    ),
    "thanked": ("спасибо|благодарить|благодарный|благодарность",),
}


class ScenarioError(VezhlivoError):
    """A scenario file that cannot be used: what is wrong and where."""


@dataclass(frozen=True, slots=True)
class ReplyView:
    """What a condition sees: the operator's last reply and the engine's view of the contact so far."""

    text: str
    doc: Doc
    turn: int
    findings: tuple[Finding, ...]  # every finding of the contact so far
    deadline: bool
    promise: bool

    def fired_here(self) -> set[str]:
        return {f.rule for f in self.findings if f.turn == self.turn and not f.waived}

    def fired_so_far(self) -> set[str]:
        return {f.rule for f in self.findings if not f.waived}


@dataclass(frozen=True, slots=True)
class Condition:
    fired: tuple[str, ...] = ()
    fired_so_far: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    said: tuple[str, ...] = ()
    not_said: tuple[str, ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()  # (signal, wanted value)
    any_of: tuple[Condition, ...] = ()

    def holds(self, view: ReplyView) -> bool:
        here = view.fired_here()
        if self.fired and here.isdisjoint(self.fired):
            return False
        if self.fired_so_far and view.fired_so_far().isdisjoint(self.fired_so_far):
            return False
        if self.not_fired and not here.isdisjoint(self.not_fired):
            return False
        if self.said and not find_any(view.doc, list(self.said)):
            return False
        if self.not_said and find_any(view.doc, list(self.not_said)):
            return False
        for name, wanted in self.flags:
            if signal(name, view) is not wanted:
                return False
        return not self.any_of or any(c.holds(view) for c in self.any_of)


def signal(name: str, view: ReplyView) -> bool:
    if name == "deadline":
        return view.deadline
    if name == "promise":
        return view.promise
    if name == "question":
        return "?" in view.text
    return bool(find_any(view.doc, list(SIGNAL_PATTERNS[name])))


FLAG_KEYS = frozenset({"deadline", "promise", "question", *SIGNAL_PATTERNS})
LIST_KEYS = ("fired", "fired_so_far", "not_fired", "said", "not_said")


@dataclass(frozen=True, slots=True)
class Branch:
    say: str
    when: Condition | None = None
    goto: str | None = None  # id of the next step; default: the step after this one
    end: bool = False  # the operator's reply to this client turn closes the contact
    note: str = ""  # why the client reacts so (shown in the score card's trace)


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    branches: tuple[Branch, ...]
    hint: str = ""  # what the operator should do after this client turn


@dataclass(frozen=True, slots=True)
class ScriptedRun:
    replies: tuple[str, ...]
    expect: tuple[str, ...] = ()  # rule codes the run must trigger (a bad run)


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None = None
    patronymic: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    channel: Channel
    direction: Direction
    company: str
    operator: str
    client: Person
    persona: str
    goal: str
    opening: str
    opening_hint: str
    steps: tuple[Step, ...]
    checklist: tuple[str, ...]  # the rule codes this scenario trains (the card shows each one)
    rulebook: Mapping[str, Any] = field(default_factory=dict)  # overrides of the company rulebook
    good: ScriptedRun | None = None  # the model answer: a run the standard accepts
    bad: ScriptedRun | None = None
    pass_score: float = 90.0
    start: str = "2026-11-20T11:00:00+03:00"  # when the simulated contact starts (local time matters)
    source: str = ""  # the seed the situation comes from

    def summary(self) -> dict[str, Any]:
        """What a list of scenarios shows (JSON)."""
        return {"id": self.id, "title": self.title, "channel": self.channel.value, "direction": self.direction.value,
                "company": self.company, "persona": self.persona, "goal": self.goal, "checklist": list(self.checklist),
                "source": self.source, "pass_score": self.pass_score}

    def step_index(self, step_id: str) -> int:
        for i, s in enumerate(self.steps):
            if s.id == step_id:
                return i
        raise KeyError(step_id)


# ---------------------------------------------------------------------------------------------- loading


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ScenarioError(f"{where}: expected a string or a list of strings, got {value!r}")


def parse_condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: 'when' must be a mapping, got {raw!r}")
    unknown = set(raw) - FLAG_KEYS - set(LIST_KEYS) - {"any"}
    if unknown:
        raise ScenarioError(f"{where}: unknown condition {sorted(unknown)[0]!r} "
                            f"(known: {', '.join(sorted({*FLAG_KEYS, *LIST_KEYS, 'any'}))})")
    lists = {k: _strs(raw.get(k), f"{where}.{k}") for k in LIST_KEYS}
    for key in ("said", "not_said"):
        for p in lists[key]:
            try:
                compile_pattern(p)
            except PatternError as exc:
                raise ScenarioError(f"{where}.{key}: {exc}") from None
    flags = []
    for key in sorted(FLAG_KEYS & set(raw)):
        if not isinstance(raw[key], bool):
            raise ScenarioError(f"{where}.{key}: expected true or false")
        flags.append((key, bool(raw[key])))
    any_raw = raw.get("any") or []
    if not isinstance(any_raw, list):
        raise ScenarioError(f"{where}.any: expected a list of conditions")
    return Condition(
        fired=lists["fired"], fired_so_far=lists["fired_so_far"], not_fired=lists["not_fired"],
        said=lists["said"], not_said=lists["not_said"], flags=tuple(flags),
        any_of=tuple(parse_condition(c, f"{where}.any[{i}]") for i, c in enumerate(any_raw)),
    )


def _run(raw: Any, where: str) -> ScriptedRun | None:
    if raw is None:
        return None
    if isinstance(raw, list):
        raw = {"replies": raw}
    if not isinstance(raw, Mapping) or not raw.get("replies"):
        raise ScenarioError(f"{where}: a scripted run needs 'replies'")
    return ScriptedRun(_strs(raw["replies"], f"{where}.replies"), _strs(raw.get("expect"), f"{where}.expect"))


def _person(raw: Any, where: str) -> Person:
    if raw is None:
        return Person()
    if isinstance(raw, str):
        return Person(name=raw)
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a mapping")
    return Person(**{k: (str(raw[k]) if raw.get(k) is not None else None)
                     for k in ("name", "patronymic", "phone", "email")})


def parse_scenario(raw: Any, where: str, defaults: Mapping[str, Any] | None = None) -> Scenario:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: a scenario must be a mapping")
    data = {**(defaults or {}), **raw}
    sid = str(data.get("id") or "")
    if not sid:
        raise ScenarioError(f"{where}: a scenario needs an 'id'")
    where = f"{where} ({sid})"
    for key in ("title", "opening"):
        if not data.get(key):
            raise ScenarioError(f"{where}: the scenario lacks {key!r}")
    try:
        channel = Channel(data.get("channel", "chat"))
        direction = Direction(data.get("direction", "incoming"))
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    steps = []
    for i, s in enumerate(data.get("steps") or []):
        sw = f"{where}.steps[{i}]"
        if not isinstance(s, Mapping):
            raise ScenarioError(f"{sw}: a step must be a mapping")
        branches_raw = s.get("branches")
        if branches_raw is None and s.get("say"):
            branches_raw = [{"say": s["say"], "end": s.get("end", False)}]
        if not branches_raw:
            raise ScenarioError(f"{sw}: a step needs 'branches' (or 'say')")
        branches = []
        for j, b in enumerate(branches_raw):
            bw = f"{sw}.branches[{j}]"
            if not isinstance(b, Mapping) or not b.get("say"):
                raise ScenarioError(f"{bw}: a branch needs 'say'")
            branches.append(Branch(
                say=str(b["say"]).strip(),
                when=parse_condition(b["when"], f"{bw}.when") if b.get("when") is not None else None,
                goto=str(b["goto"]) if b.get("goto") else None,
                end=bool(b.get("end", False)), note=str(b.get("note") or ""),
            ))
        steps.append(Step(id=str(s.get("id") or f"step{i + 1}"), branches=tuple(branches),
                          hint=str(s.get("hint") or "").strip()))
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise ScenarioError(f"{where}: step ids repeat")
    for s in steps:
        for b in s.branches:
            if b.goto and b.goto not in ids:
                raise ScenarioError(f"{where}: step {s.id!r} goes to the unknown step {b.goto!r}")
    rulebook = data.get("rulebook") or {}
    if not isinstance(rulebook, Mapping):
        raise ScenarioError(f"{where}: 'rulebook' must be a mapping of rulebook settings")
    company = str(data.get("company") or "")
    return Scenario(
        id=sid, title=str(data["title"]).strip(), channel=channel, direction=direction,
        company=company, operator=str(data.get("operator") or "Елизавета"),
        client=_person(data.get("client"), f"{where}.client"),
        persona=str(data.get("persona") or "").strip(), goal=str(data.get("goal") or "").strip(),
        opening=str(data["opening"]).strip(), opening_hint=str(data.get("hint") or "").strip(),
        steps=tuple(steps), checklist=_strs(data.get("checklist"), f"{where}.checklist"),
        rulebook=dict(rulebook), good=_run(data.get("good"), f"{where}.good"),
        bad=_run(data.get("bad"), f"{where}.bad"), pass_score=float(data.get("pass_score", 90.0)),
        start=str(data.get("start") or "2026-11-20T11:00:00+03:00"), source=str(data.get("source") or ""),
    )


def _parse_file(text: str, where: str) -> tuple[list[Scenario], Mapping[str, Any]]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: not valid YAML: {exc}") from None
    if isinstance(data, list):
        data = {"scenarios": data}
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: expected a mapping with 'scenarios'")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ScenarioError(f"{where}: 'defaults' must be a mapping")
    items = data.get("scenarios") or []
    if not isinstance(items, list):
        raise ScenarioError(f"{where}: 'scenarios' must be a list")
    return [parse_scenario(s, f"{where}: scenarios[{i}]", defaults) for i, s in enumerate(items)], defaults


def load_scenarios(paths: Iterable[str | Path] = (), *, builtin: bool = True) -> dict[str, Scenario]:
    """The bundled library, then each company file in order (a scenario with the same id replaces it)."""
    out: dict[str, Scenario] = {}
    if builtin:
        text = (resources.files("vezhlivo.practice") / "data" / "scenarios.yaml").read_text(encoding="utf-8")
        for s in _parse_file(text, "practice/data/scenarios.yaml")[0]:
            out[s.id] = s
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ScenarioError(f"{p}: cannot read the scenarios: {exc.strerror}") from None
        for s in _parse_file(text, str(p))[0]:
            out[s.id] = s
    return out


def get_scenario(scenario_id: str, paths: Iterable[str | Path] = ()) -> Scenario:
    library = load_scenarios(paths)
    if scenario_id not in library:
        raise ScenarioError(f"no such scenario: {scenario_id!r} (known: {', '.join(library)})")
    return library[scenario_id]
