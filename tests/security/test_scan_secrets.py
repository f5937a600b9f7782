"""Planted secrets through a whole demo scan: no file, table, log or output may hold one.

One demo scan (shared with test_scan_scope.py through `planted_scan`) runs with a unique random
value in every environment variable named by `credentials_env` in data/config/sources.yaml and
data/demo/sources.yaml; the demo corpus is copied so its OpenAlex and EPO OPS sources ask for
those credentials (EPO gets an OAuth token route whose token is one more secret) and one partner
feed URL carries a token that fails with 404; the European Commission feed is relabelled RED
(beside the AMBER partner feed) for the sharing-scope tests. Then every file under the workspace, the Prefect
home and test database, and everything printed is searched for each secret in every encoding a
request would carry it (plain, URL-quoted, base64 Basic auth).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import json
import logging
import os
import secrets
import shutil
import sqlite3
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from horizon.config import load_sources
from tests.security.hosts import Answer, Host, Seen, json_answer

REPO = Path(__file__).resolve().parents[2]
CONFIG_SOURCES = REPO / "data" / "config" / "sources.yaml"
DEMO = REPO / "data" / "demo"
#: A partner feed whose URL carries a token; not in the demo manifest, so it fails with 404.
PRIVATE_FEED = "/feeds/private_watch.xml"

#: A demo scan (~2-3 min on 2 cores): outside the quick `-m "not slow"` profile, run in CI.
pytestmark = pytest.mark.slow


@dataclass
class PlantedScan:
    """A finished demo scan run with planted secrets, and where everything it wrote lives."""

    home: Path
    result: dict[str, Any]
    secrets: dict[str, str]
    printed: bytes
    extra_roots: list[Path] = field(default_factory=list)
    demo_dir: Path | None = None


def credential_vars() -> list[str]:
    """Every environment variable a sources file names for credentials (config and demo)."""
    names: set[str] = set()
    for path in (CONFIG_SOURCES, DEMO / "sources.yaml"):
        for source in load_sources(path).sources.values():
            names |= set(source.credentials_env.values())
    return sorted(names)


def plant_values(names: list[str]) -> dict[str, str]:
    """A unique random value per variable (a mailto looks like an address, as in real use)."""
    out = {}
    for name in names:
        tag = secrets.token_hex(10)
        out[name] = f"planted.{tag}@example.org" if "MAILTO" in name else f"SECRETKEY-{name}-{tag}"
    return out


def needles(planted: dict[str, str]) -> dict[str, bytes]:
    """Each secret in every form a request carries it: plain, URL-quoted, base64 of key:secret."""
    out: dict[str, bytes] = {}
    for name, value in planted.items():
        for form in {value, quote(value, safe=""), quote_plus(value)}:
            out[f"{name} ({form})"] = form.encode()
    if "EPO_OPS_KEY" in planted and "EPO_OPS_SECRET" in planted:
        pair = f"{planted['EPO_OPS_KEY']}:{planted['EPO_OPS_SECRET']}".encode()
        out["EPO Basic auth"] = base64.b64encode(pair)
    return out


#: A technology phrase no other document holds, planted in the newest items of the AMBER and the
#: RED feed: what the scan finds in them is found only in restricted documents.
PLANTED_PHRASES = {
    "partner_watch.xml": "magnonic waveguide couplers",
    "ec_presscorner.xml": "cryogenic spin lattice emulators",
}
PLANTED_ITEMS = 8


def plant_phrase(feed: Path, phrase: str) -> None:
    """Append a sentence with `phrase` to the descriptions of the feed's newest items."""
    text = feed.read_text(encoding="utf-8")
    parts = text.split("</description>")
    for i in range(max(0, len(parts) - 1 - PLANTED_ITEMS), len(parts) - 1):
        parts[i] += f" The programme builds {phrase} for the next generation of {phrase}."
    feed.write_text("</description>".join(parts), encoding="utf-8")


def demo_copy(target: Path, planted: dict[str, str], token: str, feed_token: str) -> Path:
    """The demo corpus copied, its sources asking for the configured credentials."""
    shutil.copytree(DEMO, target)
    live = yaml.safe_load(CONFIG_SOURCES.read_text(encoding="utf-8"))["sources"]
    path = target / "sources.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, source in config["sources"].items():
        if live.get(name, {}).get("credentials_env"):
            source["credentials_env"] = dict(live[name]["credentials_env"])
    for feed in config["sources"]["policy_feed"]["feeds"]:  # RED beside the AMBER partner feed
        if feed["url"].endswith("/ec_presscorner.xml"):
            feed["sharing"] = "RED"
    config["sources"]["policy_feed"]["feeds"].append(
        {
            "name": "[DEMO] Partner private feed (token in URL)",
            "url": f"https://demo.invalid{PRIVATE_FEED}?token={feed_token}",
            "country": "GB",
            "sharing": "AMBER",
            "language": "en",
        }
    )
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for feed, phrase in PLANTED_PHRASES.items():  # a new phrase only restricted documents hold
        plant_phrase(target / "feeds" / feed, phrase)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["routes"].insert(
        0,
        {
            "path": "/epo/3.2/auth/accesstoken",
            "method": "POST",
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "text": json.dumps({"access_token": token, "expires_in": "1199"}),
        },
    )
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


@contextlib.contextmanager
def everything_printed(sink: Path) -> Iterator[None]:
    """Send fds 1/2, sys.stdout/err, root and Prefect log records and scan progress to `sink`."""
    from flows import weekly_scan as ws_mod

    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with sink.open("w+", encoding="utf-8") as fh:
        handler = logging.StreamHandler(fh)
        handler.setLevel(logging.DEBUG)
        loggers = [logging.getLogger(), logging.getLogger("prefect")]
        for logger in loggers:
            logger.addHandler(handler)
        old_progress = ws_mod.progress
        ws_mod.progress = lambda stage, message: print(f"[{stage}] {message}", file=fh, flush=True)
        try:
            for fd in (1, 2):
                os.dup2(fh.fileno(), fd)
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield
        finally:
            fh.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            ws_mod.progress = old_progress
            for logger in loggers:
                logger.removeHandler(handler)


_LOCK = threading.Lock()


def run_planted_scan(request: pytest.FixtureRequest) -> PlantedScan:
    """The demo scan with planted secrets, run once per session whichever module asks first.

    Kept on the pytest config: under --import-mode=importlib a module imported by another test
    module is a second copy, so a module-level cache would run the scan twice.
    """
    shared = request.config.__dict__.setdefault("horizon_planted_scan", {})
    with _LOCK:
        if "scan" not in shared:
            factory = request.getfixturevalue("tmp_path_factory")
            shared["scan"] = _run(factory.mktemp("planted"))
        return shared["scan"]


def _run(root: Path) -> PlantedScan:
    import prefect.settings

    from flows.weekly_scan import weekly_scan

    planted = plant_values(credential_vars())
    token = f"SECRETTOKEN-{secrets.token_hex(12)}"
    feed_token = f"SECRETFEED-{secrets.token_hex(12)}"
    demo_dir = demo_copy(root / "demo", planted, token, feed_token)
    home = root / "home"
    sink = root / "printed.txt"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in planted.items():
            mp.setenv(name, value)
        with everything_printed(sink):
            result = weekly_scan(home=str(home), demo=True, demo_dir=str(demo_dir))
    db_url = str(prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value() or "")
    extra = [Path(os.environ["PREFECT_HOME"])] if os.environ.get("PREFECT_HOME") else []
    if db_url.startswith("sqlite"):
        extra.append(Path(db_url.split(":///", 1)[1]).parent)
    return PlantedScan(
        home=home,
        result=result,
        secrets={**planted, "EPO_OAUTH_TOKEN": token, "FEED_URL_TOKEN": feed_token},
        printed=sink.read_bytes(),
        extra_roots=extra,
        demo_dir=demo_dir,
    )


@pytest.fixture(scope="session")
def planted_scan(request, prefect_harness) -> PlantedScan:
    """The one demo scan with planted secrets (shared by the security modules)."""
    return run_planted_scan(request)


# -- reading every output as bytes ----------------------------------------------------------
def duckdb_text(path: Path) -> bytes:
    """Every table of a DuckDB file as CSV text (its pages may be compressed on disk)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
        ).fetchall()
        out = io.StringIO()
        for schema, table in tables:
            frame = con.execute(f'SELECT * FROM "{schema}"."{table}"').df()
            out.write(f"## {table}\n")
            frame.to_csv(out, index=False)
    finally:
        con.close()
    return out.getvalue().encode()


def sqlite_text(path: Path) -> bytes:
    """A SQLite database dumped as SQL text."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(con.iterdump()).encode("utf-8", "replace")
    finally:
        con.close()


def readable_forms(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's bytes, and every decoded view of it a secret could hide in."""
    data = path.read_bytes()
    yield str(path), data
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            yield f"{path} (gunzip)", gzip.decompress(data)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)
    if data[:4] == b"PAR1":
        yield f"{path} (rows)", json.dumps(pq.read_table(path).to_pylist(), default=str).encode()
    if data[8:12] == b"DUCK":
        yield f"{path} (tables)", duckdb_text(path)
    if data[:16] == b"SQLite format 3\x00":
        with contextlib.suppress(sqlite3.Error):
            yield f"{path} (dump)", sqlite_text(path)


def find_secrets(roots: list[Path], found_in: dict[str, bytes]) -> list[str]:
    """Every (secret, place) pair where a planted secret occurs under the roots."""
    hits = []
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            for where, data in readable_forms(path):
                hits += [f"{name} in {where}" for name, n in found_in.items() if n in data]
    return hits


# -- the tests ------------------------------------------------------------------------------
def test_the_scan_used_the_credentials(planted_scan):
    scan = planted_scan
    assert scan.result["status"] == "partial", scan.result
    counts = scan.result["counts"]["sources"]
    # the credentials went out: EPO got its token and searched with it
    assert counts["patents_epo_ops"]["finished"] is True
    assert counts["patents_epo_ops"]["records"] > 0 and counts["papers_openalex"]["records"] > 0
    assert scan.secrets["OPENALEX_API_KEY"].startswith("SECRETKEY-")
    assert len(needles(scan.secrets)) >= len(scan.secrets)
    briefings = list((scan.home / "briefings").rglob("clear-*/*.xlsx"))
    assert len(briefings) == 2, briefings


def test_no_secret_in_any_file_of_the_workspace(planted_scan):
    scan = planted_scan
    files = [p for p in scan.home.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".duckdb", ".gz", ".jsonl", ".json", ".xlsx", ".csv", ".parquet", ".html"} <= kinds
    assert find_secrets([scan.home], needles(scan.secrets)) == []


def test_no_secret_in_prefect_state(planted_scan):
    roots = [r for r in planted_scan.extra_roots if r.exists()]
    dumps = [d for r in roots for p in r.rglob("*.db") for w, d in readable_forms(p) if "dump" in w]
    assert any(b"weekly_scan" in d for d in dumps), "the Prefect database of the scan not found"
    assert find_secrets(roots, needles(planted_scan.secrets)) == []


def test_no_secret_in_anything_printed(planted_scan):
    printed = planted_scan.printed
    assert b"[crawl]" in printed  # the progress lines were captured
    leaks = [name for name, n in needles(planted_scan.secrets).items() if n in printed]
    assert leaks == []


def test_a_failing_url_with_a_token_is_reported_redacted(planted_scan):
    from horizon.workspace import Workspace

    scan = planted_scan
    row = Workspace(scan.home).store(read_only=True).scan(scan.result["scan_id"])
    message = row["message"]
    assert row["status"] == "partial"
    assert "policy_feed" in message and "HTTP 404" in message and PRIVATE_FEED in message
    assert "token=REDACTED" in message
    assert scan.secrets["FEED_URL_TOKEN"] not in message
    assert "\n" not in message
    summary = scan.result["counts"]["sources"]["policy_feed"]
    assert not any(scan.secrets["FEED_URL_TOKEN"] in e for e in summary["errors"])


# -- a server that echoes what it was sent ------------------------------------------------
def echo_host(token: str) -> Host:
    """Loopback host answering every request with its line and headers in an error body.

    EPO's token route answers a token; other requests alternate a 200 HTML error page and a 401
    JSON error, both echoing the request (as some APIs do when refusing a key).
    """

    def answer(seen: Seen) -> Answer:
        if seen.path.endswith("/auth/accesstoken"):
            return json_answer({"access_token": token})
        if len(host.seen) % 2:
            page = f"<html><body><h1>Bad request</h1><pre>{seen.text}</pre></body></html>"
            return 200, {"Content-Type": "text/html"}, page.encode()
        return json_answer({"error": "invalid credentials", "request": seen.text}, status=401)

    host = Host(answer)
    return host


@pytest.fixture(scope="module")
def echoed_crawls(tmp_path_factory):
    """OpenAlex and EPO crawled against the echo server with planted credentials."""
    from crawlers.run import crawl_source

    root = tmp_path_factory.mktemp("echo")
    planted = plant_values(["OPENALEX_API_KEY", "OPENALEX_MAILTO", "EPO_OPS_KEY", "EPO_OPS_SECRET"])
    token = f"SECRETTOKEN-{secrets.token_hex(12)}"
    config = root / "config"
    config.mkdir()
    sources = yaml.safe_load(CONFIG_SOURCES.read_text(encoding="utf-8"))
    for source in sources["sources"].values():
        source["rate_limit"] = 100
    (config / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    shutil.copy(REPO / "data" / "config" / "taxonomy.yaml", config / "taxonomy.yaml")
    home = root / "home"
    summaries = {}
    with echo_host(token) as server:
        for source, base, creds in (
            ("papers_openalex", server.url, {"api_key": "OPENALEX_API_KEY", "mailto": "OPENALEX_MAILTO"}),
            ("patents_epo_ops", f"{server.url}/3.2", {"key": "EPO_OPS_KEY", "secret": "EPO_OPS_SECRET"}),
        ):  # fmt: skip
            summaries[source] = crawl_source(
                source,
                home=home,
                out_dir=root / "out" / source,
                base_url=base,
                config_dir=config,
                credentials={k: planted[v] for k, v in creds.items()},
                max_records=50,
                timeout=300,
            )
    seen = [request.text for request in server.seen]
    return root, home, {**planted, "EPO_OAUTH_TOKEN": token}, seen, summaries


def test_echoed_credentials_were_sent(echoed_crawls):
    _, _, planted, seen, summaries = echoed_crawls
    sent = "\n".join(seen)
    assert f"api_key={planted['OPENALEX_API_KEY']}" in sent
    assert f"Bearer {planted['EPO_OAUTH_TOKEN']}" in sent
    assert needles(planted)["EPO Basic auth"].decode() in sent
    for summary in summaries.values():
        assert summary["finished"] is False and summary["errors"], summary


def test_echoed_secrets_stay_out_of_crawl_outputs(echoed_crawls):
    root, _, planted, _, summaries = echoed_crawls
    assert find_secrets([root / "out"], needles(planted)) == []
    text = json.dumps(summaries)
    assert [k for k, n in needles(planted).items() if n.decode() in text] == []


def test_echoed_secrets_stay_out_of_raw_bodies(echoed_crawls):
    _, home, planted, _, _ = echoed_crawls
    assert list((home / "raw").rglob("*.gz"))
    assert find_secrets([home / "raw"], needles(planted)) == []
