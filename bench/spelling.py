"""W2 (spelling) on SpellRuEval-2016 (../shared/data/spellrueval): precision of flagged words first.

    .venv/bin/python bench/spelling.py

Each source sentence is an operator's chat message; a word W2 flags is a true error when the
corrected sentence changes that word (aligned with difflib). Prints precision, recall of changed
words, and how often the suggestion is the correction. Skips cleanly when the data is absent.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "spellrueval"
WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")


def main() -> None:
    src, fix = DATA / "sources.txt", DATA / "corrections.txt"
    if not src.exists() or not fix.exists():
        print("spellrueval: data absent, skipped")
        return
    engine = Engine(load_rulebook().select(["W2"], None))
    flagged = true = changed = right = 0
    for n, (a, b) in enumerate(zip(src.read_text(encoding="utf-8").splitlines(),
                                   fix.read_text(encoding="utf-8").splitlines(), strict=False)):
        sw = [(m.group(), m.start()) for m in WORD.finditer(a)]
        cw = [m.group() for m in WORD.finditer(b)]
        wrong: dict[int, str | None] = {}  # start offset of a changed source word → its correction
        ops = SequenceMatcher(None, [w.lower() for w, _ in sw], [w.lower() for w in cw]).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag in ("replace", "delete"):
                for k in range(i1, i2):
                    same_len = tag == "replace" and i2 - i1 == j2 - j1
                    wrong[sw[k][1]] = cw[j1 + k - i1] if same_len else None
        changed += len(wrong)
        conv = parse_conversation({"id": f"s{n}", "channel": "chat", "messages": [
            {"role": "client", "text": "Здравствуйте!"}, {"role": "operator", "text": a}]})
        for f in engine.check(conv).findings:
            if f.rule != "W2" or f.start is None:
                continue
            flagged += 1
            if f.start in wrong:
                true += 1
                if wrong[f.start] and f.suggestion and f.suggestion.lower() == str(wrong[f.start]).lower():
                    right += 1
    print(f"sentences: {n + 1}, words changed by the corrections: {changed}")
    print(f"W2 flagged {flagged} words, {true} of them real errors: precision {true / max(flagged, 1):.3f}, "
          f"recall of changed words {true / max(changed, 1):.3f}")
    print(f"suggestion = the correction for {right} of {true} real errors")


if __name__ == "__main__":
    main()
