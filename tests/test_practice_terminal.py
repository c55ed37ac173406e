"""The terminal practice, driven through a real pseudo-terminal (pexpect), and its in-process API."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from vezhlivo.practice.scenarios import load_scenarios
from vezhlivo.practice.terminal import main, run

pexpect = pytest.importorskip("pexpect")

SCENARIO = load_scenarios()["courier-no-show"]


def _spawn(*args: str) -> Any:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return pexpect.spawn(sys.executable, ["-m", "vezhlivo.practice.terminal", *args], encoding="utf-8",
                         timeout=60, env=env, dimensions=(50, 200))


def test_a_good_run_in_a_real_terminal() -> None:
    assert SCENARIO.good is not None
    replies = list(SCENARIO.good.replies)
    child = _spawn("courier-no-show", "--hints")
    child.expect("Клиент: Здравствуйте. Я весь день ждала курьера")
    child.expect("Вы: ")
    child.sendline("/hint")
    child.expect(r"\? Подсказка: Поприветствуйте по форме")
    child.expect("Образец: Интернет-магазин Kid Mir")
    child.expect("Вы: ")
    child.sendline(replies[0])
    child.expect("Клиент: Наталья. Номер заказа 45821.")
    for text in replies[1:]:
        child.expect("Вы: ")
        child.sendline(text)
    child.expect(r"Итог: 100 из 100 — зачтено")
    child.expect("Образец разговора")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_bad_run_shows_findings_and_suggestions() -> None:
    child = _spawn("courier-no-show", "--hints")
    child.expect("Вы: ")
    child.sendline("Здравствуйте. Номер заказа?")
    child.expect(r"! G1")
    child.expect("Клиент: Мне некогда представляться")
    child.expect("Вы: ")
    child.sendline("Позвоните курьеру сами.")
    child.expect(r"! F18 «Позвоните курьеру сами»")
    child.expect("Клиент: Почему я должна сама звонить курьеру")
    child.expect("Вы: ")
    child.sendline("/end")
    child.expect("не зачтено")
    child.expect(r"Лучше: ")
    child.expect(r"F18 \(реплика 2\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_choosing_a_scenario_from_the_list() -> None:
    child = _spawn()
    child.expect("Выберите сценарий")
    child.sendline("1")
    child.expect("Клиент: ")
    child.expect("Вы: ")
    child.sendeof()
    child.expect("Итог:")
    child.expect(pexpect.EOF)


def test_run_in_process_and_options() -> None:
    out = io.StringIO()
    assert run(None, list_only=True, stdout=out) == 0
    assert "courier-no-show" in out.getvalue() and "three-noes" in out.getvalue()
    out = io.StringIO()
    assert run("nope", stdin=io.StringIO(""), stdout=out) == 2
    out = io.StringIO()
    assert run(None, stdin=io.StringIO(""), stdout=out) == 1
    assert SCENARIO.good is not None
    out = io.StringIO()
    script = "\n".join(["/help", "/what", *SCENARIO.good.replies]) + "\n"
    assert run("courier-no-show", hints=True, stdin=io.StringIO(script), stdout=out) == 0
    text = out.getvalue()
    assert "Неизвестная команда /what" in text and "Итог: 100 из 100" in text
    assert main(["--list"]) == 0


def test_company_answers_that_break_the_standard_are_reported(tmp_path: Path) -> None:
    f = tmp_path / "answers.yaml"
    f.write_text("answers:\n  - id: rude\n    title: Где заказ?\n    text: Вы должны ждать, я не знаю где он.\n"
                 "    questions: [\"Где мой заказ?\"]\n", encoding="utf-8")
    out = io.StringIO()
    assert run("courier-no-show", stdin=io.StringIO("/end\n"), stdout=out, answer_files=[f]) == 0
    assert "Готовый ответ rude нарушает стандарт: F4" in out.getvalue()

