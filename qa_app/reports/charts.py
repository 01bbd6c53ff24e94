"""Charts as inline SVG, drawn on the server: no JavaScript, prints cleanly, and every chart on
the page comes with a data table holding the same figures (the chart is for the eye, the table
for screen readers and anyone who needs the numbers)."""

from markupsafe import Markup, escape

# GOV.UK colours, best grade first; each bar segment also carries its number as text.
GRADE_COLOURS = ["#00703c", "#1d70b8", "#f47738", "#d4351c", "#4c2c92", "#505a5f"]
TEXT_ON = ["#ffffff", "#ffffff", "#0b0c0c", "#ffffff", "#ffffff", "#ffffff"]
CHARACTER_WIDTH = 6.5   # the average width of a character at font-size 12, in the SVG's units


def stacked_bars(rows: dict[str, dict[str, int]], title: str, labels: dict[str, str] | None = None) -> Markup:
    """Horizontal 100 % bars, one per row, split by grade (grades in dict order, best first)."""
    if not rows:
        return Markup("")
    labels = labels or {}
    grades = list(next(iter(rows.values())).keys())
    label_width, bar_width, bar_height, gap = 260, 440, 24, 10
    legend_height = 30
    height = legend_height + len(rows) * (bar_height + gap) + 10
    width = label_width + bar_width + 20
    parts = [f'<svg class="app-chart" role="img" aria-labelledby="chart-{_id(title)}" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
             f'<title id="chart-{_id(title)}">{escape(title)} (the same figures are in the table below)</title>']
    x = label_width
    for index, grade in enumerate(grades):
        colour = GRADE_COLOURS[index % len(GRADE_COLOURS)]
        parts.append(f'<rect x="{x}" y="4" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="16" font-size="13">{escape(grade)}</text>')
        x += 24 + 8 * len(grade)
    y = legend_height
    for name, counts in rows.items():
        total = sum(counts.values())
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" font-size="14" text-anchor="end">'
                     f'{escape(_short(labels.get(name, name)))}</text>')
        x = float(label_width)
        for index, grade in enumerate(grades):
            n = counts.get(grade, 0)
            if not total or not n:
                continue
            share = n / total
            w = bar_width * share
            colour = GRADE_COLOURS[index % len(GRADE_COLOURS)]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}">'
                         f'<title>{escape(labels.get(name, name))}: {escape(grade)} {n} ({share:.0%})</title></rect>')
            if w > 34:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 17}" font-size="12" text-anchor="middle" '
                             f'fill="{TEXT_ON[index % len(TEXT_ON)]}">{share:.0%}</text>')
            x += w
        y += bar_height + gap
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_lines(points: list[dict], title: str) -> Markup:
    """% Inadequate and % Good or better per round, as two labelled lines."""
    if not points:
        return Markup("")
    width, height, left, right, top, bottom = 800, 300, 110, 100, 30, 70
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)

    def xy(index: int, value: float | None) -> tuple[float, float]:
        return left + index * step, top + inner_h * (1 - (value or 0) / 100)

    parts = [f'<svg class="app-chart" role="img" aria-labelledby="chart-{_id(title)}" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-{_id(title)}">{escape(title)} (the same figures are in the table below)</title>']
    for tick in (0, 25, 50, 75, 100):
        _, y = xy(0, tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{tick}%</text>')
    series = (("percent_good_or_better", "Good or better", "#00703c", ""),
              ("percent_inadequate", "Inadequate", "#d4351c", ' stroke-dasharray="6 4"'))
    for key, name, colour, dash in series:
        coords = [xy(i, p[key]) for i, p in enumerate(points)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="3"{dash} points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for (x, y), point in zip(coords, points):
            value = point[key]
            # A figure from fewer than 5 audits is drawn hollow and says how many: a 100 % from one
            # audit must not look like a 100 % from fifty.
            small = point.get("small_number", False)
            fill = f'fill="#ffffff" stroke="{colour}" stroke-width="2"' if small else f'fill="{colour}"'
            label = "" if value is None else f"{value:g}%" + (f" (n={point['audits']})" if small else "")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {fill}/>'
                         f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="12" text-anchor="middle">'
                         f'{label}</text>')
    parts.extend(_round_names([point["round"] for point in points], lambda i: xy(i, 0)[0], step, inner_w,
                              height - bottom + 20))
    legend_y = height - 18
    parts.append(f'<line x1="{left}" x2="{left + 30}" y1="{legend_y}" y2="{legend_y}" stroke="#00703c" '
                 f'stroke-width="3"/><text x="{left + 36}" y="{legend_y + 4}" font-size="13">Good or better '
                 f'(solid)</text><line x1="{left + 220}" x2="{left + 250}" y1="{legend_y}" y2="{legend_y}" '
                 f'stroke="#d4351c" stroke-width="3" stroke-dasharray="6 4"/><text x="{left + 256}" '
                 f'y="{legend_y + 4}" font-size="13">Inadequate (dashed)</text>')
    if any(point.get("small_number") for point in points):
        parts.append(f'<circle cx="{left + 436}" cy="{legend_y}" r="5" fill="#ffffff" stroke="#0b0c0c" '
                     f'stroke-width="2"/><text x="{left + 446}" y="{legend_y + 4}" font-size="13">'
                     f'fewer than 5 audits (n shown)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _round_names(names: list[str], x_of, step: float, inner_w: float, y: float) -> list[str]:
    """Round names under their points: on two staggered lines when the points are close, each cut
    to the room it has, so no two names overlap (the full names are in the table below)."""
    staggered = step < 150 and len(names) > 1
    room = (2 * step if staggered else max(step, 150)) if len(names) > 1 else inner_w
    characters = max(6, min(22, int(room / CHARACTER_WIDTH) - 1))
    return [f'<text x="{x_of(index):.1f}" y="{y + (16 if staggered and index % 2 else 0):g}" font-size="12" '
            f'text-anchor="middle">{escape(_short(name, characters))}</text>' for index, name in enumerate(names)]


def percent_yes_trend(rounds: list[str], points: list[dict], title: str) -> Markup:
    """One yes/partly/no question's % Yes per round, as one line over the report's rounds (`rounds`,
    oldest first). `points` (from the report's `compliance_trend`) name their round; a round that
    did not ask the question leaves a gap in the line. A point from fewer than 5 answers is drawn
    hollow and labelled with its number, as in `trend_lines`."""
    by_round = {point["round"]: point for point in points}
    if not by_round:
        return Markup("")
    width, height, left, right, top, bottom = 800, 220, 110, 100, 26, 64
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(rounds) - 1, 1)
    colour = "#1d70b8"

    def xy(index: int, value: float | None) -> tuple[float, float]:
        return left + index * step, top + inner_h * (1 - (value or 0) / 100)

    parts = [f'<svg class="app-chart app-chart--compliance" role="img" aria-labelledby="chart-{_id(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-{_id(title)}">{escape(title)} (the same figures are in the table below)</title>']
    for tick in (0, 50, 100):
        _, y = xy(0, tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{tick}%</text>')
    # The line joins rounds next to each other that both asked the question.
    runs: list[list[tuple[float, float]]] = [[]]
    for index, name in enumerate(rounds):
        point = by_round.get(name)
        if point is None or point["percent_yes"] is None:
            runs.append([])
            continue
        runs[-1].append(xy(index, point["percent_yes"]))
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="3" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in run) + '"/>')
    for index, name in enumerate(rounds):
        point = by_round.get(name)
        if point is None or point["percent_yes"] is None:
            continue
        x, y = xy(index, point["percent_yes"])
        small = point.get("small_number", False)
        fill = f'fill="#ffffff" stroke="{colour}" stroke-width="2"' if small else f'fill="{colour}"'
        label = f"{point['percent_yes']:g}%" + (f" (n={point['answers']})" if small else "")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {fill}/>'
                     f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="12" text-anchor="middle">{label}</text>')
    parts.extend(_round_names(rounds, lambda i: xy(i, 0)[0], step, inner_w, height - bottom + 20))
    legend_y = height - 12
    parts.append(f'<line x1="{left}" x2="{left + 30}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" '
                 f'stroke-width="3"/><text x="{left + 36}" y="{legend_y + 4}" font-size="13">% Yes</text>')
    if any(point.get("small_number") for point in points):
        parts.append(f'<circle cx="{left + 116}" cy="{legend_y}" r="5" fill="#ffffff" stroke="#0b0c0c" '
                     f'stroke-width="2"/><text x="{left + 126}" y="{legend_y + 4}" font-size="13">'
                     f'fewer than 5 audits (n shown)</text>')
    if len(rounds) > 1 and any(name not in by_round for name in rounds):
        parts.append(f'<text x="{left + 400}" y="{legend_y + 4}" font-size="13">'
                     f'a gap: not asked in that round</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def compliance_trend_charts(report: dict) -> dict[str, Markup]:
    """question key → its `percent_yes_trend` chart, for every question in the report's
    `compliance_trend` (the page and the board pack draw the same charts)."""
    rounds = [point["round"] for point in report.get("trend", [])]
    return {key: percent_yes_trend(rounds, series["rounds"], f"% Yes across rounds: {series['question']}")
            for key, series in report.get("compliance_trend", {}).items()}


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _id(title: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower())
