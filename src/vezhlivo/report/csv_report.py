"""CSV: one row per finding (contacts without findings get one row with empty rule)."""

from __future__ import annotations

import csv
from typing import TextIO

from .model import RunReport, run_dict

COLUMNS = ["conversation", "channel", "direction", "operator_id", "operator_name", "team", "score", "rule",
           "name", "severity", "turn", "start", "end", "quote", "message", "suggestion", "waived",
           "client_name", "promises", "transfers", "complained", "resolved"]


def write_csv(run: RunReport, out: TextIO) -> None:
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for c in run_dict(run)["conversations"]:
        op = c["operator"]
        base = [c["id"], c["channel"], c["direction"], op["id"], op["name"], op["team"], c["score"]]
        card = c["card"]
        tail = [card["client_name"], len(card["promises"]), card["transfers"], card["complained"], card["resolved"]]
        if not c["findings"]:
            w.writerow([*base, *[""] * 10, *tail])
        for f in c["findings"]:
            w.writerow([*base, f["rule"], f["name"], f["severity"], f["turn"], f["start"], f["end"], f["quote"],
                        f["message"], f["suggestion"], f["waived"], *tail])
