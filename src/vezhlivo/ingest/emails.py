"""E-mail: ``.eml`` files, folders of them, and ``.mbox`` mailboxes.

Read: ``From`` (operator when its domain is one of the company's: rulebook ``company.domains``, or an
address/domain given with ``--operator``; without either, the domain that thread-starting mails were
sent *to*), ``Date``, ``Subject``, ``Message-ID``, ``In-Reply-To``, ``References``, and the body: the
``text/plain`` part, else the ``text/html`` part turned into text (any charset). Quoted earlier replies
(``>`` lines, «… пишет:»/«… wrote:» and everything below, Outlook «-----Original Message-----»/«От: …»
blocks, HTML ``<blockquote>``/gmail_quote) and signatures (below a ``-- `` line, «Отправлено с iPhone»)
are cut. Mails are threaded by Message-ID/In-Reply-To/References, then by subject (without Re:/Fwd:/Отв:)
and the client's address; one thread is one conversation, ordered by ``Date``.
"""

from __future__ import annotations

import mailbox
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..errors import RecordError
from ..model import Channel, Client, Conversation, Direction, Operator, Role, Source
from .common import Turn, build_conversation, html_to_text, note
from .timeparse import parse_datetime

if TYPE_CHECKING:
    from . import ReadOptions

EMAIL_SUFFIXES = (".eml", ".msg.eml")
MBOX_SUFFIXES = (".mbox", ".mbx")


@dataclass(slots=True)
class Mail:
    path: str
    record: int
    msgid: str
    refs: list[str]
    subject: str
    sender: str
    sender_name: str
    to: list[str]
    ts: datetime | None
    text: str


_ID = re.compile(r"<[^<>\s]+>")


def _ids(value: object) -> list[str]:
    return _ID.findall(str(value or ""))


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = cast(str, part.get_content())
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = cast(bytes, part.get_payload(decode=True) or b"")
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        return html_to_text(content, drop_quotes=True)
    return content


_QUOTE_HEAD = re.compile(
    r"^\s*(?:"
    r".{0,200}(?:пишет|написал|написала|написал\(а\)|wrote)\s*:\s*$|"
    r".{0,200}<[^<>@\s]+@[^<>\s]+>\s*:\s*$|"
    r"-{2,}\s*(?:original message|исходное сообщение|пересылаемое сообщение|forwarded message)\s*-{2,}.*|"
    r"_{10,}\s*|"
    r"(?:от|from)\s*:\s.*@.*"
    r")$",
    re.IGNORECASE,
)
_SIG = re.compile(
    r"^(?:--\s?|—\s?|отправлено (?:с|из) .*|sent from my .*|get outlook for .*|"
    r"отправлено из мобильной почты .*|с уважением,? отправлено .*)$",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The new part of a reply: quoted text and the signature below ``-- `` are cut."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">"):
            continue
        if _QUOTE_HEAD.match(line) or _SIG.match(line.strip()):
            break
        out.append(line.rstrip())
    return "\n".join(out).strip()


_SUBJ_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|отв|ответ|пересл|tr)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
                          re.IGNORECASE)


def norm_subject(subject: str) -> str:
    return re.sub(r"\s+", " ", _SUBJ_PREFIX.sub("", subject or "")).strip().casefold()


def parse_mail(msg: Message, path: str, record: int, options: ReadOptions) -> Mail:
    em = cast(EmailMessage, msg)
    name, addr = parseaddr(str(em.get("From", "")))
    try:
        ts = parse_datetime(str(em["Date"]), options.zone) if em.get("Date") else None
    except ValueError:
        ts = None
    msgid = (_ids(em.get("Message-ID")) or [f"<{Path(path).name}#{record}>"])[0]
    refs = _ids(em.get("References")) + _ids(em.get("In-Reply-To"))
    to = [a.lower() for _, a in getaddresses([str(v) for v in em.get_all("To", []) + em.get_all("Cc", [])]) if a]
    return Mail(path, record, msgid, refs, str(em.get("Subject", "") or ""), addr.lower(), name,
                to, ts, strip_reply(_body(em)))


def _parser() -> BytesParser:
    return BytesParser(policy=policy.default)


def iter_mails(paths: Iterable[Path], options: ReadOptions) -> Iterator[Mail | RecordError]:
    for p in paths:
        if p.suffix.lower() in MBOX_SUFFIXES or _is_mbox(p):
            box = mailbox.mbox(str(p), create=False)
            try:
                for number, key in enumerate(box.iterkeys(), start=1):
                    try:
                        yield parse_mail(_parser().parsebytes(box.get_bytes(key)), str(p), number, options)
                    except Exception as exc:  # a damaged mail must not stop the mailbox
                        yield RecordError(str(p), number, None, f"cannot read mail {number}: {exc}")
            finally:
                box.close()
        else:
            try:
                with p.open("rb") as fh:
                    yield parse_mail(_parser().parse(fh), str(p), 1, options)
            except (OSError, ValueError) as exc:
                yield RecordError(str(p), None, None, f"cannot read the mail: {exc}")


def _is_mbox(p: Path) -> bool:
    try:
        with p.open("rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def company_domains(options: ReadOptions) -> set[str]:
    comp = options.settings.get("company") or {}
    doms = set(comp.get("domains") or []) if isinstance(comp, Mapping) else set()
    for o in options.operators:
        doms.add(o)
    return {d.strip().lower().lstrip("@") for d in doms if d and d.strip()}


def _is_company(addr: str, domains: set[str]) -> bool:
    addr = addr.lower()
    dom = addr.rsplit("@", 1)[-1]
    return addr in domains or any(dom == d or dom.endswith("." + d) for d in domains)


def thread(mails: list[Mail]) -> list[list[Mail]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for m in mails:
        parent.setdefault(m.msgid, m.msgid)
        for r in m.refs:
            parent.setdefault(r, r)
            union(m.msgid, r)
    groups: dict[str, list[Mail]] = {}
    for m in mails:
        groups.setdefault(find(m.msgid), []).append(m)
    return list(groups.values())


def read_mails(paths: list[Path], options: ReadOptions) -> Iterator[Conversation | RecordError]:
    mails: list[Mail] = []
    for item in iter_mails(paths, options):
        if isinstance(item, RecordError):
            yield item
        else:
            mails.append(item)
    if not mails:
        return
    domains = company_domains(options)
    threads = thread(mails)
    if not domains:  # the support mailbox is where thread-starting mails were sent
        firsts = [min(t, key=_when) for t in threads]
        senders = {m.sender.rsplit("@", 1)[-1] for m in firsts}
        counts = Counter(a.rsplit("@", 1)[-1] for m in firsts for a in m.to)
        counts.update(m.sender.rsplit("@", 1)[-1] for t in threads for m in t if len(t) > 1 and m is not t[0])
        best = [d for d, _ in counts.most_common() if d not in senders or len(counts) == 1][:1]
        domains = set(best)
        note(options, f"{paths[0] if len(paths) == 1 else paths[0].parent}: no company e-mail domain given "
                      f"(rulebook company.domains or --operator); taking {', '.join(domains) or 'none'}")
    # a mail that lost its In-Reply-To/References joins the thread of the same subject and client
    groups: list[list[Mail]] = []
    by_key: dict[tuple[str, str], list[Mail]] = {}
    for t in sorted(threads, key=lambda t: _when(min(t, key=_when))):
        t.sort(key=_when)
        client = next((m.sender for m in t if not _is_company(m.sender, domains)),
                      next((a for m in t for a in m.to if not _is_company(a, domains)), ""))
        key = (norm_subject(t[0].subject), client)
        target = by_key.get(key)
        if target is not None and not t[0].refs and _when(t[0]) - _when(target[-1]) < _MERGE_WINDOW:
            target.extend(t)
            target.sort(key=_when)
            continue
        by_key[key] = t
        groups.append(t)
    for group in groups:
        yield _conversation(group, domains)


_MERGE_WINDOW = 14 * 24 * 3600.0


def _when(m: Mail) -> float:
    return m.ts.timestamp() if m.ts else 0.0


def _conversation(mails: list[Mail], domains: set[str]) -> Conversation:
    mails.sort(key=_when)
    turns = [Turn(Role.OPERATOR if _is_company(m.sender, domains) else Role.CLIENT, m.text, m.ts,
                  m.sender_name or m.sender) for m in mails]
    ops = [m for m in mails if _is_company(m.sender, domains)]
    cls = [m for m in mails if not _is_company(m.sender, domains)]
    client = Client(name=cls[0].sender_name or None, email=cls[0].sender) if cls else Client(
        email=next((a for a in mails[0].to if not _is_company(a, domains)), None))
    operator = Operator(id=ops[0].sender, name=ops[0].sender_name or None) if ops else Operator()
    first = mails[0]
    direction = Direction.OUTGOING if _is_company(first.sender, domains) else Direction.INCOMING
    return build_conversation(
        first.msgid.strip("<>"), Channel.EMAIL, turns, source=Source(first.path, first.record),
        client=client, operator=operator, direction=direction,
    )
