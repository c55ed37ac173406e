"""The rulebook: defaults, company overrides, selection by code and prefix, extra phrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from vezhlivo.engine import Engine
from vezhlivo.errors import RulebookError
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.model import Channel, Direction, Severity
from vezhlivo.rulebook import load_rulebook


def _enabled(rb: object) -> set[str]:
    return {c for c, s in rb.rules.items() if s.enabled}  # type: ignore[attr-defined]


def test_select_full_code_prefix_and_star() -> None:
    rb = load_rulebook()
    f_codes = {c for c in rb.rules if c.startswith("F")}
    assert _enabled(rb.select(["F1"], None)) == {"F1"}
    assert _enabled(rb.select(["F"], None)) == f_codes
    assert _enabled(rb.select(["F1*"], None)) == {c for c in f_codes if c.startswith("F1")}
    assert "F1" not in _enabled(rb.select(None, ["F1"]))
    with pytest.raises(RulebookError, match="Z9"):
        rb.select(["Z9"], None)


def test_company_file_overrides_defaults(tmp_path: Path) -> None:
    path = tmp_path / "company.yaml"
    path.write_text(
        "version: acme-7\n"
        "company: {name: Acme, aliases: [Акме]}\n"
        "critical: [F1]\n"
        "sections: {phrases: {title: Фразы, weight: 50}}\n"
        "rules:\n"
        "  F1: {severity: error, channels: [chat], directions: [incoming], params: {unless: ['уточнить']}}\n",
        encoding="utf-8",
    )
    rb = load_rulebook(path)
    spec = rb.rules["F1"]
    assert rb.version == "acme-7" and rb.company.names == ("Acme", "Акме")
    assert spec.severity is Severity.ERROR and spec.params["unless"] == ["уточнить"]
    assert spec.params["patterns"]  # untouched keys keep their defaults
    assert spec.applies(Channel.CHAT, Direction.INCOMING) and not spec.applies(Channel.EMAIL, Direction.INCOMING)
    assert rb.sections["phrases"].weight == 50 and rb.sections["greeting"].weight == 15
    assert "F1" in rb.critical


def test_bad_rulebooks_name_the_problem(tmp_path: Path) -> None:
    cases = {
        "rules: {F1: {colour: red}}": "rules.F1.colour",
        "rules: {F1: {channels: [fax]}}": "channels",
        "company: [unclosed": "not valid YAML",
        "- just a list": "mapping",
    }
    for text, needle in cases.items():
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RulebookError, match=needle):
            load_rulebook(path)
    with pytest.raises(RulebookError, match="cannot read"):
        load_rulebook(tmp_path / "missing.yaml")


def test_extra_phrases_become_rules_with_their_replacement() -> None:
    rb = load_rulebook(overrides={"extra_phrases": [
        {"code": "K1", "title": "это не наша проблема", "patterns": ["не наш проблема"],
         "suggestion": "Давайте вместе разберёмся."}]})
    conv = parse_conversation({"id": "x", "channel": "chat", "messages": [
        {"role": "client", "text": "Курьер опоздал!"},
        {"role": "operator", "text": "Это уже не наши проблемы, извините."}]})
    [f] = [f for f in Engine(rb).check(conv).findings if f.rule == "K1"]
    assert f.quote == "не наши проблемы" and f.suggestion == "Давайте вместе разберёмся."


def test_flat_thresholds_override_rule_params() -> None:
    rb = load_rulebook()
    key = next(((c, k) for c, s in rb.rules.items() for k, v in s.params.items()
                if isinstance(v, int | float) and not isinstance(v, bool)), None)
    if key is None:
        pytest.skip("no numeric parameter declared yet")
    code, param = key
    rb2 = load_rulebook(overrides={"thresholds": {param: 12345}})
    assert rb2.rules[code].params[param] == 12345
