"""W — written style: CAPS, spelling, slang, emoji and «!», one-word messages, magic words, letters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..model import Channel, Finding, Message, Role
from ..nlp.doc import Doc, Kind, Token
from ..nlp.morph import is_known, norm, word_info
from ..nlp.patterns import has_match, sentence_has
from ..nlp.slips import SlipWords, find_slips
from .address import past_homonym
from .base import RuleContext, Skip, check, operator_messages_reaching

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_WORD = Kind.WORD
_PUNCT = Kind.PUNCT
_NUMBER = Kind.NUMBER
_EMOJI = Kind.EMOJI
_OPERATOR = Role.OPERATOR

_CYR = re.compile(r"[А-Яа-яЁё]")
_LAT = re.compile(r"[A-Za-z]")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:] if word else word


def _sentence_first(doc: Doc, i: int) -> bool:
    sent = doc.sentence_of(i)
    words = [j for j in range(sent.first, sent.last) if doc.tokens[j].kind is _WORD]
    return bool(words) and words[0] == i


def _company_words(ctx: RuleContext) -> set[str]:
    comp = ctx.rulebook.company
    out: set[str] = set()
    for phrase in (*comp.vocabulary, *comp.names):
        out |= {norm(w) for w in re.findall(r"[\wЁё-]+", phrase)}
    return out


# ---------------------------------------------------------------- W1: CAPS


def _is_abbreviation(t: Token, abbr: frozenset[str], company: frozenset[str]) -> bool:
    low = t.norm
    if low in abbr or low in company:
        return True
    letters = t.text.replace("-", "")
    if _LAT.search(letters) and len(letters) <= 5:
        return True  # PDF, SMS, USB, iOS
    if "Abbr" in t.info.all_grammemes or ("Orgn" in t.info.all_grammemes and len(letters) <= 5):
        return True
    vowels = sum(1 for ch in low if ch in "аеёиоуыэюяaeiouy")
    if len(letters) <= 5 and vowels == 0:
        return True  # МТС, ГБДД-like
    return len(letters) <= _MAX_UNKNOWN_ABBR and _unreadable(low)


_MAX_UNKNOWN_ABBR = 6


@lru_cache(maxsize=10_000)
def _unreadable(low: str) -> bool:
    """A short all-caps word that no dictionary knows and that is not a typo of a known word (no word
    one edit away) is an abbreviation the lists lack: МБДОУ, ФГБОУ, УФМС, ГБУЗ. A shouted word is a real
    word («СРОЧНО», «ЖДИТЕ») or a slip in one («ВНИМАНЕ», «ЖДИТИ»), and the dictionaries know it or its
    neighbour; a short abbreviation has neighbours by chance («ПАО» — «па»), so the neighbours are asked
    of words of five letters or more only."""
    from ..nlp import spelling as sp
    if is_known(low) or len(set(low)) < len(low) / 2:  # «ААААА», «ХАХАХА» are cries, not abbreviations
        return False
    try:
        if sp.hunspell_ok(low):
            return False
        return len(low) < 5 or not sp.has_one_edit_word(low)
    except sp.SpellerUnavailable:
        return len(low) < 5


def _looks_like_brand(t: Token) -> bool:
    """A lone capitalised RUTUBE, ADIDAS or МАГНИТ is a name, not shouting."""
    if _LAT.search(t.text):
        return True
    return bool({"Orgn", "Geox", "Name", "Surn", "Trad"} & t.info.all_grammemes)


# A shouted run starts with an upper-case word of two letters or more; Doc's words are Latin and Cyrillic
# letters joined by single hyphens, so such a word holds two capitals side by side or across a hyphen.
_CAPS_PAIR = re.compile(r"[A-ZА-ЯЁ]-?[A-ZА-ЯЁ]")
_NUMBERED = re.compile(r"(?:^|\n|\s{2,})(?:\d+(?:\.\d+)*\.?\s*)?$")
_LINE_END = re.compile(r"^[ \t:]*(?:\n|\s{2,}|$)")


def _heading(doc: Doc, first: int, last: int) -> bool:
    """«1.2 ЗАПИСЬ» on a line of its own: a heading of an instruction, not shouting."""
    before = doc.text[:doc.tokens[first].start]
    after = doc.text[doc.tokens[last].end:]
    return bool(_NUMBERED.search(before)) and bool(_LINE_END.match(after)) and bool(before.strip())


_EMPHATIC_POS = frozenset({"ADVB", "PRCL", "PRED", "CONJ"})


def _emphatic(t: Token) -> bool:
    """A short word in capitals that can only be shouted: an adverb, particle or conjunction the
    dictionary knows («УЖЕ», «ВСЁ», «НЕТ», «НЕ»), never an abbreviation («ТВ», «СМС», «ООО»)."""
    info = t.info
    return info.known and info.pos in _EMPHATIC_POS and "Abbr" not in info.all_grammemes


@check("W1")
def caps(ctx: RuleContext) -> Iterator[Finding]:
    abbr = ctx.word_set("abbreviations")
    company = ctx.derived("company_words", lambda: frozenset(_company_words(ctx)))
    min_single = int(ctx.param("min_single_letters", 5))
    min_run = int(ctx.param("min_run_words", 2))
    for m in ctx.operator_messages():
        if not _CAPS_PAIR.search(m.text):
            continue  # most messages: nothing that could start a shouted run
        doc = ctx.doc(m.index)
        run: list[int] = []
        for i in [*range(len(doc.tokens)), -1]:
            t = doc.tokens[i] if i >= 0 else None
            if run and t is not None and t.kind is _PUNCT and not any(c in t.text for c in ".!?;:\n"):
                continue  # commas and dashes inside a shouted phrase
            caps_word = (
                t is not None and t.kind is _WORD and t.mask is None and (len(t.text) >= 2 or bool(run))
                and t.text.isupper() and not _is_abbreviation(t, abbr, company)
            )
            if caps_word:
                run.append(i)
                continue
            if run:
                long_word = any(len(doc.tokens[j].text.replace("-", "")) >= min_single for j in run)
                if len(run) == 1 and _looks_like_brand(doc.tokens[run[0]]):
                    long_word = False
                if len(run) == 1 and _emphatic(doc.tokens[run[0]]):
                    long_word = True  # «Деньги УЖЕ вернули», «НЕ звоните»: no abbreviation is an adverb or particle
                if (len(run) >= min_run or long_word) and not _heading(doc, run[0], run[-1]):
                    first, last = doc.tokens[run[0]], doc.tokens[run[-1]]
                    quote = m.text[first.start:last.end]
                    fix = quote.lower()
                    if _sentence_first(doc, run[0]):
                        fix = _cap(fix)
                    yield ctx.finding(m.index, first.start, last.end, suggestion=fix)
            run = []


# ---------------------------------------------------------------- W2: spelling


_PROPER = frozenset({"Fixd", "Geox", "Orgn", "Trad"})


def _jargon(word: str, stems: tuple[str, ...]) -> bool:
    """A form of an accepted jargon stem: «стримить», «стримите», «таймкоды»."""
    return any(word.startswith(s) and len(word) <= len(s) + 5 for s in stems)


def _slip_words(ctx: RuleContext) -> SlipWords | None:
    if not ctx.param("slips", True):
        return None
    return SlipWords(ctx.word_set("infinitive_governors"), ctx.word_set("infinitive_nouns"),
                     ctx.word_set("time_words"))


@check("W2")
def spelling(ctx: RuleContext) -> Iterator[Finding]:
    from ..nlp import spelling as sp

    slip_words = ctx.derived("slip_words", lambda: _slip_words(ctx))
    slips = [] if slip_words is None else [
        ctx.finding(m.index, s.start, s.end, suggestion=s.suggestion)
        for m in ctx.operator_messages() for s in find_slips(ctx.doc(m.index), slip_words)]
    why = sp.available()
    if why and not slips:
        raise Skip(f"spell checking is unavailable: {why}")
    yield from slips
    if why:
        return  # the slips need no dictionary; the unknown words do
    min_len = int(ctx.param("min_letters", 4))
    stems = ctx.derived("stems", lambda: tuple(norm(w) for w in ctx.param("accept_stems", [])))
    max_short = int(ctx.param("max_distance", 1))
    max_long = int(ctx.param("max_distance_long", 2))
    long_from = int(ctx.param("long_word_letters", 6))
    known = ctx.derived("known_misspellings", lambda: {
        norm(str(k)): str(v) for k, v in (ctx.param("known_misspellings") or {}).items()})
    accepted: _Accepted | None = None  # built at the first word the dictionary lacks: most contacts have none
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        for i in _unknown_words(doc, min_len):
            t = doc.tokens[i]
            if accepted is None:
                accepted = _accepted_in_contact(ctx)
            if t.norm in accepted:
                continue
            if t.norm in known:  # too far from the word for the search below («пожайлуста»), or two words fused
                yield ctx.finding(m.index, t.start, t.end, suggestion=sp.in_case_of(t.text, known[t.norm]))
                continue
            if t.text[0].isupper() and (not _sentence_first(doc, i) or _PROPER & t.info.grammemes):
                continue  # a proper name
            if _jargon(t.norm, stems) or _reflexive_of_known(t.norm) or not sp.is_misspelt(t.text):
                continue
            if "-" in t.text and all(norm(p) in accepted or _jargon(norm(p), stems) or not sp.is_misspelt(p)
                                     for p in t.text.split("-") if p):
                continue
            max_d = max_long if len(t.text) >= long_from else max_short
            sugg = sp.best_suggestion(t.text, max_d)
            if sugg is None or norm(sugg) == t.norm:
                continue
            yield ctx.finding(m.index, t.start, t.end, suggestion=sugg)


_VERB_POS = frozenset({"VERB", "INFN", "PRTF", "PRTS", "GRND"})
_VOWELS = frozenset("аеёиоуыэюя")


def _reflexive_of_known(word: str) -> bool:
    """«начислится», «начислилась»: the dictionaries lack some reflexive verbs whose plain form they know
    («начислит», «начислила»); a wrong reflexive form (a typo in the stem) stays unknown without «-ся»."""
    if len(word) < 7 or not word.endswith(("ся", "сь")):
        return False
    # «-ся» after a consonant, «-сь» after a vowel: «случилася» is no form of any verb
    if (word[-3] in _VOWELS) != (word[-1] == "ь"):
        return False
    base = word_info(word[:-2])
    return base.known and base.pos in _VERB_POS


def _unknown_words(doc: Doc, min_len: int) -> list[int]:
    """The tokens W2 asks the speller about: long enough Cyrillic words, not shouted, not quoted or
    masked, unknown to pymorphy3 — the cheap tests, once per text (a pure function of it)."""
    return doc.remember(("style.unknown_words", min_len), lambda: _find_unknown_words(doc, min_len))


def _find_unknown_words(doc: Doc, min_len: int) -> list[int]:
    # Such a word is one of the text's own words the dictionary does not know, of 4 letters or more (a
    # norm is never shorter than its text): one of ``vocabulary()``'s unknown words, which the phrase
    # index has computed already. Most texts have none, and in the rest only their tokens are tested.
    unknown = frozenset(doc.vocabulary()[1]) if min_len >= 4 else None
    if unknown is not None and not unknown:
        return []
    return [i for i, t in enumerate(doc.tokens)
            if (unknown is None or t.norm in unknown) and t.kind is _WORD and t.mask is None
            and len(t.text) >= min_len and not t.info.known and not _LAT.search(t.text) and not t.text.isupper()]


class _Accepted:
    """Words W2 accepts in one contact: the rulebook's (made once per rulebook), the names of both sides
    and every word the client wrote — asked part by part, the cheapest first, rather than gathered into
    one set for every contact (most unknown words are answered by the first parts)."""

    __slots__ = ("client_words", "ctx", "names", "rulebook")

    def __init__(self, ctx: RuleContext, rulebook: frozenset[str]) -> None:
        self.ctx, self.rulebook = ctx, rulebook
        self.client_words: list[frozenset[str]] | None = None
        self.names: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if word in self.rulebook:
            return True
        ctx = self.ctx
        if self.client_words is None:  # words the client wrote: names, products, places
            self.client_words = [_word_norms(ctx.doc(cm.index)) for cm in ctx.client_messages()]
        for words in self.client_words:
            if word in words:
                return True
        if self.names is None:
            self.names = _names_in_contact(ctx)
        return word in self.names


_WORD_NORMS = ("style.word_norms",)  # the Doc memo's key, made once


def _word_norms(doc: Doc) -> frozenset[str]:
    """Every word of the text, quoted or not, as normalised (a pure function of the text)."""
    return doc.remember(_WORD_NORMS, lambda: frozenset([t.norm for t in doc.tokens if t.kind is _WORD]))


def _names_in_contact(ctx: RuleContext) -> frozenset[str]:
    """The names of both sides: the metadata's and those they introduce themselves by."""
    names = set(ctx.ann.client_names | ctx.ann.operator_names)
    if ctx.conv.client.name:
        names |= {norm(w) for w in ctx.conv.client.name.split()}
    if ctx.conv.client.patronymic:
        names.add(norm(ctx.conv.client.patronymic))
    if ctx.conv.operator.name:
        names |= {norm(w) for w in ctx.conv.operator.name.split()}
    return frozenset(names)


def _accepted_in_contact(ctx: RuleContext) -> _Accepted:
    """The rulebook's accepted words, the names of both sides and every word the client wrote."""
    return _Accepted(ctx, ctx.derived("accepted", lambda: _accepted_words(ctx)))


def _accepted_words(ctx: RuleContext) -> frozenset[str]:
    """Words of the company, the rule's own list and W3's slang (slang is W3's business)."""
    accepted = _company_words(ctx) | {norm(w) for w in ctx.param("accept", [])}
    w3 = ctx.rulebook.rules.get("W3")
    if w3 is not None:
        accepted |= {norm(w) for w in (w3.params.get("words") or {})}
    return frozenset(accepted)


# ---------------------------------------------------------------- W3: slang


@check("W3")
def slang(ctx: RuleContext) -> Iterator[Finding]:
    words: dict[str, str] = ctx.derived("words", lambda: {
        norm(k): str(v) for k, v in (ctx.param("words", {}) or {}).items()})
    # a set, not the dict: a frozenset is disjoint from a set by looking up the smaller one's members,
    # from a dict by looking up every key
    slang_words: frozenset[str] = ctx.derived("word_keys", lambda: frozenset(words))
    standalone = ctx.word_set("standalone_only")
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        if doc.vocabulary()[0].isdisjoint(slang_words) and "-" not in m.text:
            continue  # no slang word among the own words, and no «чё-то» to split
        for t in doc.tokens:
            if t.kind is not _WORD or t.mask is not None:
                continue
            start, end, key = t.start, t.end, t.norm
            repl = words.get(key)
            if repl is None and "-" in key:  # «чё-то», «щас-щас»
                key = key.split("-")[0]
                start, end = t.start, t.start + len(key)
                repl = words.get(key)
            if repl is None:
                continue
            if t.text.isupper() and len(t.text) > 1 and t.norm in ("тк", "мб"):
                continue  # ТК (трудовой кодекс), МБ (мегабайт)
            if key in standalone and not _standalone(doc, t):
                continue  # «норм морали», «два типа»: an ordinary word here
            fix = _cap(repl) if t.text[0].isupper() else repl
            yield ctx.finding(m.index, start, end, suggestion=fix)


def _standalone(doc: Doc, t: Token) -> bool:
    """The word is not followed by another word of its phrase: «всё норм.», «ага, понятно»."""
    k = doc.tokens.index(t)
    nxt = doc.tokens[k + 1] if k + 1 < len(doc.tokens) else None
    return nxt is None or nxt.kind is not _WORD


# ---------------------------------------------------------------- W4: emoji and «!»

_BANGS = re.compile(r"[!¡]{2,}|!\?[!?]+|\?!+")


def _by_channel(value: object, channel: Channel, default: int) -> int:
    if isinstance(value, dict):
        got = value.get(channel, value.get("default", default))  # a StrEnum member: the key by value
        return int(str(got))
    if value is None:
        return default
    return int(str(value))


@check("W4")
def emoji_and_bangs(ctx: RuleContext) -> Iterator[Finding]:
    max_emoji = _by_channel(ctx.param("max_emoji"), ctx.conv.channel, 1)
    max_bangs = _by_channel(ctx.param("max_exclamations"), ctx.conv.channel, 3)
    msg_emoji = str(ctx.param("message_emoji", ctx.spec.message))
    for m in ctx.operator_messages():
        emoji, runs, bangs = _marks(ctx.doc(m.index))
        if len(emoji) > max_emoji:
            yield ctx.finding(m.index, emoji[0][0], emoji[-1][1], message=msg_emoji,
                              suggestion=str(ctx.param("suggestion_emoji", "")) or None)
        for start, end, question in runs:
            yield ctx.finding(m.index, start, end, suggestion="?" if question else "!")
        if not runs and len(bangs) > max_bangs:
            yield ctx.finding(m.index, bangs[max_bangs], bangs[-1] + 1,
                              suggestion=str(ctx.param("suggestion_exclamations", "")) or None)


_Marks = tuple[list[tuple[int, int]], list[tuple[int, int, bool]], list[int]]
_MARKS = ("style.marks",)  # the Doc memo's key, made once
_NO_MARKS: _Marks = ([], [], [])


def _marks(doc: Doc) -> _Marks:
    """The text's own emoji (spans), runs of «!!»/«?!» (spans, and whether «?» is in them) and single «!»
    (positions): a pure function of the text, remembered on it."""
    return doc.remember(_MARKS, lambda: _find_marks(doc))


def _find_marks(doc: Doc) -> _Marks:
    text = doc.text
    emoji = [(t.start, t.end) for t in doc.tokens
             if t.kind is _EMOJI and t.mask is None and t.text not in ("\ufe0f", "\u200d")]
    if "!" not in text and "¡" not in text:
        return (emoji, [], []) if emoji else _NO_MARKS  # every run of _BANGS and every «!» needs one of them
    runs = [(x.start(), x.end(), "?" in x.group()) for x in _BANGS.finditer(text)
            if not doc.masked(x.start(), x.end())]
    bangs = [] if runs else [x.start() for x in re.finditer("!", text) if not doc.masked(x.start(), x.start() + 1)]
    return emoji, runs, bangs


# ---------------------------------------------------------------- W5: one-word and split messages


def _word_count(doc: Doc) -> int:
    """Words and numbers, quoted or not (the Doc keeps their list)."""
    return len(doc.words(own=False))


@check("W5")
def short_messages(ctx: RuleContext) -> Iterator[Finding]:
    allowed = ctx.word_set("one_word_allowed")
    max_burst = int(ctx.param("max_burst", 3))
    short_words = int(ctx.param("short_words", 4))
    burst_seconds = float(ctx.param("burst_seconds", 60))
    in_burst: set[int] = set()
    # a reply split into many short consecutive operator messages
    runs: list[list[Message]] = []
    cur: list[Message] = []
    for m in (x for x in ctx.conv.messages if x.is_turn and x.text):
        short = m.role is _OPERATOR and _word_count(ctx.doc(m.index)) <= short_words
        if short and cur and cur[0].ts and m.ts and (m.ts - cur[0].ts).total_seconds() > burst_seconds:
            runs.append(cur)
            cur = []
        if short:
            cur.append(m)
        else:
            runs.append(cur)
            cur = []
    runs.append(cur)
    for run in runs:
        if len(run) >= max_burst and all(x.ts is not None for x in run):  # no times: cannot judge
            in_burst |= {x.index for x in run}
            yield ctx.finding(run[0].index, 0, len(run[0].text),
                              message=str(ctx.param("message_burst", ctx.spec.message)),
                              suggestion=str(ctx.param("suggestion_burst", "")) or None)
    for m in ctx.operator_messages():
        if m.index in in_burst:
            continue
        doc = ctx.doc(m.index)
        if _word_count(doc) != 1:
            continue
        words = [t for t in doc.tokens if t.kind in (_WORD, _NUMBER)]
        if len(words) != 1 or words[0].kind is not _WORD or words[0].mask is not None:
            continue
        w = words[0]
        if w.norm in allowed or w.lemma in allowed:
            continue
        yield ctx.finding(m.index, w.start, w.end)


# ---------------------------------------------------------------- W6: «пожалуйста» and «спасибо»


@check("W6")
def magic_words(ctx: RuleContext) -> Iterator[Finding]:
    ops = ctx.operator_messages()
    need = int(ctx.param("min_operator_turns", 2))
    if len(ops) < need:
        raise Skip(f"fewer than {need} operator messages")
    for key in ("please", "thanks"):
        patterns = ctx.string_tuple(f"{key}_patterns")
        if not any(has_match(ctx.doc(m.index), patterns) for m in operator_messages_reaching(ctx, patterns)):
            yield ctx.contact_finding(message=str(ctx.param(f"message_{key}", ctx.spec.message)),
                                      suggestion=str(ctx.param(f"suggestion_{key}", "")) or None)


# ---------------------------------------------------------------- W7: the structure of a letter


def _has(doc: Doc, sent_indices: list[int], patterns: tuple[str, ...]) -> bool:
    return any(sentence_has(doc, doc.sentences[s], patterns) for s in sent_indices)


_CLAUSE_OPENERS = frozenset({",", "—", "–", ":", ";"})


@check("W7")
def letter_structure(ctx: RuleContext) -> Iterator[Finding]:
    greetings = ctx.string_tuple("greeting_patterns")
    ctas = ctx.string_tuple("cta_patterns")
    not_cta = ctx.word_set("not_cta_imperatives")
    signoffs = ctx.string_tuple("signoff_patterns")
    head = int(ctx.param("greeting_sentences", 2))
    tail = int(ctx.param("cta_sentences", 4))
    name = ctx.conv.client.name.split()[0] if ctx.conv.client.name else None
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        n = len(doc.sentences)
        if _word_count(doc) < int(ctx.param("min_words", 8)):
            continue
        if not _has(doc, list(range(min(head, n))), greetings):
            sugg = f"Здравствуйте, {name}!" if name else "Здравствуйте!"
            yield ctx.contact_finding(message=str(ctx.param("message_greeting", ctx.spec.message)),
                                      suggestion=sugg, turn=m.index)
        end = n
        for s_idx in range(max(0, n - tail - 2), n):  # the tail before «С уважением, …»
            if sentence_has(doc, doc.sentences[s_idx], signoffs):
                end = s_idx + 1
                break
        last = list(range(max(0, end - tail), end))
        has_cta = _has(doc, last, ctas)
        if not has_cta:
            for s in last:
                sent = doc.sentences[s]
                if doc.text[sent.start:sent.end].rstrip().endswith("?"):
                    has_cta = True
                for k, j in enumerate(doc.words(sent)):
                    t = doc.tokens[j]
                    # «Переходите в каталог», «Звоните!»: an imperfective imperative reads as the present
                    # tense too, so it counts where an imperative stands — first in its sentence or its
                    # clause («Если список уже у вас, загрузите его фото»; the second person: «Вернём
                    # деньги завтра» is a promise, not a call to act)
                    first = k == 0 or doc.tokens[j - 1].text in _CLAUSE_OPENERS or (
                        doc.tokens[j - 1].norm in _BEFORE_IMPERATIVE)  # «просто положите трубку»
                    impr = "impr" in t.info.grammemes or (first and "impr" in t.info.all_grammemes
                                                          and "excl" in t.info.all_grammemes)
                    if t.kind is _WORD and impr and "plur" in t.info.grammemes and t.norm not in not_cta:
                        has_cta = True
        if not has_cta:
            yield ctx.contact_finding(message=str(ctx.param("message_cta", ctx.spec.message)),
                                      suggestion=str(ctx.param("suggestion_cta", "")) or None, turn=m.index)


_BEFORE_IMPERATIVE = frozenset({"просто", "пожалуйста", "обязательно", "сразу", "лучше", "смело", "тогда"})


# ---------------------------------------------------------------- W8: a self-centred introduction

_CLIENT_WORDS = frozenset({"вы", "вас", "вам", "вами"})


def _to_client(t: Token) -> bool:
    """A verb addressed to the client: an imperative or a second-person form («возьмите», «можете»)."""
    g = t.info.grammemes
    return t.info.pos == "VERB" and ("impr" in g or "2per" in g)


@check("W8")
def long_intro(ctx: RuleContext) -> Iterator[Finding]:
    max_words = int(ctx.param("max_intro_words", 20))
    min_markers = int(ctx.param("min_markers", 2))
    markers = ctx.derived("markers", lambda: tuple((p,) for p in ctx.strings("self_patterns")))
    greetings = ctx.string_tuple("greeting_patterns")
    company = ctx.derived("company_words", lambda: frozenset(_company_words(ctx)))
    signoff = ctx.string_tuple("signoff_patterns")
    names = ctx.ann.client_names
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        intro: list[int] = []
        words = 0
        for s_idx, sent in enumerate(doc.sentences):
            idx = doc.words(sent)
            toks = [doc.tokens[j] for j in idx]
            if s_idx == 0 and sentence_has(doc, sent, greetings) and len(toks) <= 6:
                continue  # «Здравствуйте, Алла!»
            # (not «мы объединили отделы, перешли на новую систему»: a past plural, no «перешли!»)
            if any(t.norm in _CLIENT_WORDS or t.info.lemma == "ваш" or t.info.lemma in names
                   or (_to_client(t) and not past_homonym(doc, j, t)) for j, t in zip(idx, toks, strict=True)):
                break  # the letter speaks to the client: «Возьмите чек и паспорт», «Вы можете…»
            if sentence_has(doc, sent, signoff):
                break  # «С уважением, Марина, интернет-магазин Kid Mir»: a signature, not an introduction
            intro.append(s_idx)
            words += len(toks)
        if words <= max_words or not intro:
            continue
        hits = 0
        for s_idx in intro:
            sent = doc.sentences[s_idx]
            hits += sum(1 for p in markers if sentence_has(doc, sent, p))
            hits += sum(1 for j in doc.words(sent) if doc.tokens[j].norm in company)
        if hits < min_markers:
            continue
        first, last = doc.sentences[intro[0]], doc.sentences[intro[-1]]
        yield ctx.finding(m.index, first.start, last.end)
