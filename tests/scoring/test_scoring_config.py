"""weights.yaml and judgements.yaml: valid files load, bad ones fail in one line naming the key."""

from __future__ import annotations

import pytest
import yaml
from scoring_helpers import REPO

from horizon.config import ConfigError, load_weights
from scoring.judgements import load_judgements


def write(tmp_path, mutate):
    data = yaml.safe_load((REPO / "data/config/weights.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d["axes"]["japan_strength"]["indicators"].update(paper_share=-1), "paper_share"),
        (lambda d: d["axes"]["foreign_activity"]["indicators"].update(papr_share=1), "papr_share"),
        (lambda d: d.pop("composite"), "composite"),
        (lambda d: d["axes"].pop("socioeconomic"), "socioeconomic"),
        (lambda d: d["uncertainty"].update(draws=3), "uncertainty.draws"),
        (lambda d: d["decision"].update(strong_min=2), "strong_min"),
        (lambda d: d.update(normalisation="log"), "normalisation"),
        (lambda d: d["axes"]["socioeconomic"].update(winsorise=["foreign_volume"]), "winsorise"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_bad_weights_fail_in_one_line_naming_the_key(tmp_path, mutate, key):
    with pytest.raises(ConfigError) as err:
        load_weights(write(tmp_path, mutate))
    message = str(err.value)
    assert "\n" not in message
    assert key in message
    assert "weights.yaml" in message


def test_repository_files_load():
    w = load_weights(REPO / "data/config/weights.yaml")
    assert w.home_country == "JP" and w.uncertainty.draws == 1000
    shipped = load_judgements(REPO / "data/config/judgements.yaml", domains=["quantum"])
    assert shipped.judgements == ()  # no placeholder is quoted in rationales and briefings


def test_documented_judgement_example_loads(tmp_path):
    text = (REPO / "docs/methodology.md").read_text(encoding="utf-8")
    section = text.split("## 7. Expert judgements")[1].split("\n## ")[0]
    example = section.split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "judgements.yaml"
    path.write_text(example, encoding="utf-8")
    j = load_judgements(path, domains=["quantum"])
    assert [(x.domain, x.rating, x.adjustment) for x in j.judgements] == [("quantum", "○", 0.05)]


def test_judgement_with_unknown_domain_or_big_adjustment_fails(tmp_path):
    path = tmp_path / "judgements.yaml"
    path.write_text(
        "judgements:\n- {domain: nowhere, analyst: a, date: 2026-01-01, note: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"judgements\.0\.domain: unknown domain 'nowhere'"):
        load_judgements(path, domains=["quantum"])
    path.write_text(
        "judgements:\n- {domain: quantum, analyst: a, date: 2026-01-01, adjustment: 0.5}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"judgements\.0\.adjustment"):
        load_judgements(path)
