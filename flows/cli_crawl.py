"""`horizon crawl`, `horizon parse` and `horizon reparse`: one spider, recorded bodies, stored bodies."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from flows.common import (
    DEFAULT_CONFIG_DIR,
    HomeOpt,
    credentials_from_env,
    resolve_home,
)

ConfigOpt = Annotated[
    Path, typer.Option("--config-dir", help="Folder with sources.yaml and taxonomy.yaml.")
]


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def crawl(
    source: Annotated[str, typer.Argument(help="Spider name, e.g. papers_openalex.")],
    since: Annotated[
        str | None, typer.Option("--since", help="First date asked for (YYYY-MM-DD).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Endpoint override (a replay server).")
    ] = None,
    home: HomeOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: HOME/crawls/SOURCE-TIME).")
    ] = None,
    max_records: Annotated[
        int | None, typer.Option("--max-records", help="Cap for this crawl.")
    ] = None,
    config_dir: ConfigOpt = DEFAULT_CONFIG_DIR,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Print the requests it would send, and the sub-technologies "
            "their terms reach; send nothing.",
        ),
    ] = False,
) -> None:
    """Run one spider in its own process and print a one-line summary."""
    from crawlers.middlewares import is_loopback
    from crawlers.run import crawl_source
    from horizon.config import ConfigError, load_sources

    if plan:
        _print_plan(source, config_dir, _parse_date(since), base_url)
        return
    ws_home = resolve_home(home)
    try:
        sources = load_sources(config_dir / "sources.yaml")
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if source not in sources.sources:
        typer.echo(
            f"error: unknown source {source!r}; configured: {', '.join(sources.sources)}", err=True
        )
        raise typer.Exit(2)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = out or ws_home / "crawls" / f"{source}-{stamp}"
    creds = credentials_from_env(sources.sources[source].credentials_env, os.environ)
    missing = sources.sources[source].missing_credentials(source, creds)
    if missing and not (base_url and is_loopback(base_url)):
        typer.echo(f"error: {missing}", err=True)
        raise typer.Exit(2)
    summary = crawl_source(
        source, home=ws_home, out_dir=out_dir, base_url=base_url, since=_parse_date(since),
        max_records=max_records, config_dir=config_dir, credentials=creds,
    )  # fmt: skip
    state = "finished" if summary.get("finished") else "NOT finished"
    typer.echo(
        f"{source}: {summary.get('records', 0)} records, {summary.get('quarantined', 0)} quarantined, "
        f"{summary.get('responses', 0)} responses, {len(summary.get('errors', []))} errors, {state} → {out_dir}"
    )
    if not summary.get("finished"):
        raise typer.Exit(1)


def _print_plan(source: str, config_dir: Path, since: dt.date | None, base_url: str | None) -> None:
    """`horizon crawl SOURCE --plan`: one line per query, then its coverage of the taxonomy."""
    from crawlers.run import crawl_plan
    from horizon.config import ConfigError

    try:
        rows = crawl_plan(source, config_dir=config_dir, since=since, base_url=base_url)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for row in rows:
        body = f" {json.dumps(row['body'], ensure_ascii=False)}" if row["body"] else ""
        typer.echo(f"{row['method']} {row['url']}{body}")
    reached = {(r["domain"], s) for r in rows for s in r["subtechs"]}
    domains = {r["domain"] for r in rows if r["domain"]}
    typer.echo(
        f"{source}: {len(rows)} queries over {len(domains)} domains; their terms reach "
        f"{len(reached)} sub-technologies"
        + ("" if reached else " (this source queries by code or category, not by term)")
    )


def _feeds_of(url: str, feeds: Any) -> tuple[list[Any], bool]:
    """The feeds that may have fetched a stored body of `url` (stored redacted, maybe replayed),
    and whether they are identified by URL.

    A feed is identified by its whole URL, query included (credentials redacted on both sides); a
    replayed body was fetched from another origin, so there path and query identify it. Where none
    matches, every feed on the same path may have fetched it.
    """
    from crawlers.parsers.common import redact_url

    def key(u: str, origin: bool) -> tuple[str, ...]:
        p = urlsplit(redact_url(u))
        return (p.scheme, p.netloc, p.path, p.query) if origin else (p.path, p.query)

    for origin in (True, False):
        found = [f for f in feeds if key(f.url, origin) == key(url, origin)]
        if found:
            return found, True
    path = urlsplit(url).path
    return [f for f in feeds if path and urlsplit(f.url).path == path], False


def _context_for(source: str, url: str, body: bytes, config: Any, **extra: Any) -> Any:
    """A parse context for a stored body: the label of the feed that fetched it and its settings.

    Where that feed is not known for certain, the most restrictive label of those that may have
    fetched it, the source's own included: a re-parse never lowers a body's label.
    """
    from crawlers.parsers.base import ParseContext

    sharing, options = (config.sharing if config else None), {}
    if config is not None and config.feeds:
        feeds, identified = _feeds_of(url, config.feeds)
        labels = [f.sharing for f in feeds] + ([] if identified else [config.sharing])
        sharing = max(labels, key=lambda s: s.level)
        if feeds:
            feed = max(feeds, key=lambda f: f.sharing.level)
            options = {"country": feed.country, "organization": feed.name}
            if feed.encoding:
                options["encoding"] = feed.encoding
    kwargs = {k: v for k, v in extra.items() if v is not None}
    if sharing is not None:
        kwargs["sharing"] = sharing
    return ParseContext.for_body(source, body, url=url, options=options, **kwargs)


def _parse_bodies(
    source: str, bodies: Iterator[tuple[str, bytes, dict[str, Any]]], config: Any
) -> tuple[list[Any], list[Any], int]:
    """Parse (name, body, context fields) triples; (records deduplicated, rejects, bodies)."""
    from crawlers.parsers.base import ParseError, ParseResult
    from crawlers.parsers.registry import get_parser

    parser = get_parser(source)
    records: dict[str, Any] = {}
    rejects: list[Any] = []
    count = 0
    for name, body, fields in bodies:
        count += 1
        ctx = _context_for(source, fields.pop("url", name), body, config, **fields)
        try:
            result = parser(body, ctx)
        except ParseError as exc:
            result = ParseResult()
            result.reject(ctx, str(exc) or "unparseable body", item=name)
        except Exception as exc:  # a parser bug is a quarantined body, not a crash
            result = ParseResult()
            result.reject(ctx, f"parser failed: {exc.__class__.__name__}: {exc}"[:500], item=name)
        for record in result.records:
            records.setdefault(record.record_id, record)
        rejects.extend(result.rejects)
    return list(records.values()), rejects, count


def _write_records(records: list[Any], out: Path | None) -> None:
    lines = "".join(r.model_dump_json() + "\n" for r in records)
    if out is None:
        sys.stdout.write(lines)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, encoding="utf-8")


def _source_config(source: str, config_dir: Path) -> Any:
    from horizon.config import ConfigError, load_sources

    try:
        return load_sources(config_dir / "sources.yaml").sources.get(source)
    except ConfigError:
        return None


def parse(
    source: Annotated[str, typer.Argument(help="Source whose parser reads the files.")],
    files: Annotated[list[Path], typer.Argument(help="Recorded response bodies.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="JSON Lines file (default: stdout).")
    ] = None,
    config_dir: ConfigOpt = DEFAULT_CONFIG_DIR,
) -> None:
    """Parse recorded response bodies into records (JSON Lines); bad bodies are quarantined."""
    from crawlers.parsers.registry import get_parser

    try:
        get_parser(source)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    missing = [f for f in files if not f.is_file()]
    readable = [f for f in files if f.is_file()]
    bodies = ((str(f), f.read_bytes(), {"url": f.resolve().as_uri()}) for f in readable)
    records, rejects, count = _parse_bodies(source, bodies, _source_config(source, config_dir))
    _write_records(records, out)
    for f in missing:
        typer.echo(f"not a file: {f}", err=True)
    typer.echo(
        f"parsed {len(records)} records from {count} files, quarantined {len(rejects)}", err=True
    )
    if missing:
        raise typer.Exit(1)


def is_robots_url(url: str) -> bool:
    """Whether a stored response is a robots.txt answer (a crawl rule, not a source's record)."""
    return urlsplit(url or "").path == "/robots.txt"


def stored_responses(home: Path, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of every stored response of a source (crawl outputs in the workspace and the store),
    and what could not be read: a line that is not JSON, a store that refused the query. robots.txt
    answers earlier crawls stored are left out."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for path in sorted(home.glob(f"scans/*/crawl/{source}/responses.jsonl")) + sorted(
        home.glob(f"crawls/{source}*/responses.jsonl")
    ):
        bad = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    bad += 1
        if bad:
            problems.append(f"{bad} unreadable lines in {path}")
    warehouse = home / "warehouse.duckdb"
    if warehouse.exists():
        from horizon.store import Store

        try:
            frame = Store(warehouse, read_only=True).read(
                "raw_responses", where="source = ?", params=[source]
            )
            rows.extend(frame.to_dict("records"))
        except Exception as exc:  # reported: the re-parse is then not of every stored body
            why = str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__
            problems.append(f"the store {warehouse} could not be read: {why}")
    seen, unique = set(), []
    for row in rows:
        key = row.get("raw_sha256")
        status = row.get("status")
        if is_robots_url(str(row.get("url") or "")):
            continue
        if key and key not in seen and (status is None or 200 <= int(status) < 300):
            seen.add(key)
            unique.append(row)
    return unique, problems


def reparse(
    source: Annotated[str, typer.Option("--source", help="Source to re-parse.")],
    home: HomeOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="JSON Lines file (default: stdout).")
    ] = None,
    config_dir: ConfigOpt = DEFAULT_CONFIG_DIR,
) -> None:
    """Re-parse every stored raw body of a source with today's parser, without re-crawling."""
    from horizon.store import RawStore

    ws_home = resolve_home(home)
    raw = RawStore(ws_home / "raw")
    rows, problems = stored_responses(ws_home, source)
    lost: list[str] = []

    def bodies() -> Iterator[tuple[str, bytes, dict[str, Any]]]:
        for row in rows:
            sha = row["raw_sha256"]
            try:
                body = raw.get(sha)
            except OSError:
                lost.append(sha)
                continue
            fetched = row.get("fetched_at")
            yield (
                sha,
                body,
                {
                    "url": row.get("url") or "",
                    "content_type": row.get("content_type"),
                    "fetched_at": dt.datetime.fromisoformat(str(fetched)) if fetched else None,
                },
            )

    records, rejects, count = _parse_bodies(source, bodies(), _source_config(source, config_dir))
    _write_records(records, out)
    note = f", {len(lost)} bodies missing from {ws_home / 'raw'}" if lost else ""
    typer.echo(
        f"re-parsed {len(records)} records from {count} stored bodies of {source}, "
        f"quarantined {len(rejects)}{note}",
        err=True,
    )
    for problem in problems:  # not every stored body was re-parsed: say so, and fail
        typer.echo(f"error: {problem}", err=True)
    if lost or problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("crawl")(crawl)
    app.command("parse")(parse)
    app.command("reparse")(reparse)
