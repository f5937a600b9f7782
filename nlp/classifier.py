"""The multi-label domain classifier: word 1–2-gram TF-IDF, one logistic regression per domain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

ARTEFACT_VERSION = 6
MODEL_FILE = "domain_classifier.joblib"
META_FILE = "domain_classifier.json"
#: Domains with fewer positive training examples are not learned (they score 0).
MIN_POSITIVES = 8
#: Thresholds maximise F-beta with beta < 1: precision weighs more (records of no domain abound).
BETA = 0.8
#: Share of out-of-fold records with some domain that pass the "any technology" gate; records below
#: the gate score 0 for every domain (cross-validated: a third fewer records of no domain assigned at
#: the same macro-F1).
GATE_RECALL = 0.9


def _fbeta(y: np.ndarray, pred: np.ndarray, beta: float = BETA) -> float:
    tp = float(np.sum(y & pred))
    if tp == 0:
        return 0.0
    precision, recall = tp / pred.sum(), tp / y.sum()
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The cut on out-of-fold scores that maximises F-beta; 1.0 (never assign) when no cut finds a positive."""
    y = y.astype(bool)
    candidates = np.unique(np.quantile(scores, np.linspace(0.5, 0.9995, 240)))
    candidates = candidates[candidates > scores.min()]  # a cut at the minimum assigns everything
    best, best_cut = 0.0, 1.0
    for cut in candidates:
        f = _fbeta(y, scores >= cut)
        if f > best:
            best, best_cut = f, float(cut)
    return best_cut


def align(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Map each domain's probability so its threshold sits at 0.5 (monotone, stays in [0, 1])."""
    t = np.clip(thresholds, 1e-6, 1 - 1e-6)
    low = 0.5 * scores / t
    high = 0.5 + 0.5 * (scores - t) / (1 - t)
    return np.clip(np.where(scores < t, low, high), 0.0, 1.0)


class DomainClassifier:
    """Multi-label classifier over title + abstract; `predict_scores` ≥ 0.5 means "assign"."""

    def __init__(self, domains: Sequence[str], *, c: float = 8.0, folds: int = 4, seed: int = 0):
        self.domains = list(domains)
        self.c = c
        self.folds = folds
        self.seed = seed
        self.metadata: dict = {}
        self.models: dict[str, LogisticRegression] = {}
        self.thresholds = np.full(len(self.domains), 0.5)
        self.gate: LogisticRegression | None = None
        self.gate_cut = 0.0
        #: arXiv ids of the labelled records it was fitted on: `evaluate` scores only the others.
        self.trained_ids: frozenset[str] = frozenset()

    # --- features ---
    @staticmethod
    def _vectorizer() -> TfidfVectorizer:
        # Words only. Taxonomy-term features (a 1–4-gram TF-IDF over the taxonomy's terms) were
        # tried: held-out macro-F1 0.655 with them, 0.662 without; over the corpus files left out
        # of training in turn 0.561 vs 0.569; prediction 2.5x slower (BENCHMARKS.md). The
        # taxonomy's terms count through the entity route of `nlp.assign` instead.
        return TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                               stop_words="english", dtype=np.float32)  # fmt: skip

    def _fit_models(self, x, y: np.ndarray) -> dict[str, LogisticRegression]:
        # Probabilities, not SVM margins: assign.py's entity-support cut-offs assume them (a
        # sigmoid of LinearSVC margins let taxonomy hits through: held-out macro-F1 0.615).
        models = {}
        for j, slug in enumerate(self.domains):
            if y[:, j].sum() >= MIN_POSITIVES and y[:, j].sum() < len(y):
                # The dual problem: far more features than texts, same optimum, ~12x faster fit.
                lr = LogisticRegression(C=self.c, class_weight="balanced", solver="liblinear",
                                        dual=True, max_iter=3000, random_state=self.seed)  # fmt: skip
                models[slug] = lr.fit(x, y[:, j])
        return models

    def _fit_gate(self, x, y: np.ndarray) -> LogisticRegression | None:
        anything = y.any(1)
        if anything.all() or not anything.any():
            return None
        lr = LogisticRegression(C=self.c, class_weight="balanced", solver="liblinear", dual=True,
                                max_iter=3000, random_state=self.seed)  # fmt: skip
        return lr.fit(x, anything)

    def _raw(self, models, x) -> np.ndarray:
        out = np.zeros((x.shape[0], len(self.domains)))
        for j, slug in enumerate(self.domains):
            if slug in models:
                out[:, j] = models[slug].predict_proba(x)[:, 1]
        return out

    # --- estimator API ---
    def fit(self, texts: Sequence[str], label_sets: Sequence[set[str]]) -> DomainClassifier:
        """Fit one model per domain; thresholds come from out-of-fold scores on these texts only."""
        texts = [str(t) for t in texts]
        y = np.array([[d in labels for d in self.domains] for labels in label_sets], dtype=int)
        oof = np.zeros(y.shape)
        oof_gate = np.ones(len(texts))
        for train, test in KFold(self.folds, shuffle=True, random_state=self.seed).split(texts):
            vec = self._vectorizer()
            x_train = vec.fit_transform([texts[i] for i in train])
            models = self._fit_models(x_train, y[train])
            x_test = vec.transform([texts[i] for i in test])
            oof[test] = self._raw(models, x_test)
            gate = self._fit_gate(x_train, y[train])
            if gate is not None:
                oof_gate[test] = gate.predict_proba(x_test)[:, 1]
        self.thresholds = np.array(
            [
                best_threshold(y[:, j], oof[:, j]) if y[:, j].sum() else 1.0
                for j in range(y.shape[1])
            ]
        )
        self.vectorizer = self._vectorizer()
        x = self.vectorizer.fit_transform(texts)
        self.models = self._fit_models(x, y)
        self.gate = self._fit_gate(x, y)
        positives = oof_gate[y.any(1)]
        self.gate_cut = (
            float(np.quantile(positives, 1 - GATE_RECALL)) if self.gate is not None else 0.0
        )
        self.metadata.update(
            positives={d: int(n) for d, n in zip(self.domains, y.sum(0), strict=False)},
            n_train=len(texts),
        )
        return self

    def predict_scores(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_domains) scores in [0, 1], domain order as `domains`; ≥ 0.5 = assigned."""
        if not self.models:
            return np.zeros((len(texts), len(self.domains)))
        x = self.vectorizer.transform([str(t) for t in texts])
        scores = align(self._raw(self.models, x), self.thresholds)
        if self.gate is not None:
            scores[self.gate.predict_proba(x)[:, 1] < self.gate_cut] = 0.0
        return scores

    def predict(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Per text, the assigned (domain, score) pairs, best first."""
        scores = self.predict_scores(texts)
        out = []
        for row in scores:
            picked = [(self.domains[j], float(row[j])) for j in np.flatnonzero(row >= 0.5)]
            out.append(sorted(picked, key=lambda p: -p[1]))
        return out

    # --- artefact ---
    def save(self, path: Path) -> Path:
        """Write the model (joblib) and its JSON metadata into the folder `path`."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path / MODEL_FILE, compress=3)
        meta = {
            "artefact_version": ARTEFACT_VERSION,
            "sklearn_version": sklearn.__version__,
            "domains": self.domains,
            "thresholds": [round(float(t), 6) for t in self.thresholds],
            "gate_cut": round(self.gate_cut, 6) if self.gate is not None else None,
            **self.metadata,
        }
        meta.setdefault("trained_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        (path / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> DomainClassifier:
        """Read an artefact written by `save`; ValueError names what does not match."""
        path = Path(path)
        meta = json.loads((path / META_FILE).read_text("utf-8"))
        if meta.get("artefact_version") != ARTEFACT_VERSION:
            raise ValueError(
                f"{path}: artefact version {meta.get('artefact_version')} != {ARTEFACT_VERSION}"
            )
        if meta.get("sklearn_version") != sklearn.__version__:
            raise ValueError(
                f"{path}: trained with scikit-learn {meta.get('sklearn_version')}, running {sklearn.__version__}"
            )
        model = joblib.load(path / MODEL_FILE)
        if not isinstance(model, cls):
            raise ValueError(f"{path}: not a DomainClassifier")
        model.metadata = {**model.metadata, **meta}
        return model
