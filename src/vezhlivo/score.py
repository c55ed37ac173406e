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


def score_contact(rulebook: Rulebook, applicable: list[RuleSpec], findings: list[Finding]) -> Score:
    """Each applicable rule is a checklist item worth its points; a rule that fired loses them."""
    fired = {f.rule for f in findings}
    possible: dict[str, float] = {}
    lost: dict[str, float] = {}
    failed: dict[str, list[str]] = {}
    items: dict[str, int] = {}
    for spec in applicable:
        pts = rulebook.points(spec)
        if pts <= 0:
            continue
        possible[spec.section] = possible.get(spec.section, 0.0) + pts
        items[spec.section] = items.get(spec.section, 0) + 1
        if spec.code in fired:
            lost[spec.section] = lost.get(spec.section, 0.0) + pts
            failed.setdefault(spec.section, []).append(spec.code)
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
