"""The command line over real files: formats, exit codes, masking, waivers, rule docs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from vezhlivo.cli import app
from vezhlivo.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _conv(cid: str, operator_text: str, **extra: object) -> dict[str, object]:
    return {"id": cid, "channel": "chat", "direction": "incoming", "company": "Интернет-магазин Kid Mir",
            "operator": {"id": "op-1", "name": "Елизавета", "team": "Чаты"},
            "client": {"name": "Наталья", "phone": "+7 916 123-45-67", "email": "nata@example.ru"},
            "messages": [
                {"role": "client", "text": "Здравствуйте, я Наталья, мой телефон +7 916 123-45-67, где заказ?",
                 "ts": "2026-11-20T10:00:00+03:00"},
                {"role": "operator", "text": operator_text, "ts": "2026-11-20T10:00:20+03:00"}], **extra}


def _write(tmp_path: Path, *convs: dict[str, object]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in convs), encoding="utf-8")
    return path


def test_json_report_on_the_bundled_examples() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLES), "--rulebook", str(EXAMPLES / "rulebook.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema"] == "vezhlivo.report.v1"
    ids = [c["id"] for c in report["conversations"]]
    expected = [json.loads(line)["id"] for f in sorted(EXAMPLES.glob("*.jsonl"))
                for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(ids) == sorted(expected)
    for c in report["conversations"]:
        assert 0 <= c["score"] <= 100
        assert c["turns"] >= c["operator_turns"] >= 1
        for f in c["findings"]:
            assert set(f) >= {"rule", "name", "severity", "turn", "start", "end", "quote", "message", "suggestion"}
    assert report["summary"]["conversations"] == len(ids)
    assert report["summary"]["findings"] > 0


def test_finding_points_at_the_exact_words(tmp_path: Path) -> None:
    text = "Извините, я не знаю, где он."
    result = runner.invoke(app, ["check", str(_write(tmp_path, _conv("a", text))), "-f", "json", "--select", "F1"])
    assert result.exit_code == 0, result.output
    [conv] = json.loads(result.stdout)["conversations"]
    [f] = conv["findings"]
    assert (f["rule"], f["turn"], f["start"], f["end"], f["quote"]) == ("F1", 1, 10, 19, "я не знаю")
    assert f["suggestion"] == "Вам удобно подождать минуту, я уточню вопрос?"
    assert conv["turns"] == 2 and conv["operator_turns"] == 1


def test_malformed_records_exit_1_and_the_rest_is_reported() -> None:
    result = runner.invoke(app, ["check", str(FIXTURES / "malformed.jsonl"), "-f", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [c["id"] for c in report["conversations"]] == ["ok-1", "ok-2"]
    assert [e["record"] for e in report["errors"]] == [2, 3, 4, 5, 6]
    assert "malformed.jsonl:3: field 'messages[0].role'" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, _conv("a", "Добрый день!"))
    assert runner.invoke(app, ["check", str(path), "-f", "yaml"]).exit_code == 2
    assert runner.invoke(app, ["check", str(path), "--select", "Z9"]).exit_code == 2
    assert runner.invoke(app, ["check", str(tmp_path / "missing.jsonl")]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  F99: {enabled: false}\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--rulebook", str(bad)])
    assert result.exit_code == 2 and "F99" in result.stderr


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    path = _write(tmp_path, _conv("a", "Я не знаю."))
    out = json.loads(runner.invoke(app, ["check", str(path), "-f", "json", "--ignore", "F"]).stdout)
    assert not [f for f in out["conversations"][0]["findings"] if f["rule"].startswith("F")]
    out = json.loads(runner.invoke(app, ["check", str(path), "-f", "json", "--select", "F1"]).stdout)
    assert {f["rule"] for f in out["conversations"][0]["findings"]} == {"F1"}


def test_mask_pii_hides_phones_emails_and_names(tmp_path: Path) -> None:
    text = "Наталья, я не знаю. Напишите на help@kidmir.ru или позвоните +7 916 123-45-67, Наталья."
    path = _write(tmp_path, _conv("a", text))
    for fmt in ("json", "csv", "html", "text"):
        result = runner.invoke(app, ["check", str(path), "-f", fmt, "--mask-pii"])
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "123-45-67" not in out and "help@kidmir.ru" not in out and "nata@example.ru" not in out, fmt
        assert "Наталья" not in out, fmt


def test_mask_pii_hides_a_name_the_client_gave_in_every_format(tmp_path: Path) -> None:
    # no name in the metadata: the report learns it from «меня зовут Наталья» (its card)
    conv = {"id": "x1", "channel": "chat", "messages": [
        {"role": "client", "text": "Здравствуйте, меня зовут Наталья, где мой заказ?"},
        {"role": "operator", "text": "Наталья, ты подожди, я не знаю"}]}
    path = tmp_path / "intro.jsonl"
    path.write_text(json.dumps(conv, ensure_ascii=False) + "\n", encoding="utf-8")
    for fmt in ("json", "csv", "html", "text"):
        result = runner.invoke(app, ["check", str(path), "-f", fmt, "--mask-pii"])
        assert result.exit_code == 0, result.output
        assert "Наталья" not in result.stdout, fmt


def test_csv_has_one_row_per_finding(tmp_path: Path) -> None:
    path = _write(tmp_path, _conv("a", "Я не знаю. Правда, я не знаю, когда."), _conv("b", "Сейчас уточню."))
    result = runner.invoke(app, ["check", str(path), "-f", "csv", "--select", "F1"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["conversation"], r["rule"]) for r in rows] == [("a", "F1"), ("a", "F1"), ("b", "")]


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["check", str(_write(tmp_path, _conv("a", "Я не знаю."))), "-f", "html",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<mark" in html and "F1" in html and "Елизавета" in html
    assert "http" not in html.split("<body>")[0]  # no external styles or scripts


def test_waiver_silences_a_rule_and_unused_ones_are_reported(tmp_path: Path) -> None:
    waived = _conv("a", "Я не знаю.", waivers=[{"rule": "F1", "reason": "supervisor", "by": "sup-1"},
                                                 {"rule": "S4", "reason": "unused"}])
    plain = _conv("b", "Я не знаю.")
    result = runner.invoke(app, ["check", str(_write(tmp_path, waived, plain)), "-f", "json", "--select", "F1"])
    a, b = json.loads(result.stdout)["conversations"]
    assert all(f["waived"] for f in a["findings"] if f["rule"] == "F1")
    assert a["score"] > b["score"]
    assert [w["rule"] for w in a["unused_waivers"]] == ["S4"]


def test_rules_explain_and_init(tmp_path: Path) -> None:
    listing = runner.invoke(app, ["rules", "--format", "json"])
    codes = [r["code"] for r in json.loads(listing.stdout)]
    assert "F1" in codes
    doc = runner.invoke(app, ["explain", "f1"]).stdout
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in doc
    assert runner.invoke(app, ["explain", "Z1"]).exit_code == 2
    target = tmp_path / "rulebook.yaml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    rb = load_rulebook(target)
    assert rb.company.name == "Kid Mir" and rb.version == "my-company-1"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 2
