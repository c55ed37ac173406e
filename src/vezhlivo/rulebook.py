"""The rulebook: the default standard (package YAML) overridden by a company's own file."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import RulebookError
from .model import Channel, Direction, Operator, Severity

ALL_CHANNELS = frozenset(Channel)
ALL_DIRECTIONS = frozenset(Direction)


@dataclass(frozen=True, slots=True)
class RuleDoc:
    what: str
    why: str
    example: str
    instead: str


@dataclass(slots=True)
class RuleSpec:
    """Everything declared about one rule; ``params`` are the company-overridable data."""

    code: str
    name: str
    title: str
    section: str
    severity: Severity
    channels: frozenset[Channel]
    directions: frozenset[Direction]
    source: str
    doc: RuleDoc
    message: str
    suggestion: str | None
    params: dict[str, Any]
    examples_bad: list[dict[str, Any]]
    examples_good: list[dict[str, Any]]
    kind: str = "code"
    enabled: bool = True
    points: float | None = None
    needs_text: bool = True  # False: judged from times and metadata alone (a call without transcript)

    def applies(self, channel: Channel, direction: Direction) -> bool:
        return self.enabled and channel in self.channels and direction in self.directions


@dataclass(frozen=True, slots=True)
class Company:
    name: str | None = None
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, *self.aliases) if n)


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    weight: float


@dataclass(slots=True)
class Rulebook:
    version: str
    company: Company
    operators: tuple[Operator, ...]
    sections: dict[str, Section]
    critical: frozenset[str]
    rules: dict[str, RuleSpec]
    severity_points: dict[str, float]
    settings: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    # Data the checks derive from parameters (normalised word sets…), computed once per rulebook.
    derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, code: str) -> RuleSpec:
        return self.rules[code]

    def points(self, spec: RuleSpec) -> float:
        if spec.points is not None:
            return spec.points
        # a Severity is a StrEnum: it finds its value's key itself, without ``.value`` (a Python-level
        # descriptor on 3.11, read for every applicable rule of every contact)
        return self.severity_points.get(spec.severity, 1.0)

    def select(self, select: Iterable[str] | None, ignore: Iterable[str] | None) -> Rulebook:
        """A copy with rules switched by code or prefix.

        A full code names that rule alone (``F1`` is F1, not F10); anything else is a prefix
        (``F`` is every F rule); a trailing ``*`` forces a prefix (``F1*`` is F1 and F10–F19).
        """
        sel = [s.strip().upper() for s in (select or []) if s.strip()]
        ign = [s.strip().upper() for s in (ignore or []) if s.strip()]
        known_prefixes = {c[:i] for c in self.rules for i in range(1, len(c) + 1)}
        for code in [*sel, *ign]:
            if code.rstrip("*") not in known_prefixes:
                raise RulebookError(f"unknown rule code or prefix: {code}")

        def hit(code: str, pattern: str) -> bool:
            if pattern.endswith("*"):
                return code.startswith(pattern[:-1])
            if pattern in self.rules:
                return code == pattern
            return code.startswith(pattern)

        out = copy.copy(self)
        out.rules = {}
        out.derived = {}
        for code, spec in self.rules.items():
            new = copy.copy(spec)
            if sel and not any(hit(code, s) for s in sel):
                new.enabled = False
            if any(hit(code, i) for i in ign):
                new.enabled = False
            out.rules[code] = new
        return out


def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _standard_files() -> list[tuple[str, str]]:
    folder = resources.files("vezhlivo") / "standard"
    return sorted((p.name, p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.endswith(".yaml"))


def _parse_channels(value: Any, where: str) -> frozenset[Channel]:
    if value in (None, "all"):
        return ALL_CHANNELS
    try:
        return frozenset(Channel(v) for v in value)
    except (ValueError, TypeError):
        raise RulebookError(f"{where}: channels must be a list of chat|email|review|phone, got {value!r}") from None


def _parse_directions(value: Any, where: str) -> frozenset[Direction]:
    if value in (None, "all"):
        return ALL_DIRECTIONS
    try:
        return frozenset(Direction(v) for v in value)
    except (ValueError, TypeError):
        raise RulebookError(f"{where}: directions must be a list of incoming|outgoing, got {value!r}") from None


def _spec(raw: Mapping[str, Any], where: str) -> RuleSpec:
    try:
        doc = raw["doc"]
        return RuleSpec(
            code=str(raw["code"]),
            name=str(raw["name"]),
            title=str(raw.get("title") or raw["name"]),
            section=str(raw["section"]),
            severity=Severity(raw.get("severity", "warning")),
            channels=_parse_channels(raw.get("channels"), where),
            directions=_parse_directions(raw.get("directions"), where),
            source=str(raw.get("source", "")),
            doc=RuleDoc(str(doc["what"]).strip(), str(doc["why"]).strip(), str(doc["example"]).strip(),
                        str(doc["instead"]).strip()),
            message=str(raw["message"]).strip(),
            suggestion=(str(raw["suggestion"]).strip() if raw.get("suggestion") else None),
            params=dict(raw.get("params") or {}),
            examples_bad=list((raw.get("examples") or {}).get("bad") or []),
            examples_good=list((raw.get("examples") or {}).get("good") or []),
            kind=str(raw.get("kind", "code")),
            enabled=bool(raw.get("enabled", True)),
            points=raw.get("points"),
            needs_text=bool(raw.get("needs_text", True)),
        )
    except KeyError as exc:
        raise RulebookError(f"{where}: rule {raw.get('code', '?')} lacks the field {exc.args[0]!r}") from None
    except ValueError as exc:
        raise RulebookError(f"{where}: rule {raw.get('code', '?')}: {exc}") from None


_DEFAULTS_FILE = "rulebook.yaml"


def _load_yaml(text: str, where: str) -> Any:
    try:
        # the C loader when libyaml is there: the standard is read at every start
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise RulebookError(f"{where}: not valid YAML: {exc}") from None


def default_settings() -> dict[str, Any]:
    return _default_settings(_standard_files())


def _default_settings(files: list[tuple[str, str]]) -> dict[str, Any]:
    for name, text in files:
        if name == _DEFAULTS_FILE:
            data = _load_yaml(text, f"standard/{name}")
            return dict(data or {})
    raise RulebookError("the package lacks standard/rulebook.yaml")


def load_rulebook(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Rulebook:
    """The default standard, then the company file at ``path``, then ``overrides``."""
    files = _standard_files()  # read once: the settings and the rules are in the same folder
    settings = _default_settings(files)
    rules: dict[str, RuleSpec] = {}
    for name, text in files:
        if name == _DEFAULTS_FILE:
            continue
        data = _load_yaml(text, f"standard/{name}") or {}
        for raw in data.get("rules", []):
            spec = _spec(raw, f"standard/{name}")
            if spec.code in rules:
                raise RulebookError(f"standard/{name}: rule {spec.code} is declared twice")
            rules[spec.code] = spec
    company_raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise RulebookError(f"{p}: cannot read the rulebook: {exc.strerror}") from None
        company_raw = _load_yaml(text, str(p)) or {}
        if not isinstance(company_raw, Mapping):
            raise RulebookError(f"{p}: the rulebook must be a mapping of settings")
    if overrides:
        company_raw = deep_merge(company_raw, overrides)
    merged = deep_merge(settings, {k: v for k, v in company_raw.items() if k not in ("rules", "extra_phrases")})
    where = str(path) if path else "rulebook"
    _apply_rule_overrides(rules, company_raw.get("rules") or {}, where)
    _add_extra_phrases(rules, company_raw.get("extra_phrases") or [], where)
    thresholds = merged.get("thresholds") or {}
    for spec in rules.values():  # a flat threshold overrides the parameter of that name in every rule
        for key, value in thresholds.items():
            if key in spec.params:
                spec.params[key] = value
    comp = merged.get("company") or {}
    if isinstance(comp, str):
        comp = {"name": comp}
    operators = tuple(
        Operator(id=str(o.get("id")) if o.get("id") else None, name=o.get("name"), team=o.get("team"))
        for o in merged.get("operators") or [] if isinstance(o, Mapping)
    )
    sections = {
        key: Section(key, str(val.get("title", key)), float(val.get("weight", 1)))
        for key, val in (merged.get("sections") or {}).items()
    }
    for spec in rules.values():
        if spec.section not in sections:
            raise RulebookError(f"{where}: rule {spec.code} names the unknown section {spec.section!r}")
    return Rulebook(
        version=str(merged.get("version", "default")),
        company=Company(
            name=comp.get("name"),
            aliases=tuple(comp.get("aliases") or ()),
            domains=tuple(comp.get("domains") or ()),
            vocabulary=tuple(comp.get("vocabulary") or ()),
        ),
        operators=operators,
        sections=sections,
        critical=frozenset(merged.get("critical") or ()),
        rules=dict(sorted(rules.items(), key=lambda kv: _code_key(kv[0]))),
        severity_points={str(k): float(v) for k, v in (merged.get("severity_points") or {}).items()},
        settings=merged,
        path=str(path) if path else None,
    )


def _apply_rule_overrides(rules: dict[str, RuleSpec], over: Mapping[str, Any], where: str) -> None:
    for code, cfg in over.items():
        if code not in rules:
            raise RulebookError(f"{where}: rules.{code}: no such rule")
        spec = rules[code]
        if not isinstance(cfg, Mapping):
            raise RulebookError(f"{where}: rules.{code}: expected a mapping")
        for key, value in cfg.items():
            if key == "params":
                spec.params = deep_merge(spec.params, value or {})
            elif key == "enabled":
                spec.enabled = bool(value)
            elif key == "severity":
                spec.severity = Severity(value)
            elif key == "channels":
                spec.channels = _parse_channels(value, f"{where}: rules.{code}")
            elif key == "directions":
                spec.directions = _parse_directions(value, f"{where}: rules.{code}")
            elif key in ("points", "section", "message", "suggestion"):
                setattr(spec, key, value)
            else:
                raise RulebookError(f"{where}: rules.{code}.{key}: unknown setting")


def _add_extra_phrases(rules: dict[str, RuleSpec], extra: list[Any], where: str) -> None:
    """Company phrases: each becomes a rule of kind 'phrases' with code K1, K2… unless named."""
    for i, item in enumerate(extra, start=1):
        if not isinstance(item, Mapping) or not item.get("patterns"):
            raise RulebookError(f"{where}: extra_phrases[{i - 1}] needs 'patterns'")
        code = str(item.get("code") or f"K{i}")
        title = str(item.get("title") or item["patterns"][0])
        rules[code] = RuleSpec(
            code=code, name=str(item.get("name") or f"company-phrase-{i}"), title=title,
            section=str(item.get("section", "phrases")), severity=Severity(item.get("severity", "warning")),
            channels=_parse_channels(item.get("channels"), f"{where}: extra_phrases"),
            directions=ALL_DIRECTIONS, source="company rulebook",
            doc=RuleDoc(f"The company forbids «{title}».", "The company's own standard.",
                        str(item["patterns"][0]), str(item.get("suggestion") or "")),
            message=str(item.get("message") or f"The company's standard forbids «{title}»."),
            suggestion=item.get("suggestion"),
            params={"patterns": list(item["patterns"]), "unless": list(item.get("unless") or [])},
            examples_bad=[], examples_good=[], kind="phrases",
        )


def _code_key(code: str) -> tuple[str, int]:
    head = code.rstrip("0123456789")
    tail = code[len(head):]
    return head, int(tail) if tail else 0
