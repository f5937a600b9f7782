"""Real responses recorded in a `shared/data` folder, as replay routes for the real spiders.

`recorded_sources` reads `fixtures/` and gives, for every source with recordings, the routes that
answer its spider's own requests with recorded bodies. Served on loopback by `crawlers.replay`,
they are crawled exactly as the live APIs are; only the base URL differs.

* Query terms are not matched: the recordings answer other people's queries. Each first request
  of the spider's queries takes the next recorded first page not served yet (`times: 1`, in file
  order), so which query gets which recording is arbitrary; the records do not depend on it.
* A recorded page is served at its recorded next-page pointer (cursor, start, resumption token)
  when another recorded page hands that pointer out; otherwise it is a first page.
* Where nothing more was recorded the source's empty answer (`END_PAGES`, synthetic) ends the
  query. Recordings the spider never asks for (another endpoint, a look-up by id, an error
  answer) are listed with the reason instead, and so are the folders no spider reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers.recorded_formats import BUILDERS as FORMAT_BUILDERS
from crawlers.recorded_formats import RECORDED_HOST, SourceRecordings
from crawlers.recorded_portals import BUILDERS as PORTAL_BUILDERS
from horizon.config.sources import SourcesConfig

#: Each source's replay builder.
BUILDERS: dict[str, Callable[..., None]] = {**FORMAT_BUILDERS, **PORTAL_BUILDERS}


@dataclass
class RecordedPlan:
    """Every source's recordings, the sources without any, and the folders no spider reads."""

    sources: dict[str, SourceRecordings]
    skipped: dict[str, str]
    unread: dict[str, int]


def recorded_sources(root: Path, live: SourcesConfig, work_dir: Path) -> RecordedPlan:
    """Every configured source's recordings under `root/fixtures` (files it needs go to `work_dir`)."""
    root, sources, skipped = Path(root), {}, {}
    for name in live.sources:
        rec = SourceRecordings(name, root)
        builder = BUILDERS.get(name)
        if builder is None:
            skipped[name] = "no recordings of this source's format are read"
            continue
        extra = {"patents_uspto_bulk": (work_dir,), "policy_feed": (live,)}.get(name, ())
        _guarded(builder, root, rec, *extra)
        if rec.recordings:
            sources[name] = rec
        else:
            # with why the recordings found, if any, are not offered
            skipped[name] = "; ".join(
                ["no recordings found", *sorted(set(rec.unused.values()))[:2]]
            )
    claimed = {r for rec in sources.values() for r in [*rec.recordings, *rec.unused]}
    return RecordedPlan(sources, skipped, unread_folders(root, claimed))


def _guarded(builder: Callable[..., None], root: Path, rec: SourceRecordings, *extra: Any) -> None:
    """Run a builder; a folder missing or unreadable leaves the source without recordings."""
    try:
        builder(root, rec, *extra)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        rec.routes = [r for r in rec.routes if not r.get("recordings")]
        rec.unused["(reading the recordings)"] = f"{exc.__class__.__name__}: {exc}"[:300]


def unread_folders(root: Path, claimed: set[str]) -> dict[str, int]:
    """Folders of `fixtures/` with files no source serves or names: how many files each."""
    out: dict[str, int] = {}
    for path in sorted((root / "fixtures").rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in claimed and not path.name.endswith(".meta.json"):
            folder = "/".join(rel.split("/")[:3])
            out[folder] = out.get(folder, 0) + 1
    return out


def recorded_sources_config(plan: RecordedPlan, live: SourcesConfig) -> dict[str, Any]:
    """sources.yaml of a recorded scan: the live settings of each source with recordings, every
    source enabled, no credentials, feeds replaced by the recorded snapshots."""
    out = live.model_dump(mode="json", include={"user_agent", "contact"})
    out["sources"] = {}
    for name, rec in plan.sources.items():
        cfg = live.sources[name].model_dump(
            mode="json",
            exclude={"credentials_env", "credentials_required", "credentials_url", "feeds"},
        )
        cfg.update(enabled=True, base_url=RECORDED_HOST)
        if rec.feeds:
            cfg["feeds"] = rec.feeds
        out["sources"][name] = cfg
    return out


def coverage(rec: SourceRecordings, hits: list[int]) -> dict[str, Any]:
    """After a crawl: which recordings were served, which were not asked for (and why)."""
    served: set[str] = set()
    unasked: dict[str, str] = {}
    for spec, n in zip(rec.routes, hits, strict=True):
        for name in map(rec.rel, spec.get("recordings", ())):
            if n:
                served.add(name)
            else:
                unasked[name] = (
                    "more recorded first pages than the spider's queries"
                    if spec.get("first")
                    else "the spider never asked for this page"
                )
    return {"served": len(served), "not_asked": unasked, "unused": rec.unused,
            "synthetic": rec.synthetic}  # fmt: skip
