"""The labelled arXiv corpus: reading it, its gold domains, and the deterministic held-out split."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from horizon.config.taxonomy import Taxonomy

#: OAI-DC subject names of the arXiv categories (records harvested over OAI carry names, not codes).
SUBJECT_CATEGORIES: dict[str, str] = {
    "Computer Science - Artificial Intelligence": "cs.AI",
    "Computer Science - Machine Learning": "cs.LG",
    "Statistics - Machine Learning": "stat.ML",
    "Computer Science - Computation and Language": "cs.CL",
    "Computer Science - Computer Vision and Pattern Recognition": "cs.CV",
    "Computer Science - Neural and Evolutionary Computing": "cs.NE",
    "Computer Science - Multiagent Systems": "cs.MA",
    "Computer Science - Distributed, Parallel, and Cluster Computing": "cs.DC",
    "Computer Science - Hardware Architecture": "cs.AR",
    "Computer Science - Databases": "cs.DB",
    "Computer Science - Information Retrieval": "cs.IR",
    "Computer Science - Robotics": "cs.RO",
    "Quantum Physics": "quant-ph",
    "Computer Science - Cryptography and Security": "cs.CR",
    "Computer Science - Networking and Internet Architecture": "cs.NI",
    "Computer Science - Information Theory": "cs.IT",
    "Mathematics - Information Theory": "math.IT",
    "Condensed Matter - Materials Science": "cond-mat.mtrl-sci",
    "Condensed Matter - Superconductivity": "cond-mat.supr-con",
    "Physics - Medical Physics": "physics.med-ph",
    "Quantitative Biology - Tissues and Organs": "q-bio.TO",
    "Quantitative Biology - Genomics": "q-bio.GN",
    "Quantitative Biology - Biomolecules": "q-bio.BM",
    "Quantitative Biology - Molecular Networks": "q-bio.MN",
    "Computer Science - Emerging Technologies": "cs.ET",
    "Electrical Engineering and Systems Science - Signal Processing": "eess.SP",
}


_ID_PREFIXES = ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "oai:arxiv.org:", "arxiv:")
_VERSION = re.compile(r"v\d+$")
_GOLD_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json", "*.json.gz")


def arxiv_key(raw: object) -> str:
    """An arXiv identifier without URL, `arXiv:` prefix or version: `arXiv:2501.00001v2` → `2501.00001`."""
    text = str(raw or "").strip()
    lowered = text.lower()
    for prefix in _ID_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :]
            break
    return _VERSION.sub("", text)


def _categories(row: dict) -> list[str] | None:
    """arXiv category codes of a record: `categories` (list, or a space/comma-separated string as in
    arXiv's metadata snapshot), else OAI-DC `subjects` names, else `primary_category`; None when the
    record carries no label at all."""
    cats = row.get("categories")
    if isinstance(cats, str):
        cats = cats.replace(",", " ").split()
    if cats:
        return [str(c) for c in cats]
    subjects = row.get("subjects")
    if subjects:
        return [SUBJECT_CATEGORIES[s] for s in subjects if s in SUBJECT_CATEGORIES]
    primary = row.get("primary_category")
    return [str(primary)] if primary else None


def _rows(path: Path):
    """The JSON objects of one file: JSON Lines, or one JSON array; gzip when the name ends `.gz`."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        head = handle.read(1)
        while head and head.isspace():
            head = handle.read(1)
        if head == "[":
            try:
                items = json.loads(head + handle.read())
            except json.JSONDecodeError:
                yield None
                return
            yield from (item if isinstance(item, dict) else None for item in items)
            return
        for n, line in enumerate(handle):
            line = head + line if n == 0 else line
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                yield None
                continue
            yield item if isinstance(item, dict) else None


def _record(row: dict | None, file: str, seen: set[str]) -> dict | str:
    """The gold row of one JSON object, or the reason it is refused; adds its id to `seen`."""
    if row is None:
        return "not a JSON object"
    arxiv_id = arxiv_key(row.get("arxiv_id") or row.get("id") or row.get("paper_id"))
    title = " ".join(str(row.get("title") or "").split())
    categories = _categories(row)
    if not arxiv_id:
        return "no arXiv id"
    if not title:
        return "no title"
    if categories is None:
        return "no categories"
    if arxiv_id in seen:
        return "arXiv id seen before"
    seen.add(arxiv_id)
    abstract = " ".join(str(row.get("abstract") or row.get("summary") or "").split())
    return {"arxiv_id": arxiv_id, "title": title, "abstract": abstract,
            "categories": categories, "file": file}  # fmt: skip


def load_gold(gold_dir: Path) -> pd.DataFrame:
    """Every labelled record in `gold_dir` (`*.jsonl`, `*.json`, optionally gzipped): arxiv_id,
    title, abstract, categories, file; deduplicated by arXiv id (versions folded).

    Accepts this project's shared corpus and arXiv's own metadata snapshot (`id`, `categories` as a
    string). Records that cannot be used are counted by reason in `frame.attrs["refused"]`.
    """
    rows: list[dict] = []
    seen: set[str] = set()
    refused: Counter = Counter()
    paths = sorted({p for pattern in _GOLD_PATTERNS for p in Path(gold_dir).glob(pattern)})
    for path in paths:
        try:  # streamed: a file read to its end, or to the point where it breaks
            for row in _rows(path):
                kept = _record(row, path.name, seen)
                if isinstance(kept, str):
                    refused[kept] += 1
                else:
                    rows.append(kept)
        except (OSError, EOFError, UnicodeDecodeError) as exc:  # corrupt gzip, not UTF-8
            refused[f"unreadable file ({exc.__class__.__name__})"] += 1
    frame = pd.DataFrame(rows, columns=["arxiv_id", "title", "abstract", "categories", "file"])
    frame.attrs["refused"] = dict(refused)
    return frame


def gold_domains(categories: list[str], taxonomy: Taxonomy) -> set[str]:
    """Union of the domains the taxonomy's `arxiv_gold_mapping` gives a record's categories."""
    mapping = taxonomy.arxiv_gold_mapping.categories
    out: set[str] = set()
    for cat in categories:
        out.update(mapping.get(cat, ()))
        if "/" not in cat and "." not in cat:  # old archive code such as `quant-ph`
            out.update(mapping.get(cat, ()))
    return out


def is_holdout(arxiv_id: str, percent: int = 25) -> bool:
    """Deterministic held-out split by hash of the arXiv id (the classifier never trains on it)."""
    digest = hashlib.sha256(arxiv_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent
