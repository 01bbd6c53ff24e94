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


def test_percent_yes_trend_leaves_a_gap_where_a_round_did_not_ask_the_question():
    from qa_app.reports.charts import percent_yes_trend

    rounds = ["April", "May", "June", "July"]
    points = [{"round": "April", "answers": 12, "percent_yes": 50.0, "small_number": False},
              {"round": "May", "answers": 10, "percent_yes": 70.0, "small_number": False},
              {"round": "July", "answers": 2, "percent_yes": 100.0, "small_number": True}]
    svg = str(percent_yes_trend(rounds, points, "Seen alone"))
    lines = re.findall(r'<polyline [^>]*points="([^"]*)"', svg)
    assert len(lines) == 1 and len(lines[0].split()) == 2          # April–May joined; June missing, July alone
    assert svg.count('r="5"') == 4                                  # three rounds' points and the legend's hollow one
    assert ">100% (n=2)<" in svg and ">70%<" in svg and "70% (n=" not in svg
    assert "a gap: not asked in that round" in svg and "fewer than 5 audits (n shown)" in svg
    assert all(f'text-anchor="middle">{name}</text>' in svg for name in rounds)   # June named, with no point
    assert percent_yes_trend(rounds, [], "Nothing") == ""
