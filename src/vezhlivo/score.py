"""The checklist score (X1): sections and weights from the rulebook, critical rules zero it."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Finding
from .rulebook import Rulebook, RuleSpec


@dataclass(frozen=True, slots=True)
class SectionScore:
    key: str
    title: str
    weight: float
    score: float  # 0–100
    failed: tuple[str, ...]  # rule codes
    items: int  # checklist items judged


@dataclass(frozen=True, slots=True)
class Score:
    total: float  # 0–100
    sections: tuple[SectionScore, ...]
    critical: tuple[str, ...]  # critical rules broken (the total is then 0)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a set of applicable rules contributes before any finding: the points each section can
    lose, the items it judges, and where each scoring rule goes (rule -> (its place, section, points))."""

    possible: dict[str, float]
    items: dict[str, int]
    scoring: dict[str, tuple[int, str, float]]
    specs: tuple[RuleSpec, ...]  # held, so that no other object takes the ids the plan is keyed by


_PLANS = "score:plans"  # the rulebook's derived entry: one plan per distinct list of applicable rules
_PLANS_LIMIT = 1024  # distinct lists seen in a run are few (channel, direction, rules that could not judge)


def _plan(rulebook: Rulebook, applicable: list[RuleSpec]) -> _Plan:
    plans: dict[tuple[int, ...], _Plan] = rulebook.derived.setdefault(_PLANS, {})
    key = tuple(map(id, applicable))
    plan = plans.get(key)
    if plan is None:
        possible: dict[str, float] = {}
        items: dict[str, int] = {}
        scoring: dict[str, tuple[int, str, float]] = {}
        for place, spec in enumerate(applicable):
            pts = rulebook.points(spec)
            if pts <= 0:
                continue
            possible[spec.section] = possible.get(spec.section, 0.0) + pts
            items[spec.section] = items.get(spec.section, 0) + 1
            scoring.setdefault(spec.code, (place, spec.section, pts))
        plan = _Plan(possible, items, scoring, tuple(applicable))
        if len(plans) < _PLANS_LIMIT:
            plans[key] = plan
    return plan


def score_contact(rulebook: Rulebook, applicable: list[RuleSpec], findings: list[Finding]) -> Score:
    """Each applicable rule is a checklist item worth its points; a rule that fired loses them."""
    plan = _plan(rulebook, applicable)
    fired = {f.rule for f in findings}
    lost: dict[str, float] = {}
    failed: dict[str, list[str]] = {}
    scoring = plan.scoring
    # the rules that fired, in the order of the applicable list (a section's failed rules keep it)
    for _, key, pts, code in sorted((*scoring[c], c) for c in fired if c in scoring):
        lost[key] = lost.get(key, 0.0) + pts
        failed.setdefault(key, []).append(code)
    possible, items = plan.possible, plan.items
    sections = []
    weighted = 0.0
    weights = 0.0
    for key, section in rulebook.sections.items():
        if not possible.get(key):
            continue
        value = 100.0 * (1.0 - lost.get(key, 0.0) / possible[key])
        sections.append(SectionScore(key, section.title, section.weight, round(value, 1),
                                     tuple(failed.get(key, ())), items[key]))
        weighted += value * section.weight
        weights += section.weight
    total = weighted / weights if weights else 100.0
    critical = tuple(sorted(c for c in fired if c in rulebook.critical))
    if critical:
        total = 0.0
    return Score(round(total, 1), tuple(sections), critical)
