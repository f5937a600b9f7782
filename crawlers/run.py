"""Run one spider in its own process (Twisted's reactor cannot restart) and read its summary.

    python -m crawlers.run SOURCE --home DIR --out DIR [--base-url URL] [--since YYYY-MM-DD]
        [--until YYYY-MM-DD] [--max-records N] [--config-dir DIR] [--jobdir DIR]
        [--credentials-stdin] [--no-term-filter] [--demo] [--live] [--allow-origin URL]

Writes records.jsonl, quarantine.jsonl, responses.jsonl and summary.json into --out. A crawl whose
out folder holds an unfinished checkpoint resumes from it. Credentials arrive as a JSON object on
stdin (never in argv or the environment of the child) and never reach its outputs or logs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from horizon.processes import die_with_parent
from horizon.write_errors import EXIT_WRITE_ERROR, WriteError, as_write_error, find_write_error

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = REPO / "data" / "config"
#: How far back a source with neither --since, a watermark nor default_since looks.
DEFAULT_LOOKBACK_DAYS = 365
#: Environment variables that would steer Scrapy or Prefect in the child; dropped.
_DROP_ENV = ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "SCRAPY_PYTHON_SHELL", "PREFECT_API_URL")


def spider_class(source: str) -> type:
    """The spider of a source (`crawlers.spiders.<source>`, class with that `name`)."""
    from crawlers.spiders.base import SourceSpider

    module = importlib.import_module(f"crawlers.spiders.{source}")
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, SourceSpider) and value.name == source:
            return value
    raise ValueError(f"crawlers.spiders.{source} defines no spider named {source!r}")


def crawl_plan(
    source: str,
    *,
    config_dir: Path = DEFAULT_CONFIG_DIR,
    since: dt.date | None = None,
    until: dt.date | None = None,
    base_url: str | None = None,
) -> list[dict[str, Any]]:
    """The first request of every query the source's spider would send (no network, nothing
    written): chain key, domain, method, URL (credentials are added at download time and are not
    in it), body, and, for a source that queries by term, the domain's sub-technologies the
    query's terms reach."""
    import tempfile

    from crawlers.pipelines import CrawlOutput
    from crawlers.spiders.terms import reached_subtechs
    from horizon.config import load_sources
    from horizon.config.taxonomy import load_taxonomy

    sources = load_sources(Path(config_dir) / "sources.yaml")
    if source not in sources.sources:
        raise ValueError(f"unknown source {source!r}; configured: {', '.join(sources.sources)}")
    config = sources.sources[source]
    taxonomy = load_taxonomy(taxonomy_path(config_dir), require_japan_20=False)
    until = until or dt.date.today()
    since = since or config.default_since or until - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)
    domains = {d.slug: d for d in taxonomy.domains}
    with tempfile.TemporaryDirectory() as tmp:
        spider = spider_class(source)(
            config=config, taxonomy=taxonomy, output=CrawlOutput(Path(tmp), source, resume=False),
            since=since, until=until, base_url=base_url,
        )  # fmt: skip
        chains = spider.plan()
        by_term = spider.queries_by_term
        spider.output.close()
    rows = []
    for chain in chains:
        text = unquote_plus(chain.url) + " " + json.dumps(chain.body or {}, ensure_ascii=False)
        domain = domains.get(chain.domain or "") if by_term else None
        reached = sorted(reached_subtechs(domain, _quoted_terms(text, domain))) if domain else []
        rows.append({"key": chain.key, "domain": chain.domain, "method": chain.method,
                     "url": chain.url, "body": chain.body, "subtechs": reached})  # fmt: skip
    return rows


def _quoted_terms(text: str, domain: Any) -> list[str]:
    """The domain's terms that appear in a request's text (a term must appear whole)."""
    found = []
    for sub in domain.subtechs:
        for term in (*sub.terms.en, *sub.terms.ja, *sub.terms.abbr):
            if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, flags=re.IGNORECASE
                         if term not in sub.terms.abbr else 0):  # fmt: skip
                found.append(term)
    return found


def taxonomy_path(config_dir: Path) -> Path:
    """The taxonomy beside sources.yaml, else the committed one (the demo folder has none)."""
    path = Path(config_dir) / "taxonomy.yaml"
    return path if path.exists() else DEFAULT_CONFIG_DIR / "taxonomy.yaml"


def should_resume(out_dir: Path, jobdir: Path | None = None) -> bool:
    """An earlier crawl into this folder stopped before finishing, and left files whole enough to
    continue from: a readable checkpoint, no torn line inside a file, and a Scrapy job folder
    without empty or unreadable state (else the source is fetched again from the start)."""
    from crawlers.pipelines import valid_output

    checkpoint, summary = out_dir / "checkpoint.json", out_dir / "summary.json"
    if not checkpoint.exists():
        return False
    try:
        if json.loads(summary.read_text(encoding="utf-8")).get("finished", False):
            return False
    except (OSError, ValueError):
        pass
    return valid_output(out_dir) is None and jobdir_whole(jobdir or out_dir / "jobdir")


def jobdir_whole(jobdir: Path) -> bool:
    """Scrapy's job state looks whole: spider.state is a complete pickle (ends with its STOP
    opcode; never unpickled here), every JSON file parses."""
    if not jobdir.exists():
        return True
    try:
        state = jobdir / "spider.state"
        if state.exists() and not state.read_bytes().endswith(b"."):
            return False
        for path in jobdir.rglob("*.json"):
            json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def run(args: argparse.Namespace, credentials: Mapping[str, str]) -> int:
    """Configure and run the crawl in this process; 0 when it finished."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawlers.middlewares import SecretFilter, is_loopback
    from crawlers.pipelines import CrawlOutput
    from crawlers.settings import crawl_settings
    from horizon.config import load_sources
    from horizon.config.sources import CONTACT_ENV
    from horizon.config.taxonomy import load_taxonomy

    config_dir = Path(args.config_dir)
    # the process's edge: the operator's contact may come from the environment
    sources = load_sources(config_dir / "sources.yaml").with_contact(os.environ.get(CONTACT_ENV))
    if args.source not in sources.sources:
        raise ValueError(f"source {args.source!r} is not in {config_dir / 'sources.yaml'}")
    config = sources.sources[args.source]
    taxonomy = load_taxonomy(taxonomy_path(config_dir), require_japan_20=False)
    base_url = args.base_url or config.base_url
    replay = bool(args.base_url) and is_loopback(args.base_url) and not args.live
    missing = None if replay or args.demo else config.missing_credentials(args.source, credentials)
    if not (replay or args.demo):  # a live request carries the contact to every server
        missing = missing or sources.contact_refusal()
    # a live source that cannot be asked: the crawl fails with the reason and sends nothing
    if missing:
        _failed_summary(Path(args.out), args.source, missing)
        return 1
    out_dir = Path(args.out)
    jobdir = Path(args.jobdir) if args.jobdir else out_dir / "jobdir"
    resume = should_resume(out_dir, jobdir)
    if not resume and jobdir.exists():
        shutil.rmtree(jobdir)
    output = CrawlOutput(out_dir, args.source, resume=resume)
    until = dt.date.fromisoformat(args.until) if args.until else dt.date.today()
    since = (
        dt.date.fromisoformat(args.since)
        if args.since
        else config.default_since or until - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)
    )
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.setdict(
        crawl_settings(
            sources,
            config,
            raw_dir=Path(args.home) / "raw",
            jobdir=jobdir,
            loopback=replay,
            log_file=out_dir / "crawl.log",
            allowed_origins=(*([args.base_url] if args.base_url else []), *args.allow_origin),
        ),
        priority="cmdline",
    )
    secrets = SecretFilter(credentials.values())
    process = CrawlerProcess(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secrets)
    crawler = process.create_crawler(spider_class(args.source))
    # a write the disk refuses anywhere (raw bodies, Scrapy's job state, our files) stops the crawl
    logging.getLogger().addHandler(WriteErrorWatch(output, crawler))
    process.crawl(
        crawler,
        config=config,
        taxonomy=taxonomy,
        output=output,
        since=since,
        until=until,
        max_records=args.max_records,
        base_url=base_url,
        credentials=dict(credentials),
        replay=replay,
        term_filter=not args.no_term_filter,
        secret_filter=secrets,
    )
    process.start()
    if output.write_error is not None:
        print(f"crawl failed: {output.write_error}", file=sys.stderr)
        return EXIT_WRITE_ERROR
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    return 0 if summary.get("finished") else 1


class WriteErrorWatch(logging.Handler):
    """Sees every logged exception of the crawl; a refused write stops it (see CrawlOutput)."""

    def __init__(self, output: Any, crawler: Any) -> None:
        super().__init__(level=logging.WARNING)
        self.output, self.crawler = output, crawler

    def emit(self, record: logging.LogRecord) -> None:
        """Stop the crawl when the record carries a write the disk refused."""
        from crawlers.pipelines import stop_crawl

        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or find_write_error(exc) is None:
            return
        self.output.refuse_writes(exc)
        stop_crawl(self.crawler, "write_error")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments of the runner."""
    parser = argparse.ArgumentParser(
        prog="python -m crawlers.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("source")
    parser.add_argument("--home", required=True, help="workspace (raw bodies go to HOME/raw)")
    parser.add_argument("--out", required=True, help="folder for this crawl's output files")
    parser.add_argument(
        "--base-url", default=None, help="replace the source's endpoint (replay server)"
    )
    parser.add_argument("--since", default=None, help="first date asked for (YYYY-MM-DD)")
    parser.add_argument("--until", default=None, help="last date asked for (default today)")
    parser.add_argument("--max-records", type=int, default=None)
    parser.add_argument("--config-dir", default=str(DEFAULT_CONFIG_DIR))
    parser.add_argument("--jobdir", default=None, help="Scrapy JOBDIR (default OUT/jobdir)")
    parser.add_argument(
        "--credentials-stdin",
        action="store_true",
        help="read a JSON object of credentials from stdin",
    )
    parser.add_argument(
        "--no-term-filter", action="store_true", help="keep feed items that name no taxonomy term"
    )
    parser.add_argument(
        "--demo", action="store_true", help="the crawl reads the built-in demo corpus"
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="live settings (politeness, public hosts only) even for a loopback --base-url",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="an origin the live crawl may reach though it is not public (a mirror); repeatable",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m crawlers.run`."""
    args = parse_args(argv)
    credentials: dict[str, str] = {}
    if args.credentials_stdin:
        data = json.loads(sys.stdin.read() or "{}")
        credentials = {str(k): str(v) for k, v in data.items() if v}
    try:
        return run(args, credentials)
    except Exception as exc:  # one line on stderr, the summary says the rest
        error = as_write_error(exc)
        if error is not None:
            (Path(args.out) / "checkpoint.json").unlink(missing_ok=True)
            print(f"crawl failed: {error}", file=sys.stderr)
            return EXIT_WRITE_ERROR
        message = f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        for secret in credentials.values():
            message = message.replace(secret, "***")
        print(f"crawl failed: {message}", file=sys.stderr)
        _failed_summary(Path(args.out), args.source, message)
        return 2


def _failed_summary(out_dir: Path, source: str, message: str) -> dict[str, Any]:
    from crawlers.pipelines import SUMMARY, write_json_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SUMMARY
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {"source": source, "responses": 0, "records": 0, "quarantined": 0, "errors": []}
    summary["errors"] = [*summary.get("errors", []), message][-200:]
    summary["finished"] = False
    write_json_atomic(path, summary)
    return summary


def credential_variables(config_dir: Path) -> set[str]:
    """Every environment variable a source of this config reads a credential from."""
    from horizon.config import load_sources

    try:
        sources = load_sources(Path(config_dir) / "sources.yaml")
    except Exception:  # the child reports a bad config; here it only names nothing
        return set()
    return {var for source in sources.sources.values() for var in source.credentials_env.values()}


def child_env(
    environ: Mapping[str, str], *, drop: Iterable[str] = (), secrets: Iterable[str] = ()
) -> dict[str, str]:
    """The environment of the crawl process: the parent's, minus what steers Scrapy or Prefect
    and minus every credential, by variable name (`drop`) or value (`secrets`): the child gets
    its credentials on stdin only."""
    names, values = {*_DROP_ENV, *drop}, {v for v in secrets if v}
    env = {k: v for k, v in environ.items() if k not in names and v not in values}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def crawl_source(
    source: str,
    *,
    home: Path,
    out_dir: Path,
    base_url: str | None = None,
    since: dt.date | None = None,
    max_records: int | None = None,
    config_dir: Path = DEFAULT_CONFIG_DIR,
    timeout: float = 1800,
    until: dt.date | None = None,
    credentials: Mapping[str, str] | None = None,
    term_filter: bool = True,
    demo: bool = False,
    live: bool = False,
    allow_origins: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Crawl one source in a child process; return its summary (also in OUT/summary.json).

    `live` keeps the live settings for a loopback `base_url`; `allow_origins` are origins the
    live crawl may reach though they are not public."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "crawlers.run", source, "--home", str(home), "--out", str(out_dir),
           "--config-dir", str(config_dir), "--credentials-stdin"]  # fmt: skip
    for flag, value in (("--base-url", base_url), ("--since", since), ("--until", until),
                        ("--max-records", max_records)):  # fmt: skip
        if value is not None:
            cmd += [flag, str(value)]
    if not term_filter:
        cmd.append("--no-term-filter")
    if demo:
        cmd.append("--demo")
    if live:
        cmd.append("--live")
    for url in allow_origins:
        cmd += ["--allow-origin", url]
    secret = json.dumps(dict(credentials or {}))
    # its own session (a Ctrl-C meant for the parent does not tear a page half-written), but it
    # dies with the thread that started it, even when the parent is killed with kill -9
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=child_env(os.environ, drop=credential_variables(config_dir),
                      secrets=(credentials or {}).values()),
        cwd=str(out_dir), start_new_session=True, text=True,
        preexec_fn=partial(die_with_parent, signal.SIGKILL),
    )  # fmt: skip
    _RUNNING.add(proc)
    try:
        _, stderr = proc.communicate(secret, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return _failed_summary(out_dir, source, f"crawl timed out after {timeout:.0f} s")
    except BaseException:  # Ctrl-C or the task cancelled: the crawl stops with its parent
        _stop(proc, grace=5)
        raise
    finally:
        _RUNNING.discard(proc)
    if proc.returncode == EXIT_WRITE_ERROR:
        lines = [ln for ln in (stderr or "").splitlines() if ln.startswith("crawl failed: ")]
        why = lines[-1].removeprefix("crawl failed: ") if lines else "write failed"
        raise WriteError(f"{source}: {why}")
    try:
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = (stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        return _failed_summary(out_dir, source, f"crawl process failed: {tail[0][:300]}")
    if proc.returncode not in (0, 1) and summary.get("finished"):
        summary = _failed_summary(out_dir, source, f"crawl process exit status {proc.returncode}")
    return summary


#: Crawl processes this process runs now (crawl_source), for stop_crawls.
_RUNNING: set[subprocess.Popen[str]] = set()


def stop_crawls() -> int:
    """Kill every crawl this process runs now (a scan stopped by a full disk); how many."""
    procs = list(_RUNNING)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return len(procs)


def _stop(proc: subprocess.Popen[str], grace: float = 30) -> None:
    """Stop a crawl's process group: SIGTERM (Scrapy closes cleanly), SIGKILL after `grace` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


if __name__ == "__main__":
    sys.exit(main())
