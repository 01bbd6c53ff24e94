"""The server-drawn charts: round names under the trend never overlap, however many rounds."""

import re

import pytest

from qa_app.reports.charts import CHARACTER_WIDTH, trend_lines


def labels(svg: str) -> list[tuple[float, float, str]]:
    """(x, y, text) of the round names (the text elements below the plot, anchored in the middle)."""
    found = re.findall(r'<text x="([\d.]+)" y="(\d+)" font-size="12" text-anchor="middle">([^<%]*)</text>', svg)
    return [(float(x), float(y), text) for x, y, text in found if float(y) > 230]


@pytest.mark.parametrize("count", [1, 2, 5, 9, 14, 24])
def test_round_names_never_overlap(count):
    points = [{"round": f"Monthly CIN and CP audit: month {n:02d} of the programme", "percent_inadequate": 20.0,
               "percent_good_or_better": 60.0} for n in range(count)]
    placed = labels(trend_lines(points, "Trend"))
    assert len(placed) == count
    for i, (x1, y1, a) in enumerate(placed):
        for x2, y2, b in placed[i + 1:]:
            if y1 == y2:
                assert abs(x2 - x1) >= (len(a) + len(b)) / 2 * CHARACTER_WIDTH, (a, b)
    if count <= 2:
        assert all(len(text) <= 22 for _, _, text in placed)
