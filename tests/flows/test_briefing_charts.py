"""The report's SVG charts: labels that never overlap, legends, sparklines and trends."""

from __future__ import annotations

import random
import re

import pandas as pd

from flows.briefing_charts import (
    place_label,
    quadrant_svg,
    sparkline_svg,
    text_width,
    trend_svg,
)

AXES = {"japan_strength": "日本の技術的強み", "foreign_activity": "諸外国の研究開発状況"}
CLASSES = {"protect": "守る", "nurture": "育てる", "monitor": "注視"}


def crowded_list(n: int = 20, seed: int = 3) -> pd.DataFrame:
    """`n` domains, most crowded into the lower-left quarter (as the demo's list is)."""
    rng = random.Random(seed)
    return pd.DataFrame(
        [
            {"domain": f"d{i}", "domain_label": f"技術領域その{i}", "class": rng.choice(list(CLASSES)),
             "class_label": "区分", "rank": float(i + 1),
             "japan_strength_score": rng.uniform(0.0, 0.35), "foreign_activity_score": rng.uniform(0.1, 0.5),
             "socioeconomic_score": rng.uniform(0, 1)}
            for i in range(n)
        ]
    )  # fmt: skip


def label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """The box each label of a chart takes (11 px text, as drawn)."""
    boxes = []
    for x, y, anchor, text in re.findall(
        r'<text class="label" x="([\d.]+)" y="([\d.]+)" font-size="11" text-anchor="(\w+)">([^<]*)<',
        svg,
    ):
        w = text_width(text, 11)
        left = {"start": float(x), "end": float(x) - w, "middle": float(x) - w / 2}[anchor]
        boxes.append((left, float(y) - 8.8, left + w, float(y) + 2.2))
    return boxes


def test_quadrant_labels_never_overlap_and_every_point_gets_its_rank():
    svg = quadrant_svg(crowded_list(), AXES, CLASSES, "円の大きさ: 社会経済の動向")
    boxes = label_boxes(svg)
    assert len(boxes) == 20 == svg.count('class="point"')
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    ranks = re.findall(r'<text class="label"[^>]*>#(\d+)', svg)
    assert sorted(map(int, ranks)) == list(range(1, 21))  # integers, never "#1.0"
    legend = re.search(r'<g class="legend">.*?</g>', svg).group(0)
    assert all(name in legend for name in CLASSES.values())


def test_place_label_refuses_a_spot_that_is_taken_or_outside():
    taken = [(0.0, 0.0, 100.0, 100.0)]
    assert place_label(50, 50, 5, 20, 10, taken, (0, 0, 100, 100)) is None
    spot = place_label(50, 50, 5, 20, 10, [], (0, 0, 100, 100))
    assert spot == (58, 50 + 10 / 3, "start")  # right of the point first


def test_sparkline_and_trend_draw_their_values():
    spark = sparkline_svg([0, 2, 4])
    points = re.search(r'points="([^"]+)"', spark).group(1).split()
    assert points == ["2.0,20.0", "60.0,11.0", "118.0,2.0"]  # zero at the bottom, max at the top
    assert 'cx="118.0" cy="2.0"' in spark  # the latest week marked
    assert sparkline_svg([]) == ""
    trend = trend_svg([2020, 2022], [1.0, 3.0], (2020, 2022), "件/年")
    assert "2020" in trend and "2022" in trend and "件/年 max 3.0" in trend
