"""The store's operations: contacts with their findings, history, access scopes, disputes, calibration."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, delete, false, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from .. import collector
from ..engine import ContactReport, Engine, client_keys
from ..evaluate import agreement
from ..ingest.canonical import parse_conversation
from ..model import Conversation, Finding
from ..nlp.annotate import Annotated, annotate
from ..rulebook import Rulebook
from ..score import score_contact
from . import make_engine, migrate
from .schema import ApiToken, ClientKey, Contact, Dispute, FindingRow, ManualScore, RulebookVersion, User

ROLES = ("operator", "supervisor", "admin")
HISTORY_LIMIT = 50  # contacts of one client considered as history


class AccessDenied(Exception):
    pass


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Scope:
    """What a user may see: an operator their own contacts, a supervisor a team, an admin all."""

    role: str
    username: str
    operator_id: str | None = None
    team: str | None = None

    def apply(self, q: Any) -> Any:
        if self.role == "admin":
            return q
        if self.role == "supervisor":
            return q.where(Contact.team == self.team) if self.team else q.where(false())
        return q.where(Contact.operator_id == self.operator_id) if self.operator_id else q.where(false())

    def can_see(self, c: Contact) -> bool:
        if self.role == "admin":
            return True
        if self.role == "supervisor":
            return self.team is not None and c.team == self.team
        return self.operator_id is not None and c.operator_id == self.operator_id

    @property
    def sees_pii(self) -> bool:
        """Operators need the client's data for their own work; supervisors judge style."""
        return self.role in ("admin", "operator")


ADMIN = Scope("admin", "system")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    again = hash_password(password, bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(again, digest_hex)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Filters:
    operator: str | None = None
    team: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    rule: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    limit: int = 100
    offset: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions.begin() as s:
            yield s

    # ---- contacts -------------------------------------------------------------------------
    def _conversations(self, s: Session, keys: list[str], exclude: str) -> list[Conversation]:
        if not keys:
            return []
        rows = s.scalars(
            select(Contact).join(ClientKey).where(ClientKey.key.in_(keys), Contact.external_id != exclude)
            .order_by(Contact.started_at).limit(HISTORY_LIMIT)
        ).unique().all()
        return [parse_conversation(r.payload) for r in rows]

    def analyse_and_save(self, conv: Conversation, engine: Engine, *, relink: bool = True) -> ContactReport:
        """Check a contact with the stored history of its client, store it, re-check its neighbours."""
        with self.session() as s:
            others = self._conversations(s, client_keys(conv), conv.id)
        report = self._check_with(conv, others, engine)
        with self.session() as s:
            self._save(s, report, engine.rulebook)
        if relink:  # a later contact can keep (S3) or break (O3) what an earlier one said
            for other in others:
                with self.session() as s:
                    neighbours = self._conversations(s, client_keys(other), other.id)
                rep = self._check_with(other, neighbours, engine)
                with self.session() as s:
                    self._save(s, rep, engine.rulebook)
        return report

    def _check_with(self, conv: Conversation, others: list[Conversation], engine: Engine) -> ContactReport:
        t0 = conv.start_time
        before: list[Annotated] = []
        after: list[Annotated] = []
        for o in others:
            t = o.start_time
            (before if t is None or t0 is None or t <= t0 else after).append(annotate(o))
        return engine.check(conv, before, after)

    def _save(self, s: Session, report: ContactReport, rulebook: Rulebook) -> Contact:
        """Store a report; a contact stored before is updated in place, so what people added to it
        stays: a supervisor's scores by hand, and each finding found again keeps its row — its
        disputes and an upheld dispute's verdict (found again: the same rule, turn and start).
        A finding not found again goes, with its disputes: it no longer stands."""
        conv = report.conv
        contact = s.scalar(select(Contact).where(Contact.external_id == conv.id))
        if contact is None:
            contact = Contact(external_id=conv.id)
            s.add(contact)
        t = conv.start_time
        contact.channel, contact.direction = conv.channel.value, conv.direction.value
        contact.operator_id = conv.operator.id or conv.operator.name
        contact.operator_name, contact.team = conv.operator.name, conv.operator.team
        contact.started_at, contact.day = t, t.date().isoformat() if t else None
        contact.payload = conv.to_canonical()
        contact.score = contact.auto_score = report.score.total
        contact.sections = [asdict(x) for x in report.score.sections]
        contact.applicable = _applicable(report, rulebook)
        contact.card = asdict(report.card)
        contact.rulebook_version, contact.analysed_at = rulebook.version, _now()
        before: dict[tuple[str, int | None, int | None], list[FindingRow]] = defaultdict(list)
        for row in contact.findings:
            before[(row.rule, row.turn, row.start)].append(row)
        rows = []
        for f in report.findings:
            same = before.get((f.rule, f.turn, f.start))
            row = same.pop(0) if same else FindingRow(rule=f.rule, turn=f.turn, start=f.start, overturned=False)
            row.name, row.severity, row.end, row.quote = f.name, f.severity.value, f.end, f.quote
            row.message, row.suggestion, row.waived = f.message, f.suggestion, f.waived
            rows.append(row)
        contact.findings = rows  # the rest are deleted, with their disputes (delete-orphan)
        had = {k.key: k for k in contact.keys}
        contact.keys = [had.get(key) or ClientKey(key=key) for key in client_keys(conv)]
        s.flush()
        if any(row.overturned for row in rows):
            self._rescore(contact, rulebook)
        return contact

    def ingest(self, convs: Iterable[Conversation], engine: Engine) -> list[ContactReport]:
        with collector.batch():  # a file of contacts: see collector.py
            return [self.analyse_and_save(c, engine) for c in convs]

    def _query(self, scope: Scope, f: Filters) -> Select[Any]:
        q: Select[Any] = scope.apply(select(Contact))
        if f.operator:
            q = q.where(Contact.operator_id == f.operator)
        if f.team:
            q = q.where(Contact.team == f.team)
        if f.channel:
            q = q.where(Contact.channel == f.channel)
        if f.since:
            q = q.where(Contact.day >= f.since.isoformat())
        if f.until:
            q = q.where(Contact.day <= f.until.isoformat())
        if f.min_score is not None:
            q = q.where(Contact.score >= f.min_score)
        if f.max_score is not None:
            q = q.where(Contact.score <= f.max_score)
        if f.rule:
            q = q.where(Contact.id.in_(select(FindingRow.contact_id).where(
                FindingRow.rule == f.rule.upper(), FindingRow.overturned.is_(False), FindingRow.waived.is_(False))))
        return q

    def list_contacts(self, scope: Scope, f: Filters) -> tuple[int, list[Contact]]:
        with self.session() as s:
            q = self._query(scope, f)
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.options(selectinload(Contact.findings)).order_by(
                Contact.started_at.desc(), Contact.id.desc()).limit(f.limit).offset(f.offset)).all()
            return total, list(rows)

    def contact(self, scope: Scope, external_id: str) -> Contact:
        with self.session() as s:
            c = s.scalar(select(Contact).options(selectinload(Contact.findings).selectinload(FindingRow.disputes))
                         .where(Contact.external_id == external_id))
            if c is None or not scope.can_see(c):
                raise NotFound(external_id)  # the same answer whether it exists or not
            return c

    def aggregates(self, scope: Scope, by: str, f: Filters) -> list[dict[str, Any]]:
        column = {"operator": Contact.operator_id, "team": Contact.team, "day": Contact.day,
                  "channel": Contact.channel}.get(by)
        if column is None:
            raise ValueError(f"cannot group by {by!r} (operator | team | day | channel)")
        with self.session() as s:
            sub = self._query(scope, f).subquery()
            rows = s.execute(select(getattr(sub.c, column.key), func.count(), func.avg(sub.c.score))
                             .group_by(getattr(sub.c, column.key)).order_by(getattr(sub.c, column.key))).all()
            names: dict[str | None, str | None] = {}
            if by == "operator":
                names = {k: v for k, v in s.execute(select(Contact.operator_id, Contact.operator_name)).all()}
            finding_counts = s.execute(
                select(getattr(sub.c, column.key), FindingRow.rule, func.count())
                .join(FindingRow, FindingRow.contact_id == sub.c.id)
                .where(FindingRow.overturned.is_(False), FindingRow.waived.is_(False))
                .group_by(getattr(sub.c, column.key), FindingRow.rule)).all()
        top: dict[Any, Counter[str]] = defaultdict(Counter)
        for key, rule, n in finding_counts:
            top[key][rule] += n
        out = []
        for key, n, avg in rows:
            item: dict[str, Any] = {by: key, "contacts": n, "average_score": round(float(avg or 0), 1),
                                    "findings": sum(top[key].values()),
                                    "top_rules": [{"rule": r, "count": c} for r, c in top[key].most_common(5)]}
            if by == "operator":
                item["name"] = names.get(key)
            out.append(item)
        return out

    def reanalyse(self, engine: Engine, scope: Scope = ADMIN) -> int:
        """Re-check every stored contact with the current rulebook; returns how many."""
        with self.session() as s:
            self._remember_rulebook(s, engine.rulebook)
            ids = s.scalars(scope.apply(select(Contact.external_id))).all()
        with collector.batch():  # every stored contact: see collector.py
            for cid in ids:
                with self.session() as s:
                    row = s.scalar(select(Contact).where(Contact.external_id == cid))
                    assert row is not None
                    conv = parse_conversation(row.payload)
                    others = self._conversations(s, client_keys(conv), conv.id)
                report = self._check_with(conv, others, engine)
                with self.session() as s:
                    self._save(s, report, engine.rulebook)
        return len(ids)

    def _remember_rulebook(self, s: Session, rb: Rulebook) -> None:
        if s.scalar(select(RulebookVersion).where(RulebookVersion.version == rb.version)) is None:
            text = None
            if rb.path:
                try:
                    with open(rb.path, encoding="utf-8") as fh:
                        text = fh.read()
                except OSError:
                    text = None
            s.add(RulebookVersion(version=rb.version, text=text, created_at=_now()))

    def delete_all(self) -> None:
        with self.session() as s:
            s.execute(delete(Contact))

    # ---- people ---------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: str, operator_id: str | None = None,
                    team: str | None = None) -> User:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, password_hash=hash_password(password), role=role,
                            operator_id=operator_id, team=team)
                s.add(user)
            else:
                user.password_hash, user.role = hash_password(password), role
                user.operator_id, user.team = operator_id, team
            s.flush()
            return user

    def authenticate(self, username: str, password: str) -> User | None:
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not check_password(password, user.password_hash):
                return None
            return user

    def user(self, username: str) -> User | None:
        with self.session() as s:
            return s.scalar(select(User).where(User.username == username))

    def create_token(self, username: str, label: str = "") -> str:
        token = "vz_" + secrets.token_urlsafe(32)
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(username)
            s.add(ApiToken(token_hash=_token_hash(token), user_id=user.id, label=label, created_at=_now()))
        return token

    def user_for_token(self, token: str) -> User | None:
        with self.session() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
            return s.get(User, row.user_id) if row else None

    @staticmethod
    def scope_of(user: User) -> Scope:
        return Scope(user.role, user.username, user.operator_id, user.team)

    # ---- disputes and calibration ----------------------------------------------------------
    def open_dispute(self, scope: Scope, finding_id: int, comment: str) -> Dispute:
        with self.session() as s:
            f = s.get(FindingRow, finding_id)
            if f is None or not scope.can_see(f.contact):
                raise NotFound(str(finding_id))
            if scope.role == "operator" and f.contact.operator_id != scope.operator_id:
                raise AccessDenied("only the contact's operator disputes its findings")
            d = Dispute(finding_id=f.id, rule=f.rule, author=scope.username, comment=comment.strip(),
                        status="open", created_at=_now())
            s.add(d)
            s.flush()
            return d

    def decide_dispute(self, scope: Scope, dispute_id: int, upheld: bool, comment: str, rulebook: Rulebook) -> Dispute:
        if scope.role not in ("supervisor", "admin"):
            raise AccessDenied("only a supervisor decides disputes")
        with self.session() as s:
            d = s.get(Dispute, dispute_id)
            if d is None or not scope.can_see(d.finding.contact):
                raise NotFound(str(dispute_id))
            d.status = "upheld" if upheld else "rejected"
            d.decided_by, d.decision_comment, d.decided_at = scope.username, comment.strip(), _now()
            d.finding.overturned = upheld
            self._rescore(d.finding.contact, rulebook)
            s.flush()
            return d

    def disputes(self, scope: Scope, status: str | None = None) -> list[Dispute]:
        with self.session() as s:
            q = select(Dispute).join(FindingRow).join(Contact).options(
                selectinload(Dispute.finding).selectinload(FindingRow.contact))
            q = scope.apply(q)
            if status:
                q = q.where(Dispute.status == status)
            return list(s.scalars(q.order_by(Dispute.id.desc())).all())

    def dispute_rates(self) -> list[dict[str, Any]]:
        """Per rule: findings, disputes, overturned — a rule often overturned is a rule to fix."""
        with self.session() as s:
            findings = {k: v for k, v in s.execute(select(FindingRow.rule, func.count()).group_by(FindingRow.rule))}
            disputed = {k: v for k, v in s.execute(select(Dispute.rule, func.count()).group_by(Dispute.rule))}
            upheld = {k: v for k, v in s.execute(select(Dispute.rule, func.count()).where(Dispute.status == "upheld")
                                                 .group_by(Dispute.rule))}
        out = []
        for rule in sorted(set(findings) | set(disputed)):
            n = findings.get(rule, 0)
            out.append({"rule": rule, "findings": n, "disputed": disputed.get(rule, 0), "upheld": upheld.get(rule, 0),
                        "dispute_rate": round(disputed.get(rule, 0) / n, 3) if n else None,
                        "overturn_rate": round(upheld.get(rule, 0) / n, 3) if n else None})
        return out

    def upheld_examples(self) -> list[dict[str, Any]]:
        """Upheld disputes as good examples for the rules' tests (YAML-ready)."""
        out = []
        with self.session() as s:
            for d in s.scalars(select(Dispute).where(Dispute.status == "upheld")).all():
                f = d.finding
                msgs = f.contact.payload.get("messages", [])
                text = msgs[f.turn]["text"] if f.turn is not None and f.turn < len(msgs) else None
                out.append({"rule": f.rule, "example": {"text": text} if text else
                            {"conversation": f.contact.payload}, "comment": d.comment, "decision": d.decision_comment})
        return out

    def _rescore(self, contact: Contact, rulebook: Rulebook) -> None:
        specs = [rulebook.rules[c] for c in contact.applicable if c in rulebook.rules]
        kept = [Finding(rule=f.rule, message=f.message) for f in contact.findings if not f.overturned and not f.waived]
        contact.score = score_contact(rulebook, specs, kept).total

    def add_manual_score(self, scope: Scope, external_id: str, failed_rules: list[str],
                         rulebook: Rulebook) -> ManualScore:
        if scope.role not in ("supervisor", "admin"):
            raise AccessDenied("only a supervisor scores contacts by hand")
        with self.session() as s:
            c = s.scalar(select(Contact).where(Contact.external_id == external_id))
            if c is None or not scope.can_see(c):
                raise NotFound(external_id)
            codes = sorted({r.strip().upper() for r in failed_rules if r.strip()})
            unknown = [r for r in codes if r not in rulebook.rules]
            if unknown:
                raise ValueError(f"unknown rule codes: {', '.join(unknown)}")
            specs = [rulebook.rules[x] for x in c.applicable if x in rulebook.rules]
            score = score_contact(rulebook, specs, [Finding(rule=r, message="") for r in codes]).total
            m = ManualScore(contact_id=c.id, author=scope.username, failed_rules=codes, score=score, created_at=_now())
            s.add(m)
            s.flush()
            return m

    def calibration(self, scope: Scope) -> dict[str, Any]:
        """Agreement of people's checklists with the automatic one, per rule and overall."""
        with self.session() as s:
            q = scope.apply(select(ManualScore, Contact).join(Contact, ManualScore.contact_id == Contact.id))
            rows = s.execute(q.options(selectinload(Contact.findings))).all()
            per_rule: dict[str, Counter[str]] = defaultdict(Counter)
            pairs = []
            for manual, contact in rows:
                auto = {f.rule for f in contact.findings if not f.overturned and not f.waived}
                human = set(manual.failed_rules)
                for rule in set(contact.applicable):
                    a, h = rule in auto, rule in human
                    per_rule[rule]["both" if a and h else "auto_only" if a else "human_only" if h else "neither"] += 1
                pairs.append((manual.score, contact.score))
        rules = []
        for rule, c in sorted(per_rule.items()):
            n = sum(c.values())
            if c["both"] + c["auto_only"] + c["human_only"] == 0:
                continue
            rules.append({"rule": rule, "contacts": n, "agreement": round((c["both"] + c["neither"]) / n, 3),
                          "both": c["both"], "auto_only": c["auto_only"], "human_only": c["human_only"]})
        return {"scored_by_hand": len(pairs), "overall": agreement(pairs), "rules": rules}


def _applicable(report: ContactReport, rulebook: Rulebook) -> list[str]:
    silent = {code for code, _ in report.silent}
    return [spec.code for spec in rulebook.rules.values()
            if spec.applies(report.conv.channel, report.conv.direction) and spec.code not in silent]
