"""A Sankey diagram of merged pathways, drawn as plain SVG: no JavaScript, no fonts or files to fetch.

Columns are steps (first therapy, second, ...), a node is a therapy at a step, its height the number of patients.
What goes past TreatmentPatterns' Sankey is colour: a node is split by the disease state the therapy produced
(green remission, red relapse, ...) and a band between two therapies is coloured by the state the next therapy
was given in, so "refractory after blinatumomab, then CAR-T" reads off the picture. Every node and band carries
a tooltip with its counts, percentages and sources. Counts below the graph's `min_count` are never drawn.

>>> import kg
>>> from kg.clinical.pathways.graphs import transition_graph
>>> from kg.clinical.pathways.read import read_pathways
>>> svg = sankey_svg(transition_graph(read_pathways(kg.default_graph()).values()))
>>> svg.startswith("<svg") and "inotuzumab ozogamicin" in svg
True
"""

import textwrap
from html import escape

import networkx as nx

from kg.clinical.pathways.colours import state_colour, state_rank
from kg.clinical.pathways.model import evidence_note

NODE_WIDTH = 14
COLUMN_WIDTH = 250     # the widest a step's column gets
MIN_COLUMN_WIDTH = 140  # and the narrowest: a narrower screen scrolls sideways rather than shrink the text
NODE_GAP = 60          # room for a node's label: the therapy in up to three lines, then its count
PLOT_HEIGHT = 560
MAX_PIXELS_PER_PATIENT = 36
MARGIN_LEFT = 24
LEGEND_INDENT = 110  # the legend's entries start right of its heading
# Average advance of a character, to wrap text into the room it has (DejaVu Sans, the widest of the fonts named).
CHAR_PX = {12: 6.9, 13: 7.5, "bold12": 7.6}
MODE_WORDS = {"all": "every therapy given", "changes": "repeats of a therapy in a row counted once",
              "first": "each therapy at its first use only"}
FONT = "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif"


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _per(count: int, percent: float) -> str:
    return f"{count:,} ({percent:g}%)"


def layout(graph: nx.DiGraph, column_width: float = COLUMN_WIDTH, top: float = 150) -> tuple[dict[str, dict], float]:
    """Node boxes {node: {x, y, height}} and pixels per patient; columns top-aligned, ordered to limit crossings."""
    columns: dict[int, list[str]] = {}
    for node, data in graph.nodes(data=True):
        columns.setdefault(data["step"], []).append(node)
    if not columns:
        return {}, 0.0
    busiest = max(len(nodes) for nodes in columns.values())
    tallest = max(sum(graph.nodes[node]["count"] for node in nodes) for nodes in columns.values())
    scale = min(MAX_PIXELS_PER_PATIENT, (PLOT_HEIGHT - NODE_GAP * (busiest - 1)) / tallest)
    boxes: dict[str, dict] = {}
    for step in sorted(columns):
        def weight(node, step=step):
            # barycentre of the nodes feeding this one, so bands cross as little as they can; then the larger first
            sources = [(boxes[source]["y"], data["count"]) for source, _, data in graph.in_edges(node, data=True)
                       if source in boxes]
            centre = sum(y * n for y, n in sources) / sum(n for _, n in sources) if sources else 0.0
            return centre, -graph.nodes[node]["count"], node

        y = top
        for node in sorted(columns[step], key=weight):
            height = max(2.0, graph.nodes[node]["count"] * scale)
            boxes[node] = {"x": MARGIN_LEFT + (step - 1) * column_width, "y": y, "height": height}
            y += height + NODE_GAP
    return boxes, scale


def _band(x0: float, y0: float, x1: float, y1: float, height: float) -> str:
    middle = (x0 + x1) / 2
    return (f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
            f"L{x1:.1f},{y1 + height:.1f} C{middle:.1f},{y1 + height:.1f} {middle:.1f},{y0 + height:.1f} "
            f"{x0:.1f},{y0 + height:.1f} Z")


def _stack(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (state_rank(item[0]), item[0]))


def _summary(meta: dict) -> list[str]:
    """The two lines under the title: who is counted and how, then how to read the picture."""
    options = MODE_WORDS.get(meta.get("mode", "all"), "")
    if meta.get("max_length"):
        options += f", first {meta['max_length']} steps"
    minimum = meta.get("min_count", 1)
    hidden = ("every pathway shown" if minimum == 1 else
              f"pathways of fewer than {minimum} patients hidden: {meta.get('hidden', 0):,} patients")
    return [f"{meta.get('patients', 0):,} patients with at least one therapy (percentages are of all of them) · "
            f"{options} · {hidden}",
            "Node: a therapy at that step, split by the state it produced. Band: patients moving on, coloured by "
            "the state the next therapy was given in. Hover for counts and sources."]


def column_width(steps: int, room: float | None) -> float:
    """How wide each step's column is: as wide as fits the room given (a page's width), within readable limits."""
    if not room:
        return COLUMN_WIDTH
    return max(MIN_COLUMN_WIDTH, min(COLUMN_WIDTH, (room - MARGIN_LEFT - 16) / max(steps, 1)))


def _wrap(text: str, room: float, char_px: float) -> list[str]:
    # A word longer than the room stays whole (a name cut in two reads worse than one running a little over).
    return textwrap.wrap(text, max(12, int(room / char_px)), break_on_hyphens=False, break_long_words=False) or [""]


def sankey_svg(graph: nx.DiGraph, title: str = "Treatment pathways", width: float | None = None) -> str:
    """The merged pathway graph (kg.clinical.pathways.graphs.transition_graph) as a standalone SVG document;
    `width` is the room it has (a page's frame, in pixels): its columns narrow down to MIN_COLUMN_WIDTH to fit, and
    its text wraps rather than shrinks (no text under 11 px at its own size)."""
    meta = graph.graph
    steps = max((data["step"] for _, data in graph.nodes(data=True)), default=0)
    column = column_width(steps, width)
    room = width
    width = MARGIN_LEFT + max(steps, 1) * column + 16
    # Words wrap to the room given (a phone's frame), not to the columns, which may scroll past it.
    text_width = min(width, room) if room else width
    summary = [line for paragraph in _summary(meta)
               for line in _wrap(paragraph, text_width - 2 * MARGIN_LEFT, CHAR_PX[12])]
    header_y = 54 + 18 * len(summary) + 14
    boxes, scale = layout(graph, column, top=header_y + 66)
    bottom = max((box["y"] + box["height"] for box in boxes.values()), default=header_y + 80)
    used = sorted({category for _, data in graph.nodes(data=True) for category in data["outcomes"]}
                  | {category for *_, data in graph.edges(data=True) for category in data["via"]}, key=state_rank)
    legend_column = 40 + CHAR_PX[12] * max((len(category) for category in used), default=10)
    # Beside its heading where there is room, else under it (a phone).
    legend_left = LEGEND_INDENT if text_width - MARGIN_LEFT - LEGEND_INDENT >= legend_column else 0
    per_row = max(1, min(4, int((text_width - MARGIN_LEFT - legend_left) // legend_column)))
    legend_rows = (len(used) + per_row - 1) // per_row + (0 if legend_left else 1)
    note = _wrap(evidence_note(meta.get("evidence_levels", ())), text_width - 2 * MARGIN_LEFT, 6.4)
    height = bottom + 60 + legend_rows * 20 + 24 + 16 * len(note)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{_attr(title)}" '
           f'style="{FONT}; background: #ffffff">',
           f"<title>{escape(title)}</title>",
           '<style>text { fill: #212121; } .muted { fill: #616161; }</style>',
           f'<text x="{MARGIN_LEFT}" y="30" font-size="20" font-weight="bold">{escape(title)}</text>']
    for index, line in enumerate(summary):
        out.append(f'<text x="{MARGIN_LEFT}" y="{54 + 18 * index}" font-size="12" class="muted">{escape(line)}</text>')
    for step in range(1, steps + 1):
        out.append(f'<text x="{MARGIN_LEFT + (step - 1) * column:.0f}" y="{header_y}" font-size="13" '
                   f'font-weight="bold">{_ordinal(step)} therapy</text>')
    if not boxes:
        out.append(f'<text x="{MARGIN_LEFT}" y="{header_y + 20}" font-size="14">No pathway is shared by at least '
                   f"{meta.get('min_count', 1)} patients.</text>")

    out.append('<g fill-opacity="0.5">')
    out += _bands(graph, boxes, scale)
    out.append("</g>")
    for node, box in boxes.items():
        out += _node(graph, node, box, column)
    out += _legend(used, bottom + 40, per_row, legend_column, legend_left)
    for index, line in enumerate(note):
        y = height - 16 * (len(note) - index)
        out.append(f'<text x="{MARGIN_LEFT}" y="{y:.0f}" font-size="11" class="muted">{escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _bands(graph: nx.DiGraph, boxes: dict, scale: float) -> list[str]:
    out = []
    leaving = {node: box["y"] for node, box in boxes.items()}
    arriving = dict(leaving)
    # Bands leave a node in the order of their targets and reach it in the order of their sources: no self-crossing.
    edges = sorted(graph.edges(data=True), key=lambda e: (boxes[e[0]]["y"], boxes[e[1]]["y"]))
    by_target = sorted(edges, key=lambda e: (boxes[e[1]]["y"], boxes[e[0]]["y"]))
    arrival_y = {}
    for source, target, data in by_target:
        arrival_y[(source, target)] = arriving[target]
        arriving[target] += data["count"] * scale
    for source, target, data in edges:
        x0 = boxes[source]["x"] + NODE_WIDTH
        x1 = boxes[target]["x"]
        y0, y1 = leaving[source], arrival_y[(source, target)]
        for category, count in _stack(data["via"]):
            thickness = count * scale
            tip = (f"{graph.nodes[source]['therapy']} → {graph.nodes[target]['therapy']}\n"
                   f"{_per(data['count'], data['percent'])} of the cohort; {data['share']:g}% of those at step "
                   f"{graph.nodes[source]['step']}\n"
                   f"given in: {category} ({count:,})")
            # Which band it is, for a page that lists the band's patients on a click (/pathways/band).
            out.append(f'<path class="band" data-source="{_attr(source)}" data-target="{_attr(target)}" '
                       f'd="{_band(x0, y0, x1, y1, thickness)}" fill="{state_colour(category)}">'
                       f"<title>{escape(tip)}</title></path>")
            y0 += thickness
            y1 += thickness
        leaving[source] = y0
    return out


def _node(graph: nx.DiGraph, node: str, box: dict, column: float) -> list[str]:
    data = graph.nodes[node]
    x, y = box["x"], box["y"]
    sources = "; ".join(f"{s['citation']} (evidence {s['evidence_level'] or 'mixed'}, {s['count']:,})"
                        for s in data["sources"])
    produced = ", ".join(f"{category} {count:,}" for category, count in _stack(data["outcomes"]))
    tip = (f"Step {data['step']}: {data['therapy']}\n{_per(data['count'], data['percent'])} of the cohort\n"
           f"produced: {produced}\nno further step shown: {data['ends']:,}\nsources: {sources}")
    out = [f"<g><title>{escape(tip)}</title>"]
    segment_y = y
    for category, count in _stack(data["outcomes"]):
        segment = box["height"] * count / data["count"]
        out.append(f'<rect x="{x:.1f}" y="{segment_y:.1f}" width="{NODE_WIDTH}" height="{max(segment, 1):.1f}" '
                   f'fill="{state_colour(category)}"/>')
        segment_y += segment
    out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_WIDTH}" height="{box["height"]:.1f}" fill="none" '
               'stroke="#212121" stroke-width="0.8"/>')
    # Labels sit in the gap above their node, drawn twice (white halo, then ink) to stay legible over bands; a long
    # therapy name takes three lines of its column, then is cut (the tooltip has it whole).
    lines = _wrap(data["therapy"], column - 16, CHAR_PX["bold12"])
    lines = lines[:2] + [_shorten(" ".join(lines[2:]), len(lines[2]))] if len(lines) > 3 else lines
    for index, line in enumerate(lines):
        out += _text(x, y - 19 - 13 * (len(lines) - 1 - index), line, 'font-size="12" font-weight="bold"')
    out += _text(x, y - 6, _per(data["count"], data["percent"]), 'font-size="11"', colour="#616161")
    out.append("</g>")
    return out


def _text(x: float, y: float, text: str, style: str, colour: str = "#212121") -> list[str]:
    halo = f'<text x="{x:.1f}" y="{y:.1f}" {style} fill="#ffffff" stroke="#ffffff" stroke-width="3" ' \
           f'stroke-linejoin="round">{escape(text)}</text>'
    return [halo, f'<text x="{x:.1f}" y="{y:.1f}" {style} fill="{colour}">{escape(text)}</text>']


def _legend(categories: list[str], top: float, per_row: int, column_width: float, left: float) -> list[str]:
    out = [f'<text x="{MARGIN_LEFT}" y="{top:.0f}" font-size="12" font-weight="bold">Disease state</text>']
    first_row = top - 11 + (0 if left else 20)
    for index, category in enumerate(categories):
        row, column = divmod(index, per_row)
        x = round(MARGIN_LEFT + left + column * column_width)
        y = first_row + row * 20
        out.append(f'<rect x="{x}" y="{y:.0f}" width="14" height="14" fill="{state_colour(category)}"/>')
        out.append(f'<text x="{x + 20}" y="{y + 11:.0f}" font-size="12">{escape(category)}</text>')
    return out


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _shorten(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


BODY_MARGIN = 24


def sankey_html(graph: nx.DiGraph, title: str = "Treatment pathways", width: float | None = None) -> str:
    """A self-contained HTML page: the Sankey inline (fitted to `width` pixels where given), then the most frequent
    pathways as a table."""
    rows = "\n".join(
        f"<tr><td>{' → '.join(escape(step) for step in path['path'])}</td><td>{path['count']:,}</td>"
        f"<td>{path['percent']:g}%</td></tr>"
        for path in graph.graph.get("paths", [])[:20]
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>
  body {{ {FONT}; margin: {BODY_MARGIN}px; color: #212121; }}
  svg {{ display: block; }}
  .scroll {{ overflow-x: auto; }}
  table {{ border-collapse: collapse; margin-top: 16px; }}
  td, th {{ border-bottom: 1px solid #e0e0e0; padding: 4px 10px; text-align: left; font-size: 13px; }}
  td + td, th + th {{ text-align: right; }}
</style>
</head>
<body>
<div class="scroll">
{sankey_svg(graph, title, width - 2 * BODY_MARGIN if width else None)}
</div>
<h2>Most frequent pathways</h2>
<table>
<tr><th>therapies in order</th><th>patients</th><th>of the cohort</th></tr>
{rows}
</table>
<p>{escape(evidence_note(graph.graph.get("evidence_levels", ())))}</p>
</body>
</html>
"""
