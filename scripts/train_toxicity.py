#!/usr/bin/env python3
"""Train the toxicity model of ``vezhlivo.nlp.toxicity`` and measure it against the lexicon.

    .venv/bin/pip install scikit-learn          # training only; not a run-time dependency
    .venv/bin/python scripts/train_toxicity.py  # reads ../shared/data, writes src/vezhlivo/models/

Data (read from ``../shared/data``, never copied into the repository):

- ``russe_detox/train.tsv`` — RUSSE-2022 detoxification (Dementieva et al. 2022): each toxic sentence
  is a positive, its 1–3 neutral paraphrases are hard negatives;
- ``ru_detox_vyhuholl/parallel_corpus.csv`` (toxic → polite pairs) and ``test_toxic.txt`` (toxic
  texts), deduplicated against RUSSE by normalised text;
- neutral support-like negatives: the project's own texts — operator and client turns of
  ``examples/`` and ``eval/labelled/`` (sentence by sentence, where the lexicon finds nothing and
  neither F21 nor C5 is expected) and the rule examples of ``standard/*.yaml``.

Texts are grouped by source sentence (a toxic sentence with its paraphrases is one group; a duplicate
across sets joins the first group) and groups are split 70/10/20 into train/validation/test by a
hash of the group, so no paraphrase of a test sentence is trained on. C and the threshold are chosen
on validation; the printed figures are on test. False alarms are counted on real operator messages
that the model never saw: RUTUBE support answers and MultiWOZ-ru system turns.
"""

from __future__ import annotations

import argparse
import csv
import html
import itertools
import json
import math
import re
import sys
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from vezhlivo.nlp import toxicity as tox
from vezhlivo.nlp.doc import make_doc
from vezhlivo.nlp.rudeness import rude_spans
from vezhlivo.signals import abuse_spans

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "vezhlivo" / "models"
REFERENCE = [
    "Ну ты и идиот, читать не умеешь?",
    "Вы что, совсем тупые там все?",
    "заткнись уже, дебил",
    "херня какая-то с доставкой",
    "блин, опять сбой",
    "Спасибо, что написали! Будем рады помочь.",
    "Заказ передан в службу доставки, курьер привезёт его завтра с 12:00 до 16:00.",
    "Подскажите, пожалуйста, номер заказа.",
]

Row = tuple[str, int, str, str]  # text, label, group, source


def key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace("ё", "е")))


def load_public(data: Path) -> list[Row]:
    rows: list[Row] = []
    with (data / "russe_detox" / "train.tsv").open(encoding="utf-8") as f:
        for i, rec in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if i == 0 or len(rec) < 2:
                continue
            group = f"russe:{rec[0]}"
            rows.append((rec[1], 1, group, "russe"))
            rows += [(t, 0, group, "russe") for t in rec[2:5] if t.strip()]
    with (data / "ru_detox_vyhuholl" / "parallel_corpus.csv").open(encoding="utf-8") as f:
        for pair in csv.DictReader(f):
            group = f"pair:{pair['']}"
            rows.append((pair["toxic"], 1, group, "vyhuholl"))
            rows.append((pair["polite"], 0, group, "vyhuholl"))
    with (data / "ru_detox_vyhuholl" / "test_toxic.txt").open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if line.strip():
                rows.append((line.strip(), 1, f"toxic:{i}", "vyhuholl"))
    # dedupe by normalised text: a duplicate joins the group of its first occurrence;
    # a text that is both toxic and neutral somewhere is dropped
    first: dict[str, Row] = {}
    labels: dict[str, set[int]] = {}
    remap: dict[str, str] = {}
    for text, label, group, src in rows:
        k = key(text)
        if not k:
            continue
        labels.setdefault(k, set()).add(label)
        if k in first:
            remap.setdefault(group, first[k][2])
        else:
            first[k] = (text, label, group, src)
    out = []
    for k, (text, label, group, src) in first.items():
        if len(labels[k]) == 1:
            out.append((text, label, remap.get(group, group), src))
    return out


def load_project() -> list[Row]:
    """Sentences of the project's own examples (operator and client turns without rude words)."""
    rows: list[Row] = []
    seen: set[str] = set()
    for path in sorted([*ROOT.glob("examples/*.jsonl"), *ROOT.glob("eval/labelled/*.jsonl")]):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            conv = json.loads(line)
            expect = (conv.get("labels") or {}).get("expect") or []
            if any(e.get("rule") in ("F21", "C5") for e in expect):
                continue
            for msg in conv.get("messages") or []:
                if msg.get("role") not in ("operator", "client") or not msg.get("text"):
                    continue
                doc = make_doc(msg["text"])
                if rude_spans(doc):
                    continue
                for s in doc.sentences:
                    text = msg["text"][s.start:s.end]
                    k = key(text)
                    if len(k.split()) >= 2 and k not in seen:
                        seen.add(k)
                        rows.append((text, 0, f"project:{path.name}:{conv.get('id', n)}", "project"))
    # the rule examples of the standard (operator phrasing), except F21's bad ones and C5's
    for path in sorted((ROOT / "src" / "vezhlivo" / "standard").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in (data.get("rules") or []) if isinstance(data, dict) else []:
            examples = rule.get("examples") or {}
            for kind in ("good", "bad"):
                if kind == "bad" and rule.get("code") in ("F21", "C5"):
                    continue
                for ex in examples.get(kind) or []:
                    text = str(ex.get("text") or "").replace("[[", "").replace("]]", "") if isinstance(ex, dict) else ""
                    doc = make_doc(text)
                    k = key(text)
                    if len(k.split()) >= 2 and k not in seen and not rude_spans(doc):
                        seen.add(k)
                        rows.append((text, 0, f"project:{path.name}:{rule.get('code')}", "project"))
    return rows


def split_of(group: str) -> str:
    b = zlib.crc32(group.encode("utf-8")) % 10
    return "test" if b < 2 else "val" if b == 2 else "train"


def matrix(texts: Iterable[str], bits: int, chars: str) -> csr_matrix:
    indptr, indices = [0], []
    for t in texts:
        idx = tox.features(t, bits, chars)
        indices += idx
        indptr.append(len(indices))
    data = np.empty(len(indices), dtype=np.float64)
    for a, b in itertools.pairwise(indptr):
        if b > a:
            data[a:b] = 1.0 / math.sqrt(b - a)  # the scorer's arithmetic, bit for bit
    return csr_matrix((data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                      shape=(len(indptr) - 1, 1 << bits))


def prf(pred: list[bool], gold: list[int]) -> tuple[float, float, float]:
    tp = sum(p and g == 1 for p, g in zip(pred, gold, strict=True))
    fp = sum(p and g == 0 for p, g in zip(pred, gold, strict=True))
    fn = sum((not p) and g == 1 for p, g in zip(pred, gold, strict=True))
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return pr, rc, (2 * pr * rc / (pr + rc) if pr + rc else 0.0)


def operator_messages(data: Path) -> dict[str, list[str]]:
    rutube = []
    with (data / "rutube_support" / "dev.csv").open(encoding="utf-8") as f:
        rutube = [r["Ответ сотрудника"] for r in csv.DictReader(f) if r["Ответ сотрудника"].strip()]
    woz = []
    for path in sorted((data / "multiwoz_ru").glob("*.txt")):
        for dialogue in path.read_text(encoding="utf-8").split("\n\n"):
            lines = [ln for ln in dialogue.splitlines() if ln.strip()]
            woz += lines[1::2]
    return {"rutube answers": rutube, "MultiWOZ-ru system turns": woz}


def client_messages(data: Path) -> dict[str, list[str]]:
    """Client messages: RUTUBE questions, MultiWOZ-ru user turns, negative SentiRuEval tweets."""
    with (data / "rutube_support" / "dev.csv").open(encoding="utf-8") as f:
        rutube = [r["Вопрос пользователя"] for r in csv.DictReader(f) if r["Вопрос пользователя"].strip()]
    woz = []
    for path in sorted((data / "multiwoz_ru").glob("*.txt")):
        for dialogue in path.read_text(encoding="utf-8").split("\n\n"):
            woz += [ln for ln in dialogue.splitlines() if ln.strip()][0::2]
    tweets = []
    for path in sorted((data / "sentirueval").glob("*.xml")):
        for rec in re.findall(r'<table name="test_\w+">(.*?)</table>', path.read_text(encoding="utf-8"), re.S):
            text = re.search(r'<column name="text">(.*?)</column>', rec, re.S)
            marks = re.findall(r'<column name="(\w+)">(-?\d|NULL)</column>', rec)
            if text and any(v == "-1" for k, v in marks if k not in ("id", "twitid", "date")):
                tweets.append(html.unescape(text.group(1)))
    return {"rutube questions": rutube, "MultiWOZ-ru user turns": woz, "SentiRuEval negative tweets": tweets}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--precision", type=float, default=0.995, help="validation precision the threshold must reach")
    ap.add_argument("--bits", type=int, default=18, help="log2 of the number of hashed feature buckets")
    ap.add_argument("--chars", choices=tox.CHARS, default="unknown", help="which words get character n-grams")
    ap.add_argument("--project-fa", type=float, default=0.005,
                    help="share of validation project sentences the threshold may flag")
    ap.add_argument("--project-weight", type=float, default=10.0, help="sample weight of the project's sentences")
    args = ap.parse_args()
    t0 = time.time()

    public = load_public(args.data)
    project = load_project()
    rows = public + project
    parts: dict[str, list[Row]] = {"train": [], "val": [], "test": []}
    for r in rows:
        parts[split_of(r[2])].append(r)
    for name, part in parts.items():
        pos = sum(r[1] for r in part)
        proj = sum(r[3] == "project" for r in part)
        print(f"{name:5}: {len(part):6} texts, {pos:6} toxic, {len(part) - pos:6} neutral ({proj} project sentences)")
    train_groups = {r[2] for r in parts["train"]}
    assert not train_groups & {r[2] for r in parts["test"]}, "a group is in train and test"

    xs = {n: matrix((r[0] for r in p), args.bits, args.chars) for n, p in parts.items()}
    ys = {n: np.array([r[1] for r in p]) for n, p in parts.items()}
    print(f"features: {time.time() - t0:.0f} s")

    # support language is what the model must not flag: its sentences weigh more
    weights = np.array([args.project_weight if r[3] == "project" else 1.0 for r in parts["train"]])
    best: tuple[float, float, LogisticRegression] | None = None
    for c in (2.0, 4.0, 8.0, 16.0):
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=0)
        clf.fit(xs["train"], ys["train"], sample_weight=weights)
        p = clf.predict_proba(xs["val"])[:, 1]
        f1 = max((prf(list(p >= t / 100), list(ys["val"])) for t in range(50, 100)),
                 key=lambda x: x[1] if x[0] >= args.precision else -1.0)[1]
        print(f"C={c}: validation recall at precision ≥ {args.precision}: {f1:.3f}")
        if best is None or f1 > best[0]:
            best = (f1, c, clf)
    assert best is not None
    _, c_best, clf = best
    # the shipped weights are float32: score with exactly those
    coef = clf.coef_.astype(np.float32)
    clf.coef_ = coef.astype(np.float64)
    intercept = float(clf.intercept_[0])

    # threshold for precision, on validation (public + project sentences)
    pv = clf.predict_proba(xs["val"])[:, 1]
    yv = list(ys["val"])
    vproj = np.array([r[3] == "project" for r in parts["val"]])
    thr = 0.99
    print("validation: threshold, precision, recall, project sentences flagged")
    for t in [x / 100 for x in range(50, 100)]:
        p_, r_, _ = prf(list(pv >= t), yv)
        flagged = int(np.sum((pv >= t) & vproj))
        if t * 100 % 5 == 0:
            print(f"  {t:.2f} {p_:.3f} {r_:.3f} {flagged}/{int(vproj.sum())}")
        if p_ >= args.precision and flagged <= args.project_fa * vproj.sum() and thr == 0.99:
            thr = t
    print(f"chosen C={c_best}, threshold {thr:.2f} (validation precision ≥ {args.precision})")

    ref = [float(v) for v in clf.decision_function(matrix(REFERENCE, args.bits, args.chars))]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "toxicity.bin").write_bytes(zlib.compress(coef[0].astype("<f4").tobytes(), 9))
    meta: dict[str, Any] = {
        "format": 1, "bits": args.bits, "chars": args.chars, "intercept": intercept, "threshold": thr, "C": c_best,
        "features": ("binary, L2-normalised; CRC-32 buckets of 'u:'+lemma, 'b:'+lemma bigram, 'c:'+char "
                     "3-5-grams of '<form>' (chars: which words get them); see vezhlivo.nlp.toxicity"),
        "trained_on": {n: {"texts": len(p), "toxic": int(sum(r[1] for r in p))} for n, p in parts.items()
                       if n == "train"},
        "sources": ["s-nlp/russe_detox_2022 @a2f79da data/input/train.tsv (Dementieva et al. 2022)",
                    "vyhuholl/russian_detoxification @b71405a data/parallel_corpus.csv, data/test.txt",
                    "vezhlivo examples/, eval/labelled/ and standard/*.yaml sentences (neutral)"],
        "reference": [{"text": t, "decision": v} for t, v in zip(REFERENCE, ref, strict=True)],
    }
    (args.out / "toxicity.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    shipped = tox.load(args.out)

    # the pure-Python scorer against sklearn, on the whole test split
    test = parts["test"]
    sk = clf.decision_function(xs["test"])
    ours = np.array([tox.decision(r[0], shipped) for r in test])
    same = int(np.sum(sk == ours))
    print(f"scorer vs sklearn on {len(test)} test texts: {same} bit-identical, "
          f"max |diff| {np.max(np.abs(sk - ours)):.3g}")

    # held-out figures (public test texts: toxic vs neutral paraphrases)
    pub = [r for r in test if r[3] != "project"]
    gold = [r[1] for r in pub]
    docs = [make_doc(r[0]) for r in pub]
    lex = [rude_spans(d) for d in docs]
    score = [tox.toxicity(r[0], shipped) for r in pub]
    combined = [bool(tox.rude_sentences(d, m=shipped)) for d in docs]
    table = [
        ("lexicon, all kinds", [bool(s) for s in lex]),
        ("lexicon, without 'mild'", [any(k != "mild" for _, _, k in s) for s in lex]),
        ("model alone, p ≥ 0.5", [s >= 0.5 for s in score]),
        (f"model alone, p ≥ {thr:.2f}", [s >= thr for s in score]),
        (f"lexicon OR model ≥ {thr:.2f} (no gate)", [bool(a) or s >= thr for a, s in zip(lex, score, strict=True)]),
        ("shipped: lexicon + gated model (rude_sentences)", combined),
    ]
    # the target: toxic texts that speak to the addressee (вы/ты/imperative), with their paraphrases
    spoken = {row[2] for row, d in zip(pub, docs, strict=True)
              if row[1] == 1 and any(tox.addresses_person(d, s) for s in d.sentences)}
    sub = [i for i, row in enumerate(pub) if row[2] in spoken]
    for title, rows_ in (("all held-out public texts", list(range(len(pub)))),
                         ("groups whose toxic text addresses the person", sub)):
        g = [gold[i] for i in rows_]
        print(f"\nheld-out public test, {title}: {len(g)} texts, {sum(g)} toxic, {len(g) - sum(g)} neutral")
        print("| detector | precision | recall | F1 |\n|---|---|---|---|")
        for name, pred in table:
            p_, r_, f_ = prf([pred[i] for i in rows_], g)
            print(f"| {name} | {p_:.3f} | {r_:.3f} | {f_:.3f} |")
    own = [row for row in test if row[3] == "project"]
    fa = sum(tox.toxicity(row[0], shipped) >= thr for row in own)
    print(f"held-out project sentences: {fa}/{len(own)} score ≥ {thr:.2f}")

    # false alarms on real operator messages the model never saw
    print("\nfalse alarms per 1 000 operator messages")
    print("| messages | n | lexicon (all) | lexicon (no mild) | model ≥ 0.5, no gate | "
          f"model ≥ {thr:.2f}, no gate | model-only additions | shipped |\n|---|---|---|---|---|---|---|---|")
    examples: list[str] = []
    for name, msgs in operator_messages(args.data).items():
        n_lex = n_hard = n_add = n_all = n_half = n_thr = 0
        for m in msgs:
            d = make_doc(m)
            top = max((sc for _, sc in tox.sentence_scores(d, m=shipped)), default=0.0)
            n_half += top >= 0.5
            n_thr += top >= thr
            spans = rude_spans(d)
            found = tox.rude_sentences(d, m=shipped)
            n_lex += bool(spans)
            n_hard += any(k != "mild" for _, _, k in spans)
            add = [f for f in found if f[2] == "toxic"]
            n_add += bool(add)
            n_all += bool(found)
            examples += [f"  {f[2]} {f[3]:.2f}: {m[f[0]:f[1]][:120]}" for f in found]
        k = 1000 / len(msgs)
        print(f"| {name} | {len(msgs)} | {n_lex * k:.1f} | {n_hard * k:.1f} | {n_half * k:.1f} | {n_thr * k:.1f} | "
              f"{n_add * k:.1f} | {n_all * k:.1f} |")
    if examples:
        print("flagged:\n" + "\n".join(examples[:40]))

    # C5: client messages the model would add to abuse_spans (no labels: listed for inspection)
    print("\nC5, client messages per 1 000: abuse_spans today vs the model's additions (addressed, ≥ threshold)")
    print("| messages | n | abuse_spans | model additions |\n|---|---|---|---|")
    added: list[str] = []
    for name, msgs in client_messages(args.data).items():
        n_abuse = n_new = 0
        for m in msgs:
            d = make_doc(m)
            spans = abuse_spans(d)
            new = [f for f in tox.rude_sentences(d, m=shipped)
                   if f[2] == "toxic" and not any(a < f[1] and f[0] < b for a, b, _ in spans)]
            n_abuse += bool(spans)
            n_new += bool(new and not spans)
            if new and not spans:
                added.append(f"  {new[0][3]:.2f}: " + " ".join(m[new[0][0]:new[0][1]].split())[:100])
        k = 1000 / len(msgs)
        print(f"| {name} | {len(msgs)} | {n_abuse * k:.1f} | {n_new * k:.1f} |")
    if added:
        print("added:\n" + "\n".join(added[:20]))

    # speed per message
    msgs = [m for ms in operator_messages(args.data).values() for m in ms][:3000]
    docs2 = [make_doc(m) for m in msgs]
    for d in docs2:  # warm the morphology caches as a long-running checker would
        tox.rude_sentences(d, m=shipped)
    t = time.perf_counter()
    for m in msgs:
        tox.toxicity(m, shipped)
    t_tox = (time.perf_counter() - t) / len(msgs)
    t = time.perf_counter()
    for d in docs2:
        rude_spans(d)
    t_lex = (time.perf_counter() - t) / len(msgs)
    t = time.perf_counter()
    for d in docs2:
        tox.rude_sentences(d, m=shipped)
    t_all = (time.perf_counter() - t) / len(msgs)
    print(f"\nspeed per message ({len(msgs)} operator messages, warm caches): toxicity(text) {t_tox * 1e6:.0f} µs, "
          f"rude_spans {t_lex * 1e6:.0f} µs, rude_sentences {t_all * 1e6:.0f} µs")
    size = sum((args.out / f).stat().st_size for f in ("toxicity.bin", "toxicity.json"))
    print(f"artefact: {size / 1e6:.2f} MB; total {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
