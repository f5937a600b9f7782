import json

import numpy as np

from nlp import DomainClassifier
from nlp.classifier import align, best_threshold

QUANTUM = [
    "qubit entanglement in superconducting circuits",
    "quantum error correction with qubits",
    "entangled photons for qubit teleportation",
    "trapped ion qubit gates and entanglement",
]
AI = [
    "neural network training with gradient descent",
    "transformer language model pretraining",
    "deep neural network image classification",
    "reinforcement learning agents and neural policies",
]
OTHER = [
    "the history of medieval trade routes",
    "a survey of bird migration in europe",
    "poetry and rhyme in early modern verse",
    "soil erosion on hill farms",
]


def _corpus(k=3):
    texts, labels = [], []
    for _ in range(k):
        texts += QUANTUM + AI + OTHER
        labels += [{"quantum"}] * 4 + [{"ai_ml"}] * 4 + [set()] * 4
    return texts, labels


def test_fit_predict_save_load_round_trip(tmp_path):
    texts, labels = _corpus()
    clf = DomainClassifier(["quantum", "ai_ml", "space"], folds=3)
    clf.metadata["taxonomy_version"] = "test-1"
    clf.fit(texts, labels)
    scores = clf.predict_scores(
        ["qubit entanglement experiment", "neural network language model", "bird poetry"]
    )
    assert scores.shape == (3, 3)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[0, 0] >= 0.5 and scores[0, 1] < 0.5
    assert scores[1, 1] >= 0.5 and scores[1, 0] < 0.5
    assert (scores[2] < 0.5).all()
    assert (scores[:, 2] == 0).all()  # no training examples for space
    clf.save(tmp_path)
    meta = json.loads((tmp_path / "domain_classifier.json").read_text())
    assert meta["taxonomy_version"] == "test-1"
    assert meta["domains"] == ["quantum", "ai_ml", "space"]
    assert {"sklearn_version", "trained_at", "artefact_version", "thresholds"} <= set(meta)
    again = DomainClassifier.load(tmp_path)
    assert np.allclose(again.predict_scores(["qubit entanglement experiment"]), scores[:1])
    assert again.predict(["qubit entanglement experiment"])[0][0][0] == "quantum"


def test_threshold_and_alignment():
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    cut = best_threshold(y, s)
    assert 0.3 < cut <= 0.6
    # Out-of-fold scores that never rank a positive above the median: never assign.
    assert (
        best_threshold(np.array([1, 0, 0, 0, 0, 0]), np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5]))
        == 1.0
    )
    # A domain no fold could learn scores 0 everywhere: never assign it.
    assert best_threshold(np.array([1, 1, 0, 0]), np.zeros(4)) == 1.0
    aligned = align(np.array([[0.0, cut, 1.0]]), np.array([cut, cut, cut]).reshape(1, 3)[0])
    assert np.allclose(aligned, [[0.0, 0.5, 1.0]])


def test_gate_zeroes_records_of_no_technology():
    texts, labels = _corpus(k=4)
    clf = DomainClassifier(["quantum", "ai_ml"], folds=4).fit(texts, labels)
    assert clf.gate is not None and 0.0 < clf.gate_cut < 1.0
    scores = clf.predict_scores(["medieval trade routes and bird migration", "qubit entanglement"])
    assert (scores[0] == 0).all()  # below the gate: no domain at all
    assert scores[1, 0] >= 0.5
    # Without records of no domain there is nothing to gate on.
    only = DomainClassifier(["quantum", "ai_ml"], folds=2).fit(
        (QUANTUM + AI) * 2,
        [{"quantum"}] * 4 + [{"ai_ml"}] * 4 + [{"quantum"}] * 4 + [{"ai_ml"}] * 4,
    )
    assert only.gate is None
    quantum, ai = only.predict_scores(["qubit entanglement"])[0]
    assert quantum > ai and quantum > 0
