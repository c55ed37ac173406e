"""The text report: per contact, the quoted words highlighted, the message and the better phrase."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..pii import Masker
from .model import RunReport, contact_masker, run_dict

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _score_style(score: float) -> str:
    return "green" if score >= 85 else "yellow" if score >= 60 else "red"


def render_text(run: RunReport, console: Console, verbose: bool = False) -> None:
    data = run_dict(run)
    for report, c in zip(run.contacts, data["conversations"], strict=True):
        conv = report.conv
        # the names come from the report itself: the JSON's card holds the client's name already masked
        mask = contact_masker(report) if run.mask_pii else None
        op = c["operator"]
        head = Text()
        head.append(f"{c['id']}", style="bold")
        head.append(f"  {c['channel']}/{c['direction']}  ")
        head.append(f"оператор: {op['name'] or op['id'] or '—'}  ")
        head.append(f"оценка {c['score']:.0f}", style=_score_style(c["score"]))
        if c["critical"]:
            head.append(f"  (критично: {', '.join(c['critical'])})", style="bold red")
        console.print(head)
        for f in c["findings"]:
            _print_finding(console, f, conv, mask)
        if not c["findings"]:
            console.print("  ✓ нарушений не найдено", style="green")
        card = c["card"]
        bits = []
        if card["client_name"]:
            bits.append(f"клиент: {card['client_name']}")
        if card["promises"]:
            bits.append(f"обещаний: {len(card['promises'])}")
        if card["transfers"]:
            bits.append(f"переводов: {card['transfers']}")
        if card["complained"]:
            bits.append("жалоба: " + ("решена" if card["resolved"] else "не решена"))
        if bits:
            console.print("  карточка: " + "; ".join(bits), style="dim")
        call = c.get("call")
        if call:
            share = call.get("operator_talk_share")
            parts = [f"длительность {call['duration_seconds']:.0f} с"]
            if share is not None:
                parts.append(f"оператор говорил {100 * share:.0f}%")
            parts.append(f"перебиваний {call['interruptions']}")
            if call.get("reply_pause_mean") is not None:
                parts.append(f"пауза перед ответом {call['reply_pause_mean']:.1f} с")
            if call.get("tempo_ratio") is not None:
                parts.append(f"темп оператор/клиент {call['tempo_ratio']:.2f}")
            if call.get("holds"):
                parts.append(f"удержаний {call['holds']} ({call['hold_seconds']:.0f} с)")
            console.print("  звонок: " + "; ".join(parts), style="dim")
        if verbose:
            for s in c["silent"]:
                console.print(f"  · {s['rule']} не проверено: {s['reason']}", style="dim")
        for w in c["unused_waivers"]:
            console.print(f"  · неиспользованное исключение {w['rule']}: {w['reason']}", style="magenta")
        console.print()
    _print_summary(console, data["summary"])
    for e in data["errors"]:
        console.print(f"ошибка: {e['path']}:{e['record']}: {e['field'] or ''} {e['message']}", style="red")


def _print_finding(console: Console, f: dict[str, Any], conv: Any, mask: Masker | None) -> None:
    line = Text("  ")
    line.append(f"{f['rule']}", style=_SEVERITY_STYLE.get(f["severity"], ""))
    line.append(f" [{f['name']}]", style="dim")
    if f["waived"]:
        line.append(" (исключение)", style="magenta")
    if f["turn"] is not None:
        line.append(f" реплика {f['turn']}")
    console.print(line)
    if f["turn"] is not None and f["start"] is not None:
        text = conv.messages[f["turn"]].text
        if mask is not None:  # masks keep the length: offsets still hold
            text = mask(text) or ""
        a, b = f["start"], f["end"]
        left = max(0, a - 40)
        right = min(len(text), b + 40)
        ctx = Text("    «")
        ctx.append(("…" if left else "") + text[left:a].replace("\n", " "))
        ctx.append(text[a:b], style="bold reverse")
        ctx.append(text[b:right].replace("\n", " ") + ("…" if right < len(text) else ""))
        ctx.append("»")
        console.print(ctx)
    elif f["quote"]:
        console.print(Text(f"    «{f['quote']}»"))
    console.print(Text("    " + f["message"]))
    if f["suggestion"]:
        console.print(Text("    → " + f["suggestion"], style="green"))


def _print_summary(console: Console, s: dict[str, Any]) -> None:
    avg = "—" if s["average_score"] is None else f"{s['average_score']:.1f}"
    console.print(Text(f"Итого: контактов {s['conversations']}, нарушений {s['findings']}, средняя оценка {avg}",
                       style="bold"))
    if s["by_operator"]:
        t = Table(title="По операторам", show_lines=False)
        for col in ("оператор", "команда", "контактов", "оценка", "нарушений", "частые правила"):
            t.add_column(col)
        for o in s["by_operator"]:
            t.add_row(str(o["name"] or o["id"] or "—"), str(o["team"] or "—"), str(o["conversations"]),
                      f"{o['average_score']:.1f}", str(o["findings"]),
                      ", ".join(f"{r['rule']}×{r['count']}" for r in o["top_rules"]))
        console.print(t)
    if s["by_rule"]:
        console.print("Чаще всего: " + ", ".join(f"{k}×{v}" for k, v in list(s["by_rule"].items())[:10]))
    if s["errors"]:
        console.print(f"Пропущено записей с ошибками: {s['errors']}", style="red")
