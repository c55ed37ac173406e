"""One self-contained HTML file a supervisor can open: per-operator summary, contacts with findings in place."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..pii import Masker
from .model import RunReport, contact_masker, run_dict


def highlight(text: str, findings: list[dict[str, Any]], mask: Masker | None = None) -> Markup:
    """The message with each finding's span marked (overturned ones left out); masks keep the length,
    so the marks stay on the masked text. Shared by the HTML report and the service's pages."""
    spans = sorted((f for f in findings if f["start"] is not None and not f.get("overturned")),
                   key=lambda f: f["start"])
    out: list[str] = []
    pos = 0
    for f in spans:
        if f["start"] < pos or f["end"] > len(text):
            continue
        out.append(_plain(text[pos:f["start"]], mask))
        title = f"{f['rule']}: {f['message']}"
        out.append(f'<mark class="{escape(f["severity"])}" data-rule="{escape(f["rule"])}" title="{escape(title)}">'
                   f'{_plain(text[f["start"]:f["end"]], mask)}<sup>{escape(f["rule"])}</sup></mark>')
        pos = f["end"]
    out.append(_plain(text[pos:], mask))
    return Markup("".join(out))


def _plain(text: str, mask: Masker | None) -> str:
    return str(escape(mask(text) if mask else text)).replace("\n", "<br>")


def render_html(run: RunReport) -> str:
    env = Environment(loader=PackageLoader("vezhlivo", "templates"), autoescape=select_autoescape(["html"]))
    data = run_dict(run)
    contacts = []
    for report, c in zip(run.contacts, data["conversations"], strict=True):
        conv = report.conv
        # the names come from the report itself: the JSON's card holds the client's name already masked
        mask = contact_masker(report) if run.mask_pii else None
        messages = []
        for m in conv.messages:
            found = [f for f in c["findings"] if f["turn"] == m.index]
            messages.append({"index": m.index, "role": m.role.value, "event": m.event.value if m.event else None,
                             "html": highlight(m.text, found, mask), "findings": found,
                             "time": m.ts.strftime("%H:%M:%S") if m.ts else (
                                 f"{m.start:.1f} с" if m.start is not None else "")})
        contacts.append({**c, "messages": messages,
                         "contact_findings": [f for f in c["findings"] if f["turn"] is None]})
    template = env.get_template("report.html")
    return template.render(run=data, contacts=contacts, summary=data["summary"])
