"""Measuring the judgement on labelled contacts: per-rule recall, false alarms, agreement with people.

A labelled contact is a canonical v1 conversation with a ``labels`` object::

    "labels": {"expect": [{"rule": "F4", "turn": 3}, {"rule": "S4"}],
               "forbid": ["F1", "A1"], "qa_score": 80}

An expected finding is found when the rule fired on that turn (or anywhere, when no turn is given;
a finding about the whole contact counts for any turn). A forbidden rule must stay silent in the
whole contact.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import ContactReport, Engine
from .errors import FieldError, RecordError
from .ingest.canonical import parse_conversation
from .model import Conversation, Source


@dataclass
class Labels:
    expect: list[tuple[str, int | None]]
    forbid: list[str]
    qa_score: float | None = None
    note: str = ""


@dataclass
class Case:
    conv: Conversation
    labels: Labels


@dataclass
class RuleStats:
    found: int = 0
    missed: int = 0
    silent: int = 0  # forbid checks that stayed silent
    false_alarms: int = 0

    @property
    def recall(self) -> float | None:
        n = self.found + self.missed
        return self.found / n if n else None

    @property
    def precision(self) -> float | None:
        n = self.found + self.false_alarms
        return self.found / n if n else None

    @property
    def silence(self) -> float | None:
        n = self.silent + self.false_alarms
        return self.silent / n if n else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)


@dataclass
class EvalResult:
    rules: dict[str, RuleStats] = field(default_factory=lambda: defaultdict(RuleStats))
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    scores: list[tuple[float, float]] = field(default_factory=list)  # (human, automatic)
    errors: list[RecordError] = field(default_factory=list)
    contacts: int = 0

    def totals(self) -> RuleStats:
        t = RuleStats()
        for s in self.rules.values():
            t.found += s.found
            t.missed += s.missed
            t.silent += s.silent
            t.false_alarms += s.false_alarms
        return t

    def to_dict(self) -> dict[str, Any]:
        t = self.totals()
        return {
            "contacts": self.contacts,
            "expected_found": t.recall,
            "forbid_silent": t.silence,
            "rules": {code: {"found": s.found, "missed": s.missed, "silent": s.silent,
                             "false_alarms": s.false_alarms, "recall": s.recall, "precision": s.precision,
                             "f1": s.f1, "silence": s.silence}
                      for code, s in sorted(self.rules.items())},
            "agreement": agreement(self.scores),
            "misses": self.misses,
            "false_alarms": self.false_alarms,
            "errors": [str(e) for e in self.errors],
        }


def _labels(obj: Any) -> Labels:
    if not isinstance(obj, dict):
        raise FieldError("labels", "missing or not an object")
    expect: list[tuple[str, int | None]] = []
    for i, e in enumerate(obj.get("expect") or []):
        if isinstance(e, str):
            expect.append((e.upper(), None))
        elif isinstance(e, dict) and isinstance(e.get("rule"), str):
            turn = e.get("turn")
            expect.append((e["rule"].upper(), int(turn) if turn is not None else None))
        else:
            raise FieldError(f"labels.expect[{i}]", "expected a rule code or {rule, turn}")
    forbid = [str(f).upper() for f in obj.get("forbid") or []]
    qa = obj.get("qa_score")
    return Labels(expect, forbid, float(qa) if qa is not None else None, str(obj.get("note") or ""))


def read_cases(paths: Iterable[Path]) -> tuple[list[Case], list[RecordError]]:
    cases: list[Case] = []
    errors: list[RecordError] = []
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.rglob("*.jsonl")) if p.is_dir() else [p])
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                conv = parse_conversation(obj, Source(str(path), number))
                cases.append(Case(conv, _labels(obj.get("labels"))))
            except json.JSONDecodeError as exc:
                errors.append(RecordError(str(path), number, None, f"broken JSON: {exc.msg}"))
            except FieldError as exc:
                errors.append(RecordError(str(path), number, exc.field, exc.message))
    return cases, errors


def evaluate(cases: list[Case], engine: Engine | None = None) -> EvalResult:
    engine = engine or Engine()
    result = EvalResult(contacts=len(cases))
    reports = engine.check_many([c.conv for c in cases])
    for case, report in zip(cases, reports, strict=True):
        assert isinstance(report, ContactReport)
        _judge(case, report, result)
    return result


def _judge(case: Case, report: ContactReport, result: EvalResult) -> None:
    fired = [f for f in report.findings if not f.waived]
    for rule, turn in case.labels.expect:
        hits = [f for f in fired if f.rule == rule and (turn is None or f.turn in (turn, None))]
        if hits:
            result.rules[rule].found += 1
        else:
            result.rules[rule].missed += 1
            msg = case.conv.messages[turn].text if turn is not None and turn < len(case.conv.messages) else None
            result.misses.append({"contact": case.conv.id, "rule": rule, "turn": turn, "text": msg,
                                  "note": case.labels.note})
    for rule in case.labels.forbid:
        hits = [f for f in fired if f.rule == rule]
        if hits:
            result.rules[rule].false_alarms += 1
            for f in hits:
                result.false_alarms.append({"contact": case.conv.id, "rule": rule, "turn": f.turn,
                                            "quote": f.quote, "message": f.message, "note": case.labels.note})
        else:
            result.rules[rule].silent += 1
    if case.labels.qa_score is not None:
        result.scores.append((case.labels.qa_score, report.score.total))


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def agreement(pairs: list[tuple[float, float]]) -> dict[str, float | int | None]:
    """Spearman's rho and the mean absolute error between human and automatic scores."""
    n = len(pairs)
    if n < 2:
        return {"n": n, "spearman": None, "mae": None}
    hx = _ranks([p[0] for p in pairs])
    ax = _ranks([p[1] for p in pairs])
    mh, ma = sum(hx) / n, sum(ax) / n
    cov = sum((a - mh) * (b - ma) for a, b in zip(hx, ax, strict=True))
    vh = sum((a - mh) ** 2 for a in hx) ** 0.5
    va = sum((b - ma) ** 2 for b in ax) ** 0.5
    rho = cov / (vh * va) if vh and va else None
    mae = sum(abs(h - a) for h, a in pairs) / n
    return {"n": n, "spearman": round(rho, 3) if rho is not None else None, "mae": round(mae, 2)}
