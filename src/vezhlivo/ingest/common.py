"""Pieces every export reader shares: turns → conversations, who is the operator, HTML → text."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError
from ..model import Channel, Client, Conversation, Direction, Event, Message, Operator, Role, Source
from .canonical import decode_bytes
from .timeparse import parse_datetime

if TYPE_CHECKING:
    from . import ReadOptions


@dataclass(slots=True)
class Turn:
    """A message on its way into a conversation."""

    role: Role
    text: str
    ts: datetime | None = None
    author: str | None = None
    event: Event | None = None


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u200e", "").replace("\u200f", "")
    text = text.replace("\xa0", " ")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def build_conversation(
    cid: str, channel: Channel, turns: Iterable[Turn], *, source: Source | None = None,
    operator: Operator | None = None, client: Client | None = None,
    direction: Direction = Direction.INCOMING, company: str | None = None, sort: bool = True,
) -> Conversation:
    """Number the turns, drop empty ones, sort by time when every turn has one (stable)."""
    kept = [t for t in turns if t.event is not None or clean_text(t.text)]
    if sort and kept and all(t.ts is not None for t in kept):
        kept.sort(key=lambda t: t.ts.timestamp() if t.ts else 0.0)
    messages = tuple(
        Message(index=i, role=t.role, text=clean_text(t.text), ts=t.ts, event=t.event, author=t.author)
        for i, t in enumerate(kept)
    )
    if operator is None:
        names = [m.author for m in messages if m.role is Role.OPERATOR and m.author]
        operator = Operator(name=Counter(names).most_common(1)[0][0]) if names else Operator()
    if client is None:
        names = [m.author for m in messages if m.role is Role.CLIENT and m.author]
        client = Client(name=names[0]) if names else Client()
    started = next((m.ts for m in messages if m.ts is not None), None)
    return Conversation(
        id=cid, channel=channel, messages=messages, direction=direction, company=company,
        operator=operator, client=client, started_at=started, source=source,
    )


def norm(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold().replace("ё", "е")


class OperatorMatcher:
    """Names and account ids of the company's people, from ``--operator`` and the rulebook."""

    def __init__(self, options: ReadOptions) -> None:
        keys: set[str] = set()
        for o in options.operators:
            keys.update(_id_forms(o))
        for o in options.settings.get("operators") or []:
            if isinstance(o, Mapping):
                for k in ("id", "name"):
                    if o.get(k):
                        keys.update(_id_forms(str(o[k])))
            elif isinstance(o, str):
                keys.update(_id_forms(o))
        self.keys = frozenset(k for k in keys if k)

    def __bool__(self) -> bool:
        return bool(self.keys)

    def matches(self, *values: object) -> bool:
        return any(v is not None and bool(set(_id_forms(str(v))) & self.keys) for v in values)


def _id_forms(value: str) -> list[str]:
    """``user123``, ``123`` and ``User 123`` are the same account; names compare case-blind."""
    n = norm(value)
    forms = [n]
    m = re.fullmatch(r"(?:user|channel|chat)\s*(\d+)", n)
    if m:
        forms.append(m.group(1))
    elif n.isdigit():
        forms.append("user" + n)
    return forms


# Phrases an operator writes and a client does not: the heuristic for chats without a known operator.
_OPERATOR_CUES = (
    "чем могу помочь", "чем я могу помочь", "чем могу быть полезен", "чем могу быть полезна",
    "меня зовут", "служба поддержки", "служба заботы", "поддержка", "благодарим за обращение",
    "спасибо за обращение", "спасибо за ожидание", "ожидайте", "уточню", "подскажите, пожалуйста, номер",
    "номер заказа", "оператор", "специалист", "рады помочь", "хорошего дня", "всего доброго",
    "приносим извинения", "приносим свои извинения", "how can i help", "support team",
)


_OPERATOR_PATTERNS = (
    re.compile(r"(?:здравствуйте|добрый (?:день|вечер)|доброе утро|приветствую|hello|hi),?\s+[А-ЯЁA-Z][а-яёa-z]+"),
    re.compile(r"\b(?:мы|наш|наша|наше|наши|нашего|нашей|нашем|нам)\b", re.IGNORECASE),
)
_CLIENT_CUES = ("мой заказ", "моего заказа", "мне ", "я заказ", "хочу", "где мой", "где моя", "подскажите",
                "когда будет", "можно ли", "my order", "i want", "i ordered", "спасибо, ", "??")
_STAFF_NAMES = ("support", "поддержка", "магазин", "shop", "store", "официальн", "сервис", "service", "help")


def operator_score(texts: Sequence[str], company_names: Sequence[str] = (), author: str = "") -> float:
    """How much an author's messages read like an operator's (phrases, greeting by name, «мы»)."""
    score = 0.0
    for t in texts:
        low = norm(t)
        score += sum(1.0 for cue in _OPERATOR_CUES if cue in low)
        score += sum(2.0 for name in company_names if name and norm(name) in low)
        score += sum(1.0 for rx in _OPERATOR_PATTERNS if rx.search(t))
        score -= sum(0.5 for cue in _CLIENT_CUES if cue in low)
    per = score / max(1, len(texts))
    a = norm(author)
    if any(w in a for w in _STAFF_NAMES) or any(n and norm(n) in a for n in company_names):
        per += 3.0
    return per


def guess_operators(
    chats: Sequence[Sequence[tuple[str, str]]], company_names: Sequence[str] = (),
) -> tuple[set[str], str]:
    """Which authors are the company's, from (author, text) sequences of several chats.

    1. An author present in most chats of an export of several chats is the company's account.
    2. Otherwise, per chat: the author whose messages carry operator phrases («чем могу помочь»,
       «меня зовут», the company's name); on a tie, the one who did not write first.
    Returns the set of authors and a sentence saying how they were chosen.
    """
    seen = Counter(a for chat in chats for a in {a for a, _ in chat})
    multi = [c for c in chats if len({a for a, _ in c}) >= 2]
    if len(multi) >= 2:
        top, count = seen.most_common(1)[0]
        if count >= max(2, int(0.6 * len(multi))) and (len(seen) < 2 or seen.most_common(2)[1][1] < count):
            return {top}, f"'{top}' writes in {count} of {len(chats)} chats"
    found: set[str] = set()
    reasons: list[str] = []
    for chat in chats:
        authors = list(dict.fromkeys(a for a, _ in chat))
        if len(authors) < 2:
            continue
        scores = {a: operator_score([t for x, t in chat if x == a], company_names, a) for a in authors}
        best = max(authors, key=lambda a: (scores[a], a != authors[0]))
        found.add(best)
        reasons.append(best)
    why = "by operator phrases in their messages (or, on a tie, not writing first)"
    return found, f"{', '.join(sorted(found)) or 'nobody'} chosen {why}"


def company_names(options: ReadOptions) -> list[str]:
    comp = options.settings.get("company") or {}
    if isinstance(comp, str):
        return [comp]
    if not isinstance(comp, Mapping):
        return []
    return [str(n) for n in [comp.get("name"), *(comp.get("aliases") or [])] if n]


def note(options: ReadOptions, message: str) -> None:
    options.notes.append(message)


def load_json(path: Path) -> Any:
    """A whole JSON document, whatever its encoding; raises FieldError('(file)') when broken."""
    text, _ = decode_bytes(path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError(f"(line {exc.lineno})", f"broken JSON: {exc.msg} at column {exc.colno}") from None


def time_of(value: object, options: ReadOptions, field: str) -> datetime | None:
    try:
        return parse_datetime(value, options.zone)
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None


# --- HTML → text ---------------------------------------------------------------------------

_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr",
          "section", "article", "header", "footer", "pre"}
_SKIP = {"script", "style", "head", "title", "blockquote"}
_QUOTE_MARKS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "divrplyfwdmsg", "appendonsend",
                "ms-outlook-quote", "quote")


class _Text(HTMLParser):
    def __init__(self, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.out: list[str] = []
        self.stack: list[str] = []
        self.skip_depth = 0

    def _quoted(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in ("script", "style", "head", "title"):
            return True
        if not self.drop_quotes:
            return False
        if tag == "blockquote":
            return True
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        return any(q in marks for q in _QUOTE_MARKS)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "img", "meta", "link", "input"):  # void elements
            if not self.skip_depth and tag in ("br", "hr"):
                self.out.append("\n")
            return
        if self.skip_depth:
            self.skip_depth += 1
        elif self._quoted(tag, attrs):
            self.skip_depth = 1
        if tag in _BLOCK and not self.skip_depth:
            self.out.append("\n")
        if tag == "li" and not self.skip_depth:
            self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "hr", "img", "meta", "link", "input"):
            return
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str, drop_quotes: bool = False) -> str:
    """Visible text of an HTML fragment; paragraphs and ``<br>`` become line breaks.

    With ``drop_quotes`` quoted earlier mails (``<blockquote>``, Gmail/Outlook quote blocks) are left out.
    """
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _Text(drop_quotes)
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.out).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(("оператор", "operator", "agent", "агент", "сотрудник", "менеджер", "manager",
                     "support", "поддержка", "admin", "администратор", "специалист", "консультант",
                     "компания", "company", "продавец", "seller", "staff", "user_agent", "исходящее",
                     "outgoing", "out"), Role.OPERATOR),
    **dict.fromkeys(("клиент", "client", "customer", "пользователь", "покупатель", "посетитель",
                     "visitor", "абонент", "end-user", "end_user", "contact", "lead", "заявитель",
                     "входящее", "incoming", "in", "гость", "guest", "requester"), Role.CLIENT),
    **dict.fromkeys(("система", "system", "бот", "bot", "робот", "автоответ", "service"), Role.SYSTEM),
}


def role_word(value: object) -> Role | None:
    return ROLE_WORDS.get(norm(value)) if value is not None else None
