"""Config loaders: good files load, bad ones give one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from horizon.config import ConfigError, config_hashes, load_sources, load_taxonomy, load_weights
from horizon.config.taxonomy import DOMAIN_SLUGS

REPO = Path(__file__).resolve().parents[2]


def test_committed_taxonomy_has_the_20_areas_in_order():
    taxonomy = load_taxonomy(REPO / "data/config/taxonomy.yaml")
    assert tuple(taxonomy.slugs) == DOMAIN_SLUGS
    assert taxonomy.domain("quantum").label_ja == "量子情報科学"
    with pytest.raises(KeyError, match="unknown domain"):
        taxonomy.domain("warp_drive")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _minimal(**domain_over) -> dict:
    domains = []
    for slug in DOMAIN_SLUGS:
        d = {
            "slug": slug,
            "label_en": slug,
            "label_ja": slug,
            "subtechs": [
                {"slug": f"{slug}_x", "label_en": "x", "label_ja": "x", "terms": {"en": ["x"]}}
            ],
        }
        domains.append(d)
    domains[0].update(domain_over)
    return {"version": "t", "domains": domains}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: [unclosed", "invalid YAML"),
        (
            "version: a\nversion: b\ndomains: []",
            "line 2, column 1: invalid YAML: duplicate key 'version'",
        ),
        ("- just a list", "expected a mapping"),
        (yaml.safe_dump({"domains": []}), "version: Field required"),
        (yaml.safe_dump(_minimal(slug="Bad Slug")), "domains.0.slug"),
        (
            yaml.safe_dump(_minimal(colour="red")),
            "domains.0.colour: Extra inputs are not permitted",
        ),
        (yaml.safe_dump(_minimal(subtechs=[])), "domains.0.subtechs"),
    ],
)
def test_bad_taxonomy_gives_one_line_error(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_taxonomy(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_taxonomy_requires_the_official_areas(tmp_path):
    doc = _minimal()
    doc["domains"] = doc["domains"][1:]
    path = _write(tmp_path, yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"missing \['biotech'\]"):
        load_taxonomy(path)
    assert len(load_taxonomy(path, require_japan_20=False).domains) == 19


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_committed_sources_and_weights_load():
    sources = load_sources(REPO / "data/config/sources.yaml")
    assert sources.enabled()
    weights = load_weights(REPO / "data/config/weights.yaml")
    assert set(weights.axes) == {"japan_strength", "foreign_activity", "socioeconomic"}


def test_config_hashes_cover_every_file(tmp_path):
    (tmp_path / "a.yaml").write_text("a: 1")
    (tmp_path / "b.yaml").write_text("b: 2")
    hashes = config_hashes(tmp_path)
    assert sorted(hashes) == ["a.yaml", "b.yaml"]
    (tmp_path / "a.yaml").write_text("a: 2")
    assert config_hashes(tmp_path)["a.yaml"] != hashes["a.yaml"]
