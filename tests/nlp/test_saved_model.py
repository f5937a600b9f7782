"""Whether a saved classifier can serve a scan is read from its metadata, without unpickling."""

import json
from types import SimpleNamespace

from nlp import DomainClassifier
from nlp.classifier import META_FILE
from nlp.training import saved_is_current


def _taxonomy(version: str, slugs: list[str]) -> SimpleNamespace:
    return SimpleNamespace(version=version, slugs=slugs)


def test_saved_is_current_follows_taxonomy_domains_and_artefact(tmp_path):
    slugs = ["quantum", "ai_ml"]
    assert not saved_is_current(tmp_path, _taxonomy("t-1", slugs))  # nothing saved yet
    clf = DomainClassifier(slugs)
    clf.metadata["taxonomy_version"] = "t-1"
    clf.save(tmp_path)
    assert saved_is_current(tmp_path, _taxonomy("t-1", slugs))
    assert not saved_is_current(tmp_path, _taxonomy("t-2", slugs))  # the taxonomy moved on
    assert not saved_is_current(tmp_path, _taxonomy("t-1", [*slugs, "space"]))
    meta = json.loads((tmp_path / META_FILE).read_text("utf-8"))
    (tmp_path / META_FILE).write_text(json.dumps({**meta, "sklearn_version": "0.1"}), "utf-8")
    assert not saved_is_current(tmp_path, _taxonomy("t-1", slugs))
    (tmp_path / META_FILE).write_text("{not json", "utf-8")
    assert not saved_is_current(tmp_path, _taxonomy("t-1", slugs))
