"""The checklist score (X1): the per-rulebook plans give what the definition gives, for any list of rules."""

from __future__ import annotations

import random

from vezhlivo.model import Finding
from vezhlivo.rulebook import Rulebook, RuleSpec, load_rulebook
from vezhlivo.score import Score, SectionScore, score_contact


def by_definition(rulebook: Rulebook, applicable: list[RuleSpec], findings: list[Finding]) -> Score:
    """Each applicable rule is worth its points in its section; a rule that fired loses them; the total is
    the sections' weighted mean, zero when a critical rule fired."""
    fired = {f.rule for f in findings}
    sections = []
    weighted = weights = 0.0
    for key, section in rulebook.sections.items():
        specs = [s for s in applicable if s.section == key and rulebook.points(s) > 0]
        possible = sum(rulebook.points(s) for s in specs)
        if not possible:
            continue
        lost = sum(rulebook.points(s) for s in specs if s.code in fired)
        value = 100.0 * (1.0 - lost / possible)
        failed = tuple(s.code for s in specs if s.code in fired)
        sections.append(SectionScore(key, section.title, section.weight, round(value, 1), failed, len(specs)))
        weighted += value * section.weight
        weights += section.weight
    critical = tuple(sorted(c for c in fired if c in rulebook.critical))
    total = 0.0 if critical else (weighted / weights if weights else 100.0)
    return Score(round(total, 1), tuple(sections), critical)


def as_tuples(score: Score) -> tuple[object, ...]:
    return (score.total, tuple((s.key, s.title, s.weight, s.score, s.failed, s.items) for s in score.sections),
            score.critical)


def test_scores_equal_the_definition_for_many_rule_lists_asked_in_turn() -> None:
    rulebook = load_rulebook()
    specs = list(rulebook.rules.values())
    rng = random.Random(7)
    # a few lists of applicable rules (as channels and rules that could not judge make them), asked in
    # turn, so that every plan is reused for other findings
    lists = [specs, specs[: len(specs) // 2], rng.sample(specs, 20), [s for s in specs if s.code[0] in "GA"], []]
    for round_ in range(200):
        applicable = lists[round_ % len(lists)]
        codes = rng.sample([s.code for s in specs], rng.randint(0, 8))
        findings = [Finding(rule=c, message="") for c in codes for _ in range(rng.randint(1, 2))]
        assert as_tuples(score_contact(rulebook, applicable, findings)) == \
            as_tuples(by_definition(rulebook, applicable, findings))


def test_a_section_lists_its_failed_rules_in_the_rulebooks_order() -> None:
    rulebook = load_rulebook()
    applicable = list(rulebook.rules.values())
    section = applicable[0].section
    in_section = [s.code for s in applicable if s.section == section and rulebook.points(s) > 0]
    assert len(in_section) >= 2
    findings = [Finding(rule=c, message="") for c in reversed(in_section[:2])]
    score = score_contact(rulebook, applicable, findings)
    assert next(s for s in score.sections if s.key == section).failed == tuple(in_section[:2])
    assert score.total < 100.0
