"""A swimmer plot: one lane per patient, a bar per therapy, markers for the disease states between therapies.

The x axis is the order of therapies, not time: the case reports state only some intervals, each from its own
anchor, and adding them up would invent a time line. Stated intervals are written under the events instead
("+11 mo" after the therapy before; "~2 y 6 mo after diagnosis"). Antigen status is written at every relapse,
"not reported" included, because silence is not a negative finding.

For a large cohort, lanes are pathways instead of patients: patients whose therapies and states follow the same
course share one lane labelled with their number, the most frequent first, and courses of fewer than `min_count`
patients are not drawn.

Drawn with matplotlib's object API (no pyplot), so figures can be made in server threads.

>>> import kg
>>> from kg.clinical.pathways.read import read_pathways
>>> svg = swimmer_svg(read_pathways(kg.default_graph(), "pbc-2021").values())
>>> "relapse 3" in svg and "CD19− CD22+" in svg
True
"""

import io
import textwrap
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from kg.clinical.pathways.colours import FAMILIES, UNKNOWN_FAMILY, family, state_colour
from kg.clinical.pathways.model import (
    DIAGNOSIS,
    MRD_RISE,
    REFRACTORY,
    RELAPSE,
    REMISSION,
    Pathway,
    State,
    Step,
    evidence_note,
    readable_duration,
)

MAX_LANES = 30
# SVG text stays text (searchable, small); a fixed salt keeps clip-path ids, so the same graph gives the same file.
_SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "salvage-kg"}
_SAVING = threading.Lock()  # rcParams are global to the process: server threads take turns setting them
BAR_HALF = 0.17
SLOT_INCHES = 1.35
# Smallest text, in points. The page shows the SVG at its own size (1 pt = 4/3 CSS px), scrolling rather than
# shrinking it, so 8.5 pt is 11.3 px on a desktop and on a phone alike.
SMALLEST_TEXT = 8.5
# The caption and the legend stay within the first screen of a long plot that scrolls sideways.
CAPTION_CHARS = 110
TRANSPLANT_COLOUR = "#6d4c41"

# marker, face colour, edge colour for each kind of state; remissions are filled only when MRD-negative.
_MARKERS = {
    DIAGNOSIS: ("s", state_colour("diagnosis")),
    REMISSION: ("o", state_colour("complete remission, MRD-negative")),
    RELAPSE: ("v", state_colour("relapse")),
    REFRACTORY: ("X", state_colour("refractory")),
    MRD_RISE: ("^", state_colour("rising MRD")),
}


def _marker(state: State) -> dict:
    shape, colour = _MARKERS.get(state.kind, ("o", state_colour("other")))
    face = state_colour(state.category) if state.kind in (REMISSION, RELAPSE) else colour
    if state.kind == REMISSION and state.category.endswith("MRD not reported"):
        face = "#ffffff"  # hollow: remission stated, depth unknown
    return {"marker": shape, "markerfacecolor": face, "markeredgecolor": "#212121", "markersize": 10,
            "markeredgewidth": 0.9, "linestyle": "none", "zorder": 4}


def _state_text(state: State, previous: Step | None, detailed: bool) -> tuple[str, str]:
    """What is written under a marker: the state, then its antigen status or stated interval."""
    first = state.short if state.kind != RELAPSE else f"relapse {state.ordinal or ''}".strip()
    first = first.replace(" MRD-negative", " MRD−").replace(" MRD-positive", " MRD+")
    notes = []
    if state.kind == RELAPSE:
        notes.append(state.antigen_summary or "antigens not reported")
    if detailed:
        for timing in state.timings:
            if previous is not None and timing.anchor == previous.iri:
                notes.append(f"+{timing.short}")
            else:
                notes.append(f"{timing.short} after {timing.anchor_label}")
        if state.duration:
            notes.append(f"lasted {readable_duration(state.duration)}")
    return first, "\n".join(textwrap.fill(note, 24) for note in notes)


def _lanes(pathways: list[Pathway], max_lanes: int, min_count: int) -> tuple[list[tuple[str, Pathway]], str]:
    """(label, pathway drawn) per lane, and a note on what is left out."""
    if len(pathways) <= max_lanes:
        return [(pathway.patient, pathway) for pathway in pathways], ""
    courses = Counter()
    example = {}
    for pathway in pathways:
        key = _course(pathway)
        courses[key] += 1
        example.setdefault(key, pathway)
    ranked = [(key, count) for key, count in courses.most_common() if count >= min_count][:max_lanes]
    shown = sum(count for _, count in ranked)
    lanes = [(f"{count:,} patients ({100 * count / len(pathways):.1f}%)", example[key]) for key, count in ranked]
    note = (f"Lanes are courses shared by patients: the {len(ranked)} most frequent of {len(courses):,} "
            f"({shown:,} of {len(pathways):,} patients); courses of fewer than {min_count} patients are not drawn.")
    return lanes, note


def _course(pathway: Pathway) -> tuple:
    """What makes two patients' lanes look the same: therapies and the states between them, in order."""
    return tuple((step.therapy, tuple(s.short for s in pathway.states_between(step.sequence, _next(pathway, i))))
                 for i, step in enumerate(pathway.steps)) + tuple(s.short for s in pathway.before_first_step)


def _next(pathway: Pathway, index: int) -> int | None:
    return pathway.steps[index + 1].sequence if index + 1 < len(pathway.steps) else None


def _slots(pathway: Pathway) -> list[tuple[float, object]]:
    """(x, event) for every therapy and state in timeline order: each gets one slot, so no label overlaps another."""
    events = sorted([*pathway.steps, *pathway.states], key=lambda event: event.sequence)
    return [(float(slot), event) for slot, event in enumerate(events)]


def swimmer_figure(pathways: Iterable[Pathway], *, max_lanes: int = MAX_LANES, min_count: int = 1,
                   max_length: int | None = None,
                   title: str = "Pathways: therapies and disease states in order") -> Figure:
    """The swimmer plot as a matplotlib Figure; `max_length` keeps each pathway's first N therapies only."""
    pathways = [pathway if max_length is None else pathway.first(max_length) for pathway in pathways
                if pathway.steps]
    lanes, note = _lanes(pathways, max_lanes, min_count)
    detailed = not note  # one lane per patient: stated intervals and administration labels belong to that patient
    if max_length is not None:
        note = f"First {max_length} therapies of each pathway. " + note
    longest = max((len(_slots(pathway)) for _, pathway in lanes), default=1)
    width = 2.2 + SLOT_INCHES * longest
    figure = Figure(figsize=(width, 2.6 + 1.8 * max(len(lanes), 1)), layout="constrained")
    axes = figure.add_subplot()
    families_used = set()
    for row, (_, pathway) in enumerate(lanes):
        families_used |= _draw_lane(axes, pathway, -row, detailed)
    axes.set_yticks([-row for row in range(len(lanes))], [_lane_label(label, pathway, detailed)
                                                           for label, pathway in lanes], fontsize=11)
    axes.set_xticks([])
    axes.set_xlim(-0.55, longest - 0.4)
    axes.set_ylim(-len(lanes) + 0.3, 0.62)
    caption = ["Events in the order the source gives them: not a time scale (the sources state only some "
               "intervals, written under the events; '+11 mo' is the time after the therapy whose bar the event "
               "sits on).", note, evidence_note(step.evidence_level for _, pathway in lanes
                                                 for step in pathway.steps)]
    axes.set_xlabel("\n".join(textwrap.fill(line, min(int(width * 11), CAPTION_CHARS)) for line in caption if line),
                    fontsize=SMALLEST_TEXT + 1, loc="left", color="#424242")
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="y", length=0)
    axes.set_title(title, loc="left", fontsize=13, fontweight="bold")
    if not lanes:
        axes.text(0, 0, "No pathway to draw.", fontsize=11)
    columns = max(2, min(4, int(figure.get_figwidth() / 2.4)))
    figure.legend(handles=_legend(families_used), loc="outside lower left", ncol=columns,
                  fontsize=SMALLEST_TEXT + 1, frameon=False)
    return figure


def _lane_label(label: str, pathway: Pathway, detailed: bool) -> str:
    if not detailed:
        return label
    levels = sorted({step.evidence_level for step in pathway.steps})
    return f"{label}\nevidence: {', '.join(levels)}"


def _draw_lane(axes, pathway: Pathway, y: float, detailed: bool) -> set[str]:
    slots = _slots(pathway)
    therapy_slots = [(x, event) for x, event in slots if isinstance(event, Step)]
    families_used = set()
    previous: Step | None = None
    for x, event in slots:
        if isinstance(event, Step):
            following = next((nx for nx, _ in therapy_slots if nx > x), slots[-1][0] + 1)
            families_used.add(_draw_step(axes, event, x, following, y, detailed))
            previous = event
        else:
            axes.plot([x], [y], **_marker(event))
            _write_under(axes, x, y, *_state_text(event, previous, detailed))
    return families_used


def _draw_step(axes, step: Step, x: float, until: float, y: float, detailed: bool) -> str:
    """A therapy's bar, from its own slot to the next therapy's, over the states it led to."""
    name, colour = family(step.kinds)
    left, right = x - 0.45, until - 0.55
    axes.add_patch(Rectangle((left, y - BAR_HALF), right - left, 2 * BAR_HALF, facecolor=colour,
                             edgecolor="#757575", linewidth=0.8, hatch="///" if step.transplant else None,
                             linestyle="--" if name == UNKNOWN_FAMILY[0] else "-", zorder=2))
    label = step.label if detailed else step.therapy
    axes.text(left + 0.03, y + BAR_HALF + 0.04, textwrap.fill(label, 18), fontsize=SMALLEST_TEXT + 0.5, va="bottom",
              zorder=5)
    if step.transplant:
        axes.plot([x], [y], marker="D", markersize=9, markerfacecolor=TRANSPLANT_COLOUR,
                  markeredgecolor="#ffffff", linestyle="none", zorder=4)
    if detailed:
        notes = [f"{timing.short} after {timing.anchor_label}" for timing in step.timings]
        if notes:
            axes.text(x, y - BAR_HALF - 0.05, "\n".join(textwrap.fill(n, 20) for n in notes), fontsize=SMALLEST_TEXT,
                      ha="center", va="top", color="#424242", zorder=5)
    return name


def _write_under(axes, x: float, y: float, first: str, notes: str) -> None:
    axes.text(x, y - BAR_HALF - 0.05, first, fontsize=SMALLEST_TEXT + 1, ha="center", va="top", fontweight="bold",
              zorder=5)
    if notes:
        axes.text(x, y - BAR_HALF - 0.2, notes, fontsize=SMALLEST_TEXT, ha="center", va="top", color="#424242",
                  zorder=5)


def _legend(families_used: set[str]) -> list:
    def dot(label, **style):
        return Line2D([], [], label=label, **{"linestyle": "none", "markeredgecolor": "#212121", **style})

    handles = [
        dot("diagnosis", marker="s", markerfacecolor=state_colour("diagnosis")),
        dot("CR, MRD-negative", marker="o", markerfacecolor=state_colour("complete remission, MRD-negative")),
        dot("CR, MRD-positive", marker="o", markerfacecolor=state_colour("complete remission, MRD-positive")),
        dot("CR, MRD not reported", marker="o", markerfacecolor="#ffffff"),
        dot("relapse", marker="v", markerfacecolor=state_colour("relapse")),
        dot("antigen-negative relapse", marker="v", markerfacecolor=state_colour("relapse, antigen-negative")),
        dot("refractory", marker="X", markerfacecolor=state_colour("refractory")),
        dot("rising MRD", marker="^", markerfacecolor=state_colour("rising MRD")),
        dot("transplant", marker="D", markerfacecolor=TRANSPLANT_COLOUR, markeredgecolor="#ffffff"),
    ]
    colours = {name: colour for name, _, colour in FAMILIES} | {UNKNOWN_FAMILY[0]: UNKNOWN_FAMILY[1]}
    for name in [name for name, _, _ in FAMILIES] + [UNKNOWN_FAMILY[0]]:
        if name in families_used:
            handles.append(Patch(facecolor=colours[name], edgecolor="#757575", label=name,
                                 hatch="///" if name == FAMILIES[0][0] else None))
    return handles


def save_swimmer(pathways: Iterable[Pathway], path: str | Path, **options) -> Path:
    """Draw and write the swimmer plot; the format follows the file's suffix (.svg, .png, .pdf)."""
    path = Path(path)
    figure = swimmer_figure(pathways, **options)
    with _SAVING, matplotlib.rc_context(_SVG_SETTINGS):
        figure.savefig(path, dpi=110, metadata=_metadata(path.suffix))
    return path


def swimmer_svg(pathways: Iterable[Pathway], **options) -> str:
    """The swimmer plot as SVG text, text kept as text (searchable, small)."""
    buffer = io.StringIO()
    figure = swimmer_figure(pathways, **options)
    with _SAVING, matplotlib.rc_context(_SVG_SETTINGS):
        figure.savefig(buffer, format="svg", metadata=_metadata(".svg"))
    return buffer.getvalue()


def _metadata(suffix: str) -> dict:
    # No creation date: the same graph gives byte-identical pictures.
    return {"Date": None} if suffix in (".svg", ".pdf") else {}
