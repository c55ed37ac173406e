"""Rule documentation generated from the registry (never written twice)."""

from __future__ import annotations

from .rulebook import Rulebook, RuleSpec
from .rules.examples import MARK


def _example_text(ex: dict[str, object]) -> str:
    if "text" in ex:
        return MARK.sub(r"**\1**", str(ex["text"]))
    conv = ex.get("conversation")
    if isinstance(conv, dict):
        lines = []
        for m in conv.get("messages", []):
            if isinstance(m, dict):
                who = m.get("role")
                what = m.get("text") or f"[{m.get('event')}]"
                lines.append(f"{who}: " + MARK.sub(r"**\1**", str(what)))
        return " / ".join(lines)
    return ""


def rule_markdown(spec: RuleSpec) -> str:
    channels = ", ".join(sorted(c.value for c in spec.channels))
    out = [
        f"# {spec.code} {spec.name} — {spec.title}",
        "",
        f"Section: {spec.section} · severity: {spec.severity.value} · channels: {channels} · source: {spec.source}",
        "",
        "## What it does",
        spec.doc.what,
        "",
        "## Why is this bad?",
        spec.doc.why,
        "",
        "## Example",
        spec.doc.example,
        "",
        "## Use instead",
        spec.doc.instead,
        "",
    ]
    if spec.suggestion:
        out += ["## Suggested phrase", spec.suggestion, ""]
    if spec.params:
        out += ["## Settings (overridable in the company rulebook)", ""]
        for key, value in spec.params.items():
            shown = value if not isinstance(value, list) or len(value) <= 8 else [*value[:8], "…"]
            out.append(f"- `{key}`: {shown}")
        out.append("")
    if spec.examples_bad:
        out += ["## Flagged", *[f"- {_example_text(e)}" for e in spec.examples_bad], ""]
    if spec.examples_good:
        out += ["## Not flagged", *[f"- {_example_text(e)}" for e in spec.examples_good], ""]
    return "\n".join(out)


def rules_markdown(rb: Rulebook) -> str:
    head = ["# Rules of the standard", "", "| code | name | section | severity | what |", "|---|---|---|---|---|"]
    rows = [f"| {s.code} | {s.name} | {s.section} | {s.severity.value} | {s.title} |" for s in rb.rules.values()]
    body = [rule_markdown(s) for s in rb.rules.values()]
    return "\n".join([*head, *rows, "", *body])
