"""The registry itself: every rule of the standard declared, documented, exemplified and implemented."""

from __future__ import annotations

import re
from pathlib import Path

from vezhlivo.engine import load_checks
from vezhlivo.rulebook import load_rulebook
from vezhlivo.rules.base import CHECKS, check_for

STANDARD_IDS = (
    [f"G{i}" for i in range(1, 7)] + [f"A{i}" for i in range(1, 6)] + ["Q1", "Q2", "Q3", "Q7"]
    + [f"F{i}" for i in range(1, 22)] + [f"W{i}" for i in range(1, 9)] + [f"S{i}" for i in range(1, 9)]
    + [f"C{i}" for i in range(1, 7)] + ["E1", "E2"] + [f"O{i}" for i in range(1, 5)] + ["P1", "P2"]
)
SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "standard.md"


def test_every_declared_rule_is_documented_and_has_examples() -> None:
    rb = load_rulebook()
    for spec in rb.rules.values():
        assert re.fullmatch(r"[a-z][a-z0-9-]+", spec.name), spec.name
        for part in (spec.doc.what, spec.doc.why, spec.doc.example, spec.doc.instead, spec.message):
            assert part.strip(), f"{spec.code}: empty doc section"
        assert spec.examples_bad, f"{spec.code} has no bad example"
        assert spec.examples_good, f"{spec.code} has no good example"
        assert spec.source, f"{spec.code} names no seed"


def test_every_declared_rule_has_a_check() -> None:
    load_checks()
    rb = load_rulebook()
    for spec in rb.rules.values():
        assert check_for(spec) is not None, f"{spec.code} has no check"
    for code in CHECKS:
        assert code in rb.rules, f"check {code} has no declaration"


def test_names_are_unique() -> None:
    rb = load_rulebook()
    names = [s.name for s in rb.rules.values()]
    assert len(names) == len(set(names))
