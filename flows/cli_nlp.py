"""`horizon classify`, `evaluate`, `train` and `taxonomy check|review|promote|reject`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from flows.common import DEFAULT_TAXONOMY, HomeOpt, fail, resolve_home
from horizon.config.loader import ConfigError

TaxonomyOpt = Annotated[
    Path, typer.Option("--taxonomy", help="Taxonomy file.")
]  # fmt: skip
GOLD_RELATIVE = Path("data/corpus/arxiv_labeled")


def _default_gold() -> Path | None:
    """The shared labelled corpus: $HORIZON_SHARED/data/…, else ../shared/data/… beside the repo."""
    roots = [os.environ.get("HORIZON_SHARED"), Path(__file__).resolve().parents[2] / "shared"]
    for root in roots:
        if root and (Path(root) / GOLD_RELATIVE).is_dir():
            return Path(root) / GOLD_RELATIVE
    return None


def _taxonomy(path: Path):
    from horizon.config.taxonomy import load_taxonomy

    try:
        return load_taxonomy(path)
    except ConfigError as exc:
        fail(str(exc))


def _classifier(home: Path | None, taxonomy, gold: Path | None = None):
    import nlp
    from nlp.training import saved_is_current

    models = resolve_home(home) / "models"
    gold = gold or _default_gold()
    if not saved_is_current(models, taxonomy):
        source = f"the labelled corpus {gold}" if gold else "no labelled corpus (scores will be 0)"
        typer.echo(f"no current classifier in {models}: training one on {source} "
                   "(about a minute for the shared corpus)…", err=True)  # fmt: skip
    return nlp.load_or_train(models, taxonomy, gold_dir=gold)


CLASSIFY_BATCH = 20_000


def _classify_line(line: str, seen: set[str]) -> tuple[dict | None, str | None]:
    """(row, None) for a usable input line, else (None, why it is refused)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return None, "not JSON"
    if not isinstance(item, dict):
        return None, "not a JSON object"
    rid = item.get("id") or item.get("record_id")
    if rid is None or isinstance(rid, (dict, list)) or not str(rid).strip():
        return None, "no id"
    rid = str(rid)
    title = item.get("title")
    text = item.get("abstract") or item.get("text")
    if not (isinstance(title, str) and title.strip()) and not (
        isinstance(text, str) and text.strip()
    ):
        return None, "no title or text"
    if rid in seen:
        return None, "repeated id"
    seen.add(rid)
    row = {"id": rid, "title": title if isinstance(title, str) else "",
           "text": text if isinstance(text, str) else ""}  # fmt: skip
    for key, default in RECORD_FIELDS.items():  # as `horizon parse` writes records
        value = item.get(key)
        row[key] = value if isinstance(value, type(default)) and value else default
    return row, None


#: Fields of a parsed record that assignment reads, with their value when a line has none.
RECORD_FIELDS: dict = {"kind": "paper", "language": "und", "source": "", "url": "",
                       "codes": {}, "organizations": []}  # fmt: skip


def _classify_batch(rows: list[dict], taxonomy, classifier, handle) -> None:
    import pandas as pd

    import nlp

    records = pd.DataFrame(rows, columns=["id", "title", "text", *RECORD_FIELDS])
    records["record_id"] = records["id"]
    records["codes"] = [json.dumps(c) for c in records["codes"]]
    records["sharing"] = "CLEAR"
    entities = nlp.extract_entities(records, taxonomy)
    assigned = nlp.assign_domains(records, entities, taxonomy, classifier)
    by_id: dict[str, list[dict]] = {}
    for rid, dom, conf, why in zip(
        assigned["record_id"], assigned["domain"], assigned["confidence"], assigned["reason"],
        strict=True,
    ):  # fmt: skip
        by_id.setdefault(rid, []).append(
            {"domain": dom, "score": round(float(conf), 4), "reason": why}
        )
    for rid in records["id"]:
        found = sorted(by_id.get(rid, []), key=lambda d: -d["score"])
        handle.write(json.dumps({"id": rid, "domains": found}, ensure_ascii=False) + "\n")


def classify(
    in_file: Annotated[
        Path,
        typer.Option(
            "--in",
            help="JSON Lines: id, title, abstract|text, or records as `horizon parse` writes them "
            "(record_id, kind, language, codes, organizations, url).",
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="JSON Lines: id, domains[{domain, score}].")
    ],
    home: HomeOpt = None,
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """Assign domains as a scan does: codes, issuer, taxonomy terms, the classifier where validated.

    Lines that cannot be classified (not JSON, no id, neither title nor text, an id already seen)
    are written with the reason to `<out>.refused.jsonl` and counted.
    """
    from collections import Counter

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if not in_file.is_file():
        fail(f"--in {in_file}: no such file")
    if not out_file.parent.is_dir():
        fail(f"--out {out_file}: the folder {out_file.parent} does not exist")
    taxonomy = _taxonomy(taxonomy_path)
    classifier = _classifier(home, taxonomy)
    refused_file = out_file.with_name(out_file.name + ".refused.jsonl")
    refused: Counter[str] = Counter()
    seen: set[str] = set()
    rows: list[dict] = []
    done = 0
    with (
        in_file.open("rb") as source,
        out_file.open("w", encoding="utf-8") as handle,
        refused_file.open("w", encoding="utf-8") as rejects,
        Progress(TextColumn("classify"), BarColumn(), TextColumn("{task.fields[n]:,} records"),
                 TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar,
    ):  # fmt: skip
        job = bar.add_task("classify", total=in_file.stat().st_size or None, n=0)
        for number, raw in enumerate(source, start=1):
            bar.advance(job, len(raw))
            try:
                line = raw.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                line, row, why = raw.decode("utf-8", errors="replace"), None, "not UTF-8"
            else:
                if not line.strip():
                    continue
                row, why = _classify_line(line, seen)
            if why:
                refused[why] += 1
                record = {"line": number, "reason": why, "input": line.rstrip("\r\n")}
                rejects.write(json.dumps(record, ensure_ascii=False) + "\n")
                continue
            rows.append(row)
            if len(rows) >= CLASSIFY_BATCH:
                _classify_batch(rows, taxonomy, classifier, handle)
                done += len(rows)
                rows = []
                bar.update(job, n=done)
        if rows:
            _classify_batch(rows, taxonomy, classifier, handle)
            done += len(rows)
    if not refused:
        refused_file.unlink()
    note = (
        f"; {sum(refused.values())} lines refused ("
        + ", ".join(f"{n} {why}" for why, n in refused.most_common())
        + f") → {refused_file}"
        if refused
        else ""
    )
    typer.echo(f"{done} classified → {out_file}{note}")


def evaluate(
    gold: Annotated[
        Path,
        typer.Option(
            "--gold",
            help="Folder of labelled arXiv records (.jsonl/.json, optionally .gz), or a JSON "
            "Lines file of analyst labels (doc_id, kind, language, title, text, codes, domains).",
        ),
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON.")
    ] = None,
    split: Annotated[
        str,
        typer.Option(
            "--split", help="unseen (records the classifier did not train on) | holdout | all"
        ),
    ] = "unseen",
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Write each record whose domains are wrong, with gold, predicted and the "
            "assignment's reasons, as CSV (UTF-8 with BOM).",
        ),
    ] = None,
    home: HomeOpt = None,
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """Per-domain precision/recall/F1 against labelled records.

    A folder of labelled arXiv records is scored from title + abstract only, on records the
    classifier did not train on. An analyst-label file is scored as a scan reads its documents
    (kind, language, codes, issuer), per domain, kind, language and source.
    """
    import nlp
    from nlp.evaluate import SPLITS
    from nlp.labels import is_label_file

    for flag, out in (("--json", json_out), ("--errors", errors)):
        if out is not None and not out.parent.is_dir():
            fail(f"{flag} {out}: the folder {out.parent} does not exist")
    if gold.is_file():
        if not is_label_file(gold):
            fail(f"{gold}: not an analyst-label file (JSON Lines with doc_id and domains)")
        _evaluate_labels(gold, home, taxonomy_path, json_out, errors)
        return
    if not gold.is_dir():
        fail(f"{gold}: no such folder or file")
    if split not in SPLITS:
        fail(f"--split {split}: expected one of {', '.join(SPLITS)}")
    taxonomy = _taxonomy(taxonomy_path)
    report = nlp.evaluate(gold, taxonomy, _classifier(home, taxonomy), split=split)
    if not report.records and report.excluded_trained_on:
        fail(f"{gold}: the classifier trained on all {report.excluded_trained_on} records here; "
             "score another labelled set, or pass --split all")  # fmt: skip
    if not report.records:
        fail(f"{gold}: no labelled records to score (each needs arxiv_id or id, title, categories)"
             + (f"; refused: {report.refused}" if report.refused else ""))  # fmt: skip
    _write_report(report, json_out, errors, "records")


def _evaluate_labels(
    gold: Path, home: Path | None, taxonomy_path: Path, json_out: Path | None,
    errors: Path | None,
) -> None:  # fmt: skip
    from nlp.labels import evaluate_labels

    taxonomy = _taxonomy(taxonomy_path)
    report = evaluate_labels(gold, taxonomy, _classifier(home, taxonomy))
    if not report.overall.records:
        fail(f"{gold}: no labelled documents to score; refused: {report.overall.refused}")
    _write_report(report, json_out, errors, "documents")


def _write_report(report, json_out: Path | None, errors: Path | None, what: str) -> None:
    """Print the report's table; write its JSON and its error rows (CSV for Excel) if asked."""
    typer.echo(report.table())
    if json_out:
        json_out.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    if errors:
        report.errors.to_csv(errors, index=False, encoding="utf-8-sig")
        typer.echo(f"{len(report.errors)} {what} with a wrong or missing domain → {errors}")


def train(
    home: HomeOpt = None,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Labelled corpus (default: shared).")
    ] = None,
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """Rebuild the classifier artefact in the workspace models folder."""
    import nlp

    taxonomy = _taxonomy(taxonomy_path)
    gold = gold or _default_gold()
    models = resolve_home(home) / "models"
    clf = nlp.load_or_train(models, taxonomy, gold_dir=gold, retrain=True)
    if not clf.models:
        fail("no training data: the labelled corpus was not found (pass --gold)")
    typer.echo(f"trained on {clf.metadata.get('training_data')} → {models}")


taxonomy_app = typer.Typer(help="Check the taxonomy file or promote a reviewed term into it.")


@taxonomy_app.command("check")
def taxonomy_check(taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY) -> None:
    """Validate the taxonomy, print counts and the terms that collide across domains."""
    from nlp.taxonomy_edit import check_taxonomy

    result = check_taxonomy(_taxonomy(taxonomy_path))
    total = sum(result.terms.values())
    typer.echo(f"{taxonomy_path}: version {result.version}, {result.domains} domains, "
               f"{result.subtechs} sub-technologies, {total} terms "
               f"(en {result.terms['en']}, ja {result.terms['ja']}, abbr {result.terms['abbr']}), "
               f"{result.codes} code patterns, {result.arxiv_mapped} arXiv categories mapped")  # fmt: skip
    typer.echo(f"{len(result.collisions)} terms collide across domains")
    for term, domains in result.collisions.items():
        typer.echo(f"  {term}: {', '.join(domains)}")


@taxonomy_app.command("promote")
def taxonomy_promote(
    term: Annotated[str, typer.Argument(help="The reviewed term.")],
    domain: Annotated[str, typer.Option("--domain", help="Domain slug.")],
    subtech: Annotated[str | None, typer.Option("--subtech", help="Sub-technology slug.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en | ja | abbr")] = "en",
    by: Annotated[str, typer.Option("--by", help="Who reviewed it.")] = "analyst",
    why: Annotated[str, typer.Option("--why", help="Why it belongs.")] = "",
    force: Annotated[
        bool, typer.Option("--force", help="Add it even if another domain has the term.")
    ] = False,
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """Add a reviewed term to the taxonomy (only its lines change), bump the version, note who/when/why."""
    from horizon.config.taxonomy import load_taxonomy
    from nlp.taxonomy_edit import promote_term

    try:
        slug = promote_term(
            taxonomy_path, term, domain=domain, subtech=subtech, lang=lang, by=by, why=why,
            force=force,
        )  # fmt: skip
        version = load_taxonomy(taxonomy_path, require_japan_20=False).version
    except (ConfigError, KeyError) as exc:
        fail(str(exc).strip('"'))
    typer.echo(f"added {term!r} to {domain}/{slug} ({lang}) in {taxonomy_path}, version {version}")


@taxonomy_app.command("review")
def taxonomy_review(
    home: HomeOpt = None,
    scan_id: Annotated[
        str | None, typer.Option("--scan", help="Scan id (default: latest).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Candidates to list.")] = 30,
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """List a scan's emerging-term candidates still to review (not in the taxonomy, not rejected)."""
    import pandas as pd

    from horizon.api import open_store
    from horizon.store import StoreError
    from nlp.nesting import fold_known
    from nlp.normalize import normalize_term
    from nlp.taxonomy_edit import rejected_terms

    taxonomy = _taxonomy(taxonomy_path)
    try:
        reader = open_store(resolve_home(home))
        scan = reader.resolve(scan_id)
        terms = reader.table("emerging_terms", scan)
    except StoreError as exc:
        fail(str(exc))
    if not terms.empty:  # in the scan's order (bursting first, then by score)
        terms = terms[~fold_known(terms["term"], terms["language"], taxonomy)]
        terms = terms[~terms["term"].map(normalize_term).isin(rejected_terms(
            rejected_path(taxonomy_path)))]  # fmt: skip
    typer.echo(f"scan {scan}: {len(terms)} candidates to review")
    for rank, row in enumerate(terms.head(limit).itertuples(index=False), start=1):
        sources = ", ".join(f"{k} {v}" for k, v in json.loads(row.sources).items())
        typer.echo(
            f"{rank:3d}. {row.term} [{row.language}] domain {row.domain_hint or '-'}, "
            f"first seen {pd.Timestamp(row.first_seen_date).date()}, {row.count} documents ({sources}), "
            f"burst {row.burst_weight:.1f}, e.g. {', '.join(json.loads(row.record_ids)[:3])}"
        )


def rejected_path(taxonomy_path: Path) -> Path:
    """The rejected-phrases file kept beside the taxonomy (committed with it)."""
    return Path(taxonomy_path).parent / "rejected_terms.jsonl"


@taxonomy_app.command("reject")
def taxonomy_reject(
    term: Annotated[str, typer.Argument(help="The candidate phrase to keep out.")],
    by: Annotated[str, typer.Option("--by", help="Who reviewed it.")] = "analyst",
    why: Annotated[str, typer.Option("--why", help="Why it is not a technology.")] = "",
    taxonomy_path: TaxonomyOpt = DEFAULT_TAXONOMY,
) -> None:
    """Remember a rejected candidate so later scans no longer list it."""
    from nlp.taxonomy_edit import reject_term

    path = rejected_path(taxonomy_path)
    if reject_term(path, term, by=by, why=why):
        typer.echo(f"rejected {term!r} (kept in {path})")
    else:
        typer.echo(f"{term!r} was already rejected ({path})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("classify")(classify)
    app.command("evaluate")(evaluate)
    app.command("train")(train)
    app.add_typer(taxonomy_app, name="taxonomy")
