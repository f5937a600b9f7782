"""The labelled arXiv corpus: reading it, its gold domains, and the deterministic held-out split."""

from __future__ import annotations

import hashlib
import json
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


def _categories(row: dict) -> list[str]:
    cats = row.get("categories") or []
    if cats:
        return [str(c) for c in cats]
    subjects = row.get("subjects") or []
    return [SUBJECT_CATEGORIES[s] for s in subjects if s in SUBJECT_CATEGORIES]


def load_gold(gold_dir: Path) -> pd.DataFrame:
    """Every `*.jsonl` record in `gold_dir`: arxiv_id, title, abstract, categories, file (deduplicated)."""
    rows: list[dict] = []
    seen: set[str] = set()
    for path in sorted(Path(gold_dir).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                arxiv_id = str(row.get("arxiv_id") or "")
                if not arxiv_id or arxiv_id in seen or not row.get("title"):
                    continue
                seen.add(arxiv_id)
                rows.append(
                    {
                        "arxiv_id": arxiv_id,
                        "title": " ".join(str(row["title"]).split()),
                        "abstract": " ".join(str(row.get("abstract") or "").split()),
                        "categories": _categories(row),
                        "file": path.name,
                    }
                )
    return pd.DataFrame(rows, columns=["arxiv_id", "title", "abstract", "categories", "file"])


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
