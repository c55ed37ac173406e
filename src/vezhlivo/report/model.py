"""The JSON report, schema ``vezhlivo.report.v1``, and the summary every format shows."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..engine import ContactReport
from ..errors import RecordError
from ..pii import Masker, identity
from ..rulebook import Rulebook

SCHEMA = "vezhlivo.report.v1"


@dataclass
class RunReport:
    rulebook: Rulebook
    contacts: list[ContactReport] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    mask_pii: bool = False


def _finding_dict(f: Any, mask: Callable[[str | None], str | None]) -> dict[str, Any]:
    return {
        "rule": f.rule, "name": f.name, "severity": f.severity.value, "turn": f.turn, "start": f.start,
        "end": f.end, "quote": mask(f.quote), "message": f.message, "suggestion": mask(f.suggestion),
        "waived": f.waived,
    }


def _message_dict(m: Any, mask: Callable[[str | None], str | None]) -> dict[str, Any]:
    return {"index": m.index, "role": m.role.value, "event": m.event.value if m.event else None,
            "ts": m.ts.isoformat() if m.ts else None, "start": m.start, "end": m.end,
            "author": mask(m.author), "text": mask(m.text)}


def contact_masker(c: ContactReport) -> Masker:
    """What masks a contact's personal data in every output: phones, e-mails and the client's names."""
    names = [c.conv.client.name, c.conv.client.patronymic, c.card.client_name]
    return Masker([n for n in names if n])


def contact_dict(c: ContactReport, mask_pii: bool = False) -> dict[str, Any]:
    conv = c.conv
    mask: Callable[[str | None], str | None] = contact_masker(c) if mask_pii else identity
    card = asdict(c.card)
    if mask_pii:
        card["client_name"] = mask(card["client_name"])
        card["question"] = mask(card["question"])
        card["phones"] = [mask(p) for p in card["phones"]]
        card["emails"] = [mask(e) for e in card["emails"]]
        for p in card["promises"]:
            p["text"] = mask(p["text"])
    return {
        "id": conv.id,
        "channel": conv.channel.value,
        "direction": conv.direction.value,
        "operator": {"id": conv.operator.id, "name": conv.operator.name, "team": conv.operator.team},
        "started_at": conv.started_at.isoformat() if conv.started_at else None,
        "score": c.score.total,
        "sections": [
            {"section": s.key, "title": s.title, "weight": s.weight, "score": s.score, "failed": list(s.failed)}
            for s in c.score.sections
        ],
        "critical": list(c.score.critical),
        "turns": c.turns,
        "operator_turns": c.operator_turns,
        "messages": [_message_dict(m, mask) for m in conv.messages],
        "findings": [_finding_dict(f, mask) for f in c.findings],
        "card": card,
        "silent": [{"rule": code, "reason": why} for code, why in c.silent],
        "unused_waivers": [{"rule": w.rule, "reason": w.reason, "by": w.by} for w in c.unused_waivers],
        "source": {"path": conv.source.path, "record": conv.source.record} if conv.source else None,
        "call": c.call_metrics,
    }


def summary(contacts: list[ContactReport], errors: list[RecordError]) -> dict[str, Any]:
    by_rule: Counter[str] = Counter()
    ops: dict[tuple[str | None, str | None], list[ContactReport]] = defaultdict(list)
    teams: dict[str | None, list[ContactReport]] = defaultdict(list)
    for c in contacts:
        by_rule.update(f.rule for f in c.active_findings)
        ops[(c.conv.operator.id, c.conv.operator.name)].append(c)
        teams[c.conv.operator.team].append(c)

    def group(items: list[ContactReport]) -> dict[str, Any]:
        rules: Counter[str] = Counter(f.rule for c in items for f in c.active_findings)
        out: dict[str, Any] = {
            "conversations": len(items),
            "average_score": round(sum(c.score.total for c in items) / len(items), 1),
            "findings": sum(rules.values()),
            "top_rules": [{"rule": r, "count": n} for r, n in rules.most_common(5)],
        }
        calls = [c.call_metrics for c in items if c.call_metrics]
        if calls:
            from ..audio.measures import summarize_metrics

            out["calls"] = summarize_metrics(calls)
        return out

    operators = [
        {"id": oid, "name": name, "team": items[0].conv.operator.team, **group(items)}
        for (oid, name), items in ops.items()
    ]
    operators.sort(key=lambda o: (o["average_score"], str(o["id"])))
    return {
        "conversations": len(contacts),
        "findings": sum(by_rule.values()),
        "average_score": round(sum(c.score.total for c in contacts) / len(contacts), 1) if contacts else None,
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_operator": operators,
        "by_team": [{"team": t, **group(items)} for t, items in sorted(teams.items(), key=lambda kv: str(kv[0]))],
        "errors": len(errors),
    }


def run_dict(run: RunReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "rulebook": {"version": run.rulebook.version, "path": run.rulebook.path},
        "conversations": [contact_dict(c, run.mask_pii) for c in run.contacts],
        "errors": [{"path": e.path, "record": e.record, "field": e.field, "message": e.message} for e in run.errors],
        "summary": summary(run.contacts, run.errors),
    }
