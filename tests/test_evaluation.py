"""The project's labelled set: vezhlivo eval must not fall below the recorded floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vezhlivo.cli import app, check_thresholds
from vezhlivo.engine import Engine
from vezhlivo.evaluate import Case, Labels, agreement, evaluate, read_cases
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "eval" / "labelled"


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    cases, errors = read_cases([LABELLED])
    assert not errors and len(cases) >= 300
    return evaluate(cases, Engine(load_rulebook(LABELLED / "rulebook.yaml"))).to_dict()


def test_the_labelled_set_stays_above_its_floors(result: dict[str, object]) -> None:
    failed = check_thresholds(result, ROOT / "eval" / "thresholds.json")
    assert not failed, "\n".join(failed)
    assert result["expected_found"] >= 0.9 and result["forbid_silent"] >= 0.97  # type: ignore[operator]


def test_eval_command_fails_below_a_threshold(tmp_path: Path) -> None:
    strict = tmp_path / "t.json"
    strict.write_text(json.dumps({"expected_found": 1.01}), encoding="utf-8")
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "x", "channel": "chat", "messages": [
        {"role": "client", "text": "Где заказ?"}, {"role": "operator", "text": "Я не знаю."}],
        "labels": {"expect": [{"rule": "F1", "turn": 1}], "forbid": ["A1"]}}, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["eval", str(one), "-f", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["rules"]["F1"]["found"] == 1 and data["rules"]["A1"]["silent"] == 1
    assert runner.invoke(app, ["eval", str(one), "--thresholds", str(strict)]).exit_code == 1


def test_misses_and_false_alarms_are_counted() -> None:
    conv = parse_conversation({"id": "y", "channel": "chat", "messages": [
        {"role": "client", "text": "Где заказ?"}, {"role": "operator", "text": "Сейчас уточню, минуту."}]})
    res = evaluate([Case(conv, Labels(expect=[("F1", 1)], forbid=[]))])
    assert res.rules["F1"].missed == 1 and res.misses[0]["contact"] == "y"
    conv2 = parse_conversation({"id": "z", "channel": "chat", "messages": [
        {"role": "client", "text": "Где заказ?"}, {"role": "operator", "text": "Я не знаю."}]})
    res2 = evaluate([Case(conv2, Labels(expect=[], forbid=["F1"]))])
    assert res2.rules["F1"].false_alarms == 1 and res2.false_alarms[0]["quote"] == "Я не знаю"


def test_agreement_with_people() -> None:
    assert agreement([(90, 85), (70, 60), (50, 55)])["spearman"] == 1.0
    assert agreement([(90, 50), (50, 90)])["spearman"] == -1.0
    assert agreement([(80, 70)])["spearman"] is None
