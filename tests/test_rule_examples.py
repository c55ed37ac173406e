"""One test runs every rule's own examples (LanguageTool's PatternRuleTest, for conversations)."""

from __future__ import annotations

from typing import Any

import pytest

from vezhlivo.engine import Engine
from vezhlivo.rulebook import RuleSpec, load_rulebook
from vezhlivo.rules.examples import EXAMPLE_RULEBOOK, build_example, span_set

RULEBOOK = load_rulebook(overrides=EXAMPLE_RULEBOOK)
CASES = [
    pytest.param(spec.code, kind, i, ex, id=f"{spec.code}-{kind}-{i}")
    for spec in RULEBOOK.rules.values()
    for kind, examples in (("bad", spec.examples_bad), ("good", spec.examples_good))
    for i, ex in enumerate(examples)
]


def _engine(overrides: dict[str, Any]) -> Engine:
    if not overrides:
        return Engine(RULEBOOK)
    merged = {**EXAMPLE_RULEBOOK, **overrides}
    return Engine(load_rulebook(overrides=merged))


def _spec(code: str) -> RuleSpec:
    return RULEBOOK.rules[code]


@pytest.mark.parametrize(("code", "kind", "i", "example"), CASES)
def test_rule_example(code: str, kind: str, i: int, example: dict[str, Any]) -> None:
    spec = _spec(code)
    expected = build_example(spec, example)
    engine = _engine(expected.overrides)
    report = engine.check(expected.conv)
    mine = [f for f in report.findings if f.rule == code]
    if kind == "good":
        assert not mine, f"{code} fired on a good example: {[(f.turn, f.quote, f.message) for f in mine]}"
        return
    assert span_set(mine, code) == expected.spans, (
        f"{code}: expected spans {expected.spans}, got {[(f.turn, f.start, f.end, f.quote) for f in mine]}"
    )
    if expected.contact:
        assert any(f.start is None for f in mine), f"{code}: expected a finding about the whole contact"
    assert mine, f"{code}: the bad example raised nothing"
    want = expected.suggestion if expected.suggestion is not None else spec.suggestion
    for f in mine:
        if f.start is not None or expected.contact:
            assert f.suggestion == want, f"{code}: suggestion {f.suggestion!r} != {want!r}"
    if expected.fixed is not None:
        fixed = [f for f in engine.check(expected.fixed).findings if f.rule == code]
        assert not fixed, f"{code}: the corrected text still raises {[f.quote for f in fixed]}"
