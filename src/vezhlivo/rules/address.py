"""A — addressing the client: «Вы» not «ты», the capital «Вы» in writing, the client's name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..model import Channel, Finding, Message
from ..nlp.doc import Doc, Kind, Token
from ..nlp.morph import analyzer, inflect, norm, word_info
from ..nlp.patterns import CLASSES
from .base import RuleContext, Skip, check, own_words

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_WORD = Kind.WORD
_PUNCT = Kind.PUNCT
_EMOJI = Kind.EMOJI

_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:] if word else word


def _match_case(model: str, word: str) -> str:
    """Write ``word`` in the letter case of ``model`` (КАПС, Заглавная, строчная)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return _cap(word)
    return word


def _prev_word(doc: Doc, i: int) -> Token | None:
    for j in range(i - 1, -1, -1):
        t = doc.tokens[j]
        if t.kind is _WORD:
            return t
        if t.kind is _PUNCT and any(ch in t.text for ch in ".!?"):
            return None
    return None


def _next_word(doc: Doc, i: int, *, across: bool = False) -> Token | None:
    """The next word token; None when punctuation comes first (unless ``across``)."""
    for j in range(i + 1, len(doc.tokens)):
        t = doc.tokens[j]
        if t.kind is _WORD:
            return t
        if not across and t.kind in (_PUNCT, _EMOJI):
            return None
    return None


# ---------------------------------------------------------------- A1: «ты»


@lru_cache(maxsize=20_000)
def plural_form(word: str) -> str | None:
    """The «Вы» form of a «ты» form: «подожди» → «Подождите», «тебя» → «Вас», «твой» → «Ваш»."""
    low = norm(word)
    info = word_info(low)
    out: str | None = None
    if info.lemma == "ты":
        case = next((c for c in _CASES if c in info.grammemes), "nomn")
        out = inflect("вы", {case})
        return _cap(out) if out else "Вы"
    if info.lemma == "твой":
        p = next((p for p in analyzer().parse(low) if p.normal_form == "твой"), None)
        if p is not None:
            want = {g for g in p.tag.grammemes if g in (*_CASES, "masc", "femn", "neut", "sing", "plur")}
            if "plur" in want:
                want -= {"masc", "femn", "neut"}
            if "accs" in want and "anim" in p.tag.grammemes:
                want.add("anim")
            q = analyzer().parse("ваш")[0].inflect(want)
            if q is not None:
                return _cap(str(q.word))
        return "Ваш"
    out = inflect(low, {"plur"})
    if out is None:
        return None
    return _match_case(word, out)


_IS_2SG = CLASSES["2sg"]


@lru_cache(maxsize=50_000)
def _thou_form(form: str) -> bool:
    """Can the word form be a «ты» form (second person singular, the adjective «твой»)? It depends on
    the form alone, so it is asked once per form instead of on every token."""
    t = Token(form, 0, len(form), form, Kind.WORD)
    return _IS_2SG(t) or (t.info.lemma == "твой" and t.info.pos == "ADJF" and t.info.known)


class _ThouForms:
    """The words already asked of ``_thou_form``, and those of them that are «ты» forms: whether a text
    has one is then two set operations in C instead of a call per word."""

    __slots__ = ("hits", "seen")

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.hits: set[str] = set()

    def any_in(self, words: frozenset[str]) -> bool:
        new = words - self.seen
        if new:
            self.hits.update(w for w in new if _thou_form(w))
            self.seen.update(new)  # after ``hits``: a word seen is a word classified
        return not self.hits.isdisjoint(words)


_thou_forms = _ThouForms()


_CLAUSE_PUNCT = frozenset(",.!?;:—–-()\"«»…")


def _noun_mid_clause(doc: Doc, i: int) -> bool:
    """An imperative that is also a noun, inside a clause: «анализы крови и мочи» (not «мочи»,
    «мочить»); an order starts its clause («Сбегай, посмотри»)."""
    t = doc.tokens[i]
    info = t.info
    if "impr" not in info.grammemes or "NOUN" not in info.all_grammemes:
        return False
    sent = doc.sentence_of(i)
    return i > sent.first and doc.tokens[i - 1].text not in _CLAUSE_PUNCT


def _may_thou(doc: Doc) -> bool:
    """Could a word of the text be a «ты» form? Asked of its vocabulary (forms and lemmas of its own
    words): a superset of the forms A1 tests, so False is certain."""
    global _thou_forms
    forms = _thou_forms
    if len(forms.seen) > 200_000:  # bounded; a fresh object, so a concurrent caller keeps a whole one
        forms = _thou_forms = _ThouForms()
    return forms.any_in(doc.vocabulary()[0])


@check("A1")
def second_person_singular(ctx: RuleContext) -> Iterator[Finding]:
    fixed = ctx.derived("fixed", lambda: [(p, re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)"))
                                          for p in {norm(p) for p in ctx.param("fixed_phrases", [])}])
    allowed = ctx.derived("allowed", lambda: frozenset(norm(w) for w in ctx.param("allowed_words", [])))
    # the Doc memo's key: what a text's findings depend on besides the text
    key = ctx.derived("memo_key", lambda: ("address.thou", tuple(sorted(p for p, _ in fixed)), allowed))
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        for start, end, suggestion in _thou_spans(doc, key, fixed, allowed):
            yield ctx.finding(m.index, start, end, suggestion=suggestion)


def _thou_spans(doc: Doc, key: tuple[object, ...], fixed: list[tuple[str, re.Pattern[str]]],
                allowed: frozenset[str]) -> list[tuple[int, int, str]]:
    """A1's findings in one text: (start, end, the plural to say instead). A pure function of the text and
    the lists (named by ``key``): remembered on the Doc, which a repeated text brings back."""
    return doc.remember(key, lambda: _find_thou_spans(doc, fixed, allowed))


def _find_thou_spans(doc: Doc, fixed: list[tuple[str, re.Pattern[str]]],
                     allowed: frozenset[str]) -> list[tuple[int, int, str]]:
    if not _may_thou(doc):
        return []  # most messages
    toks = doc.tokens
    words = own_words(doc)
    # positions (in ``words``) of «ты» forms
    hits = [pos for pos, i in enumerate(words) if _thou_form(toks[i].norm) and toks[i].norm not in allowed
            and not _noun_mid_clause(doc, i)]
    if not hits:
        return []
    low_text = norm(doc.text)
    fixed_spans = [(x.start(), x.end()) for p, rx in fixed if p in low_text for x in rx.finditer(low_text)]
    out: list[tuple[int, int, str]] = []
    run: list[tuple[int, str]] = []  # adjacent «ты» forms: «ты можешь» is one finding
    for pos in [*hits, -1]:
        i = words[pos] if pos >= 0 else -1
        sugg = None
        if i >= 0 and not any(s <= toks[i].start < e for s, e in fixed_spans) and not _generic(doc, i):
            sugg = None if past_homonym(doc, i, toks[i]) else plural_form(toks[i].text)
        if sugg is not None and run and pos == run[-1][0] + 1 and _no_punct_between(doc, words[pos - 1], i):
            run.append((pos, sugg))
            continue
        if run:  # a gap, a non-«ты» word or the end closes the run
            first, last = toks[words[run[0][0]]], toks[words[run[-1][0]]]
            out.append((first.start, last.end, " ".join(x for _, x in run)))
        run = [(pos, sugg)] if sugg is not None else []
    return out


_THOU_PRONOUNS = frozenset({"ты", "тебя", "тебе", "тобой"})
_NEGATIVE_PRONOUNS = frozenset({"никому", "никого", "ничего", "ничем", "никогда", "нигде", "никуда", "ниоткуда",
                                "никак", "ни"})


def _generic(doc: Doc, i: int) -> bool:
    """«Такое никому не пожелаешь», «ничего не поделаешь», «нигде не найдёшь»: a «ты» verb after «не»
    and a negative pronoun speaks of anyone (a generic statement), not to the client."""
    toks = doc.tokens
    if toks[i].info.pos != "VERB":
        return False
    words: list[Token] = []  # up to four words before it in its sentence, nearest first (as _prev_word walks)
    for j in range(i - 1, -1, -1):
        t = toks[j]
        if t.kind is _PUNCT and any(ch in t.text for ch in ".!?"):
            break
        if t.kind is _WORD:
            words.append(t)
            if len(words) == 4:
                break
    return bool(words) and words[0].norm == "не" and any(w.norm in _NEGATIVE_PRONOUNS for w in words[1:]) \
        and not any(w.norm in _THOU_PRONOUNS for w in words)  # «ты ничего не понимаешь» is said to someone


def past_homonym(doc: Doc, i: int, t: Token) -> bool:
    """«мы перешли», «вы пришли»: a past plural that the dictionary also reads as «перешли!»."""
    if "2per" in t.info.grammemes or "past" not in t.info.all_grammemes:
        return False
    prev = _prev_word(doc, i)
    if prev is not None and doc.tokens[i - 1].kind is not _PUNCT:
        return True
    # one of a list of deeds after its subject: «мы объединили три отдела, перешли на новую систему»
    sent = doc.sentence_of(i)
    return any(doc.tokens[j].norm in _PLURAL_SUBJECTS for j in range(sent.first, i))


_PLURAL_SUBJECTS = frozenset({"мы", "вы", "они"})


def _no_punct_between(doc: Doc, a: int, b: int) -> bool:
    return all(doc.tokens[j].kind is not _PUNCT for j in range(a + 1, b))


# ---------------------------------------------------------------- A2: capital «Вы»

_VY_FORMS = frozenset({"вы", "вас", "вам", "вами"})
_VY_WORDS = _VY_FORMS | {"ваш"}  # one of them is in the vocabulary of any text _is_vy finds something in


def _is_vy(t: Token) -> bool:
    if t.kind is not _WORD:
        return False
    if t.norm in _VY_FORMS:
        return True
    return t.info.lemma == "ваш" and t.info.pos == "ADJF" and t.norm.startswith("ваш")


@check("A2")
def capital_vy(ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.param("enabled_written", True):
        raise Skip("the company writes «вы» in lower case (params.enabled_written is off)")
    if not ctx.conv.channel.written:
        raise Skip("A2 is about writing")
    # one look-up per contact instead of one per list
    group_after, group_before, group_nouns, not_companions = ctx.derived("word_sets", lambda: tuple(
        ctx.word_set(k) for k in ("group_after", "group_before", "group_nouns", "not_companions")))
    spoke_to_group = False  # an earlier message spoke to several people («вы с супругом»): later «вы» may too
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        lower, couple, group = _lower_vy(doc, group_after, group_before, group_nouns, not_companions)
        if couple:
            spoke_to_group = True
            continue
        if not lower or spoke_to_group or group:
            continue
        for t in lower:
            yield ctx.finding(m.index, t.start, t.end, suggestion=_cap(t.text))


_LowerVy = tuple[tuple[Token, ...], bool, bool]  # «вы» in lower case; spoken to a couple; to a group or many
_NO_LOWER_VY: _LowerVy = ((), False, False)


def _lower_vy(doc: Doc, group_after: frozenset[str], group_before: frozenset[str], group_nouns: frozenset[str],
              not_companions: frozenset[str]) -> _LowerVy:
    """A pure function of the text and the lists: remembered on the Doc (under the lists too), which a
    repeated text brings back."""
    return doc.remember(("address.lower_vy", group_after, group_before, group_nouns, not_companions),
                        lambda: _find_lower_vy(doc, group_after, group_before, group_nouns, not_companions))


def _find_lower_vy(doc: Doc, group_after: frozenset[str], group_before: frozenset[str],
                   group_nouns: frozenset[str], not_companions: frozenset[str]) -> _LowerVy:
    vocab = doc.vocabulary()[0]
    if vocab.isdisjoint(_VY_WORDS):
        return _NO_LOWER_VY  # no «вы» or «ваш» at all
    toks = doc.tokens
    lower: list[Token] = []
    for i in own_words(doc):
        t = toks[i]
        # the spelling first (_is_vy needs «вы» or a word starting «ваш»), the dictionary last
        if (t.norm in _VY_FORMS or t.norm.startswith("ваш")) and t.text[0].islower() and _is_vy(t):
            lower.append(t)
    if not (vocab.isdisjoint(_WITH) and vocab.isdisjoint(_BOTH)) and _couple_addressed(doc, not_companions):
        return (), True, False
    # whether the operator speaks to several people matters only when there is something to report
    group = bool(lower) and (_group_addressed(doc, group_after, group_before, not_companions)
                             or _plural_audience(doc, group_nouns))
    return tuple(lower), False, group


def _plural_audience(doc: Doc, nouns: frozenset[str]) -> bool:
    """«Уважаемые клиенты, вы можете…»: a notice to many readers."""
    if not doc.masks and doc.vocabulary()[0].isdisjoint(nouns):
        return False  # no masked word, so the vocabulary has every word's lemmas: none of the nouns
    return any(t.kind is _WORD and t.info.lemma in nouns and "plur" in t.info.grammemes
               and "nomn" in t.info.grammemes for t in doc.tokens)


_WITH = frozenset({"с", "со"})


def _companion(doc: Doc, i: int, not_companions: frozenset[str]) -> bool:
    """«вы с мужем», «вас с Ириной», «вы со своими детьми»: «вы» of token ``i`` is joined by «с» to a
    person in the instrumental case, so it means the client and someone else — several people. Staff
    of the company (params.not_companions: «вы с курьером связывались?») are the object of the verb
    as often as a companion, and do not count."""
    toks = doc.tokens
    prep = _next_word(doc, i)
    if prep is None or prep.norm not in _WITH:
        return False
    j = toks.index(prep)
    for _ in range(3):  # «с мужем», «с вашим мужем», «со своими маленькими детьми»
        w = _next_word(doc, j)
        if w is None or "ablt" not in w.info.all_grammemes:
            return False
        j = toks.index(w)
        if w.info.pos == "NOUN" and w.info.known and w.info.lemma not in not_companions and (
                "anim" in w.info.grammemes or "Name" in w.info.grammemes):
            return "ablt" in w.info.grammemes
        if w.info.pos not in ("ADJF", "PRTF", "NUMR"):
            return False
    return False


_BOTH = frozenset({"оба", "обе", "обоих", "обеих", "обоим", "обеим", "вдвоем", "вдвоём"})


def _couple_addressed(doc: Doc, not_companions: frozenset[str]) -> bool:
    """«вы с супругом», «вы оба»: the client and someone else, for the rest of the contact (not «вы все»,
    which is as often «у вас всё» written without «ё»)."""
    for i in own_words(doc):
        if doc.tokens[i].norm not in _VY_FORMS:
            continue
        nxt = _next_word(doc, i)
        if nxt is not None and (nxt.norm in _BOTH or (nxt.norm in _WITH and _companion(doc, i, not_companions))):
            return True
    return False


def _group_addressed(doc: Doc, after: frozenset[str], before: frozenset[str],
                     not_companions: frozenset[str] = frozenset()) -> bool:
    """«вы все», «вас обоих», «каждый из вас», «вы с мужем»: the operator speaks to several people."""
    for i in own_words(doc):
        t = doc.tokens[i]
        if t.norm not in _VY_FORMS:
            continue
        nxt = _next_word(doc, i)
        if nxt is not None and nxt.norm in after:
            return True
        if nxt is not None and nxt.norm in _WITH and _companion(doc, i, not_companions):
            return True
        prev = _prev_word(doc, i)
        if prev is not None and prev.norm == "из":
            prev2 = _prev_word(doc, doc.tokens.index(prev))
            if prev2 is not None and (prev2.norm in before or prev2.info.lemma in before):
                return True
    return False


# ---------------------------------------------------------------- A3/A4: the client's name


def _familiar_stems(ctx: RuleContext) -> tuple[str, ...]:
    """Stems of the short forms of the client's name («Наташа» for Наталья), from A5's data."""
    a5 = ctx.rulebook.rules.get("A5")
    shorts = (a5.params.get("short_forms") or {}) if a5 is not None else {}
    out: list[str] = []
    for name in ctx.ann.client_names:
        out += [norm(s) for s in shorts.get(name, []) if len(s) >= 3]
    return tuple(out)


def _client_name_tokens(ctx: RuleContext, m: Message, stems: tuple[str, ...] = ()) -> list[int]:
    """Indices of tokens of operator message ``m`` that name the client (or, with ``stems`` from
    _familiar_stems, a short form of the name)."""
    names = ctx.ann.client_names
    doc = ctx.doc(m.index)
    if doc.vocabulary()[0].isdisjoint(names):
        low_text = norm(doc.text) if stems else ""
        if not any(s in low_text for s in stems):
            return []  # neither the name among the words (and lemmas) nor a short form's stem in the text
    toks = doc.tokens
    out = []
    for i in own_words(doc):
        t = toks[i]
        if len(t.text) <= 4 and t.text.isupper():
            continue  # «ИНН», «КПП»: an abbreviation, not the client's name («Инна»)
        if names.isdisjoint(t.lemmas) and t.norm not in names and not (
                stems and t.norm.startswith(stems) and "Name" in t.info.grammemes):
            continue
        # a name that is also a common noun (Вера, Надежда, Любовь, Роман) counts only when capitalised,
        # or in a text without capitals (a transcript) said as the name itself: «так вера сейчас посмотрю»,
        # not «вера в успех», «с верой»
        if not t.text[0].isupper() and "Name" not in t.info.grammemes and not (
                t.norm in names and _no_capitals(doc) and _bare_name(doc, i)):
            continue
        out.append(i)
    return out


_NOT_BEFORE_NAME = frozenset({"в", "во", "на", "с", "со", "без", "для", "моя", "наша", "твоя", "ваша", "эта", "та",
                              "мой", "наш", "твой", "ваш", "этот", "тот", "новый", "целый"})


def _bare_name(doc: Doc, i: int) -> bool:
    """A lower-case homonym of the client's name stands as a name: neither a preposition or a determiner
    before it («с вера», «мой роман») nor «в» after it («вера в успех»)."""
    prev, nxt = _prev_word(doc, i), _next_word(doc, i)
    return (prev is None or prev.norm not in _NOT_BEFORE_NAME) and (nxt is None or nxt.norm not in ("в", "во"))


@check("A3")
def name_usage(ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.ann.client_names:
        raise Skip("the client's name is unknown")
    ops = ctx.operator_messages()
    key = "min_operator_turns_email" if ctx.conv.channel == "email" else "min_operator_turns"
    need = int(ctx.param(key, ctx.param("min_operator_turns", 3)))
    if len(ops) < need:
        raise Skip(f"fewer than {need} operator turns")
    # the full form of a short name the client gave counts too: «Я Макс» — «Максим, …»
    stems = _familiar_stems(ctx) + tuple(sorted(n for n in ctx.ann.client_names if len(n) >= 3))
    per_turn = [len(_client_name_tokens(ctx, m, stems)) for m in ops]
    total = sum(per_turn)
    name = _cap(sorted(ctx.ann.client_names)[0])
    if total == 0:
        yield ctx.contact_finding(suggestion=ctx.param("suggestion_never", "").format(name=name) or None)
        return
    share = sum(1 for n in per_turn if n) / len(ops)
    if total > int(ctx.param("max_mentions", 4)) and share > float(ctx.param("max_share", 0.6)):
        yield ctx.contact_finding(
            message=str(ctx.param("message_too_often", ctx.spec.message)),
            suggestion=str(ctx.param("suggestion_too_often", "")) or None,
        )


@check("A4")
def full_name(ctx: RuleContext) -> Iterator[Finding]:
    patr = ctx.conv.client.patronymic
    parts = (ctx.conv.client.name or "").split()
    if not patr and len(parts) >= 2 and any("Patr" in p.tag.grammemes for p in analyzer().parse(parts[1])[:2]):
        patr = parts[1]  # «Иван Петрович» given as the name
    if not patr or not ctx.conv.client.name:
        raise Skip("the client's patronymic is unknown")
    first = norm(ctx.conv.client.name.split()[0])
    patr_low = norm(patr.split()[0])
    patr_lemmas = word_info(patr_low).lemmas | {patr_low}
    named = False
    ops = ctx.operator_messages()
    for m in ops:
        doc = ctx.doc(m.index)
        for i in _client_name_tokens(ctx, m):
            t = doc.tokens[i]
            if t.info.lemma != first and t.norm != first and first not in t.lemmas:
                continue
            named = True
            nxt = _next_word(doc, i)
            if nxt is not None and (nxt.lemmas & patr_lemmas or nxt.norm[:4] == patr_low[:4]):
                continue
            prev = _prev_word(doc, i)
            if prev is not None and (prev.lemmas & patr_lemmas):
                continue
            yield ctx.finding(m.index, t.start, t.end, suggestion=_full_name(t, patr))
    # never called by name at all in a contact long enough to (A3's «never»): the full name was not used
    key = "min_operator_turns_email" if ctx.conv.channel is Channel.EMAIL else "min_operator_turns"
    if not named and ops and len(ops) >= int(ctx.param(key, ctx.param("min_operator_turns", 3))):
        full = f"{_cap(ctx.conv.client.name.split()[0])} {_cap(patr.split()[0])}"
        yield ctx.contact_finding(message=str(ctx.param("message_never") or ctx.spec.message), suggestion=full)


def _full_name(t: Token, patr: str) -> str:
    case = next((c for c in _CASES if c in t.info.grammemes), "nomn")
    patr_form = patr
    if case != "nomn":
        for p in analyzer().parse(norm(patr)):
            if "Patr" in p.tag.grammemes:
                q = p.inflect({case})
                if q is not None:
                    patr_form = _cap(str(q.word))
                break
    return f"{t.text} {patr_form}"


# ---------------------------------------------------------------- A5: familiarity


def _diminutive_re(suffixes: list[str]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(re.escape(s) for s in suffixes) + ")[аеиоуыюяь]{0,3}$")


def _name_stems(ctx: RuleContext) -> dict[str, str]:
    """Stem → the client's name as it should be written."""
    shorts: dict[str, list[str]] = ctx.derived("short_forms", lambda: {
        norm(k): [norm(s) for s in v] for k, v in (ctx.param("short_forms", {}) or {}).items()})
    stems: dict[str, str] = {}
    for name in ctx.ann.client_names:
        full = _cap(name)
        if ctx.conv.client.name and norm(ctx.conv.client.name.split()[0]) == name:
            full = ctx.conv.client.name.split()[0]
        stems[name[:3]] = full
        for s in shorts.get(name, []):
            stems[s] = full
    return stems


def _familiarity_lists(ctx: RuleContext) -> tuple[re.Pattern[str], frozenset[str], frozenset[str], frozenset[str],
                                                   frozenset[str], frozenset[str], frozenset[str]]:
    """A5's parameters as it uses them, once per rulebook."""
    adjectives = ctx.word_set("endearing_adjectives")
    nouns = ctx.word_set("endearing_nouns")
    impersonal = ctx.word_set("impersonal_addresses")
    return (_diminutive_re(list(ctx.param("diminutive_suffixes", []))), adjectives, nouns,
            adjectives | nouns | impersonal, ctx.word_set("person_nouns"), ctx.word_set("address_openers"), impersonal)


@check("A5")
def familiarity(ctx: RuleContext) -> Iterator[Finding]:
    dim, adjectives, nouns, endearing, persons, openers, impersonal = ctx.derived(
        "lists", lambda: _familiarity_lists(ctx))
    address_only = ctx.derived("address_only", lambda: ctx.word_set("address_only_nouns"))
    stems = _name_stems(ctx)
    starts = tuple(stems)
    full_names = ctx.ann.client_names
    default = ctx.spec.suggestion
    client_name = ctx.conv.client.name.split()[0] if ctx.conv.client.name else None
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        # the endearing words need one of them among the message's words or lemmas, a diminutive of
        # the name one of the stems in the text
        maybe_endearing = not doc.vocabulary()[0].isdisjoint(endearing)
        low_text = norm(m.text) if stems else ""
        maybe_name = any(stem in low_text for stem in starts)
        if not maybe_endearing and not maybe_name:
            continue
        toks = doc.tokens
        for i in own_words(doc):
            t = toks[i]
            low = t.norm
            if maybe_name and low.startswith(starts) and low not in full_names \
                    and t.info.lemma not in full_names and dim.search(low):
                hit = None
                for stem, full in stems.items():
                    if not low.startswith(stem) or len(low) <= len(stem) + 2:
                        continue
                    name_like = t.text[0].isupper() or "Name" in t.info.all_grammemes
                    if not name_like and (len(stem) < 3 or (t.info.known and t.info.pos != "NOUN")):
                        continue
                    if t.info.known and "Name" not in t.info.all_grammemes and not _lower_case_address(doc, i):
                        continue  # «галочка», «светик» as words; in a transcript as an address they count
                    hit = full
                    break
                if hit is not None:
                    yield ctx.finding(m.index, t.start, t.end, suggestion=hit)
                    continue
            if not maybe_endearing:
                continue
            lemma = t.info.lemma
            if (low in adjectives or lemma in adjectives) and "ADJF" in t.info.all_grammemes \
                    and "plur" not in t.info.grammemes:
                if _endearing_adjective(doc, i, full_names, persons, openers):
                    yield ctx.finding(m.index, t.start, t.end, suggestion=client_name or default)
                continue
            set_off = _vocative_start(doc, i, nouns=True) and _next_word(doc, i) is None
            if (low in nouns or lemma in nouns) and (set_off or (lemma in address_only and _lower_case_said(doc, i))):
                yield ctx.finding(m.index, t.start, t.end, suggestion=client_name or default)
                continue
            if lemma in impersonal and _impersonal_address(doc, i):
                yield ctx.finding(m.index, t.start, t.end, suggestion=client_name or default)


_BEFORE_ADDRESS = frozenset({"ой", "ну", "да", "так", "а", "вот", "ах", "ох", "спасибо", "здравствуйте", "привет",
                             "конечно", "хорошо", "извините", "простите"})


def _no_capitals(doc: Doc) -> bool:
    """A text written without capitals: a speech-to-text transcript (or a chat typed so)."""
    return not any(ch.isupper() for ch in doc.text)


def _lower_case_said(doc: Doc, i: int) -> bool:
    """A word of a text without capitals (a transcript, no commas to set off an address) in the nominative."""
    return _no_capitals(doc) and "nomn" in doc.tokens[i].info.all_grammemes


def _lower_case_address(doc: Doc, i: int) -> bool:
    """Such a word that opens the turn or follows an interjection stands as an address: «ой галочка
    извините», not «поставьте галочку»."""
    if not _lower_case_said(doc, i):
        return False
    prev = _prev_word(doc, i)
    return prev is None or prev.norm in _BEFORE_ADDRESS


_RELATIVE = frozenset({"который", "что", "кто", "чей", "какой"})


def _impersonal_address(doc: Doc, i: int) -> bool:
    """«Девушка, Ваш заказ…», «Спасибо, мужчина!» — the word set off as an address, in the nominative;
    not «Девушка, которая Вам отвечала…» nor «девушка на кассе»."""
    t = doc.tokens[i]
    if not {"nomn", "sing"} <= t.info.grammemes:
        return False
    sent = doc.sentence_of(i)
    toks = doc.tokens
    before = i == sent.first or toks[i - 1].text == ","  # not «Курьер — девушка, …»
    after = i + 1 >= sent.last or toks[i + 1].kind in (_PUNCT, _EMOJI)
    if not (before and after):
        return False
    nxt = _next_word(doc, i, across=True)
    return nxt is None or nxt.info.lemma not in _RELATIVE


def _endearing_adjective(doc: Doc, i: int, names: frozenset[str], persons: frozenset[str],
                         openers: frozenset[str]) -> bool:
    """«дорогая Наталья», «наша дорогая Аллочка», «Спасибо, дорогая!» — not «товар дорогой»."""
    nxt = _next_word(doc, i)
    prev = _prev_word(doc, i)
    if nxt is not None:
        if nxt.norm in names or nxt.info.lemma in names or nxt.info.lemma in persons:
            return True
        if nxt.info.lemma == "мой" and _vocative_start(doc, i):  # «Милая моя, …»
            return True
        if "Name" in nxt.info.grammemes and nxt.text[0].isupper():
            return prev is None or prev.info.lemma in ("наш", "мой") or doc.tokens[i].text[0].isupper()
        if nxt.text[0].isupper() and not nxt.info.known:
            return prev is not None and prev.info.lemma in ("наш", "мой")
        return False
    if prev is not None and prev.info.lemma in ("мой", "наш") and doc.tokens[i - 1] is prev \
            and _vocative_start(doc, i - 1) and i + 1 < len(doc.tokens) and doc.tokens[i + 1].text in (",", "!"):
        return True  # «Не переживайте, моя дорогая, к празднику всё будет»; not «Мой любимый — …»
    if not _vocative_start(doc, i):
        return False
    # standing alone: «Спасибо, дорогая!», «Не волнуйтесь, милая, …»
    after = next((t for t in doc.tokens[i + 1:] if t.kind is not _EMOJI), None)
    if after is None or any(c in after.text for c in "!?"):
        return True
    if prev is None:
        # opening the sentence, then a comma and a request or thanks to the client: «Дорогая, не
        # волнуйтесь», «Милая, подождите минутку» (not «Дорогой, но надёжный вариант»)
        return after.text == "," and _addresses_after_comma(doc, i)
    return prev.norm in openers or "impr" in prev.info.grammemes


def _addresses_after_comma(doc: Doc, i: int) -> bool:
    words = [t for t in doc.tokens[i + 2:i + 5] if t.kind is _WORD]
    if words and words[0].norm == "не":
        words = words[1:]
    if not words:
        return False
    w = words[0]
    return "impr" in w.info.grammemes or w.info.lemma in ("вы", "спасибо", "пожалуйста")


def _vocative_start(doc: Doc, i: int, *, nouns: bool = False) -> bool:
    """The word opens an address: at the start, after a comma or «!», (nouns) after «мой/моя»."""
    if i == 0:
        return True
    prev = doc.tokens[i - 1]
    if prev.kind is _WORD:
        return nouns and prev.info.lemma in ("мой", "наш")
    if prev.kind is _PUNCT:
        return any(c in prev.text for c in ",.!?")
    return prev.kind is _EMOJI
