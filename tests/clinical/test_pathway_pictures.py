"""The pathway pictures: swimmer plots and Sankey diagrams of the two cases and of a synthetic cohort."""

import re
import xml.etree.ElementTree as ET

import pytest

from kg.clinical.pathways import Options
from kg.clinical.pathways.sankey import MIN_COLUMN_WIDTH, sankey_html, sankey_svg
from kg.clinical.pathways.swimmer import save_swimmer, swimmer_svg

# --- pictures ------------------------------------------------------------------------------------------------------

def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)  # well-formed, or this raises


def test_sankey_svg_draws_every_count_with_its_tooltip(synthetic):
    _, cohort = synthetic
    merged = cohort.transitions(mode="changes", min_count=5, max_length=4)
    svg = sankey_svg(merged)
    root = _svg(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    bands = [path for path in root.iter(namespace + "path")]
    assert len(bands) == sum(len(data["via"]) for *_, data in merged.edges(data=True))
    tooltips = [element.text for element in root.iter(namespace + "title")]
    for node, data in merged.nodes(data=True):
        heading = f"Step {data['step']}: {data['therapy']}\n{data['count']:,} "
        assert any(tip.startswith(heading) for tip in tooltips), node
    assert f"{merged.graph['hidden']:,} patients" in svg


def test_sankey_page_is_self_contained(cohort):
    page = sankey_html(cohort.transitions(mode="changes"))
    assert page.startswith("<!doctype html>") and "<svg" in page
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|href=|url\(|@import", page, re.IGNORECASE)
    assert "NOPHO ALL-2008 protocol → high-risk chemotherapy course" in page  # the table of frequent paths


def test_sankey_band_patients_are_the_patients_the_band_counts(synthetic):
    _, cohort = synthetic
    options = Options(mode="changes", min_count=3, max_length=4)
    merged = cohort.transitions(options)
    assert merged.number_of_edges() > 3
    for source, target, data in merged.edges(data=True):
        patients = cohort.band(source, target, options)
        assert len(patients) == data["count"] == len(set(patients)), (source, target)
    # A band that is not drawn (min_count hides it) lists no one.
    hidden = cohort.transitions(Options(mode="changes", min_count=1, max_length=4))
    rare = [(s, t) for s, t, data in hidden.edges(data=True) if not merged.has_edge(s, t)]
    assert rare and cohort.band(*rare[0], options) == []


@pytest.mark.parametrize("room", [1192, 318, None])
def test_sankey_fits_the_room_it_is_given_without_text_under_11px(synthetic, room):
    """The Sankey was 1,814 px wide inside a 1,240 px frame, steps cut off (issue 17): its columns now narrow to the
    room given, down to a readable width, and its words wrap rather than shrink."""
    _, cohort = synthetic
    merged = cohort.transitions(mode="changes", max_length=7)
    root = _svg(sankey_svg(merged, width=room))
    width = float(root.get("width"))
    steps = max(data["step"] for _, data in merged.nodes(data=True))
    assert width == float(root.get("viewBox").split()[2])  # drawn at its own size
    if room and steps * MIN_COLUMN_WIDTH + 40 <= room:
        assert width <= room
    sizes = [float(text.get("font-size")) for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert min(sizes) >= 11


def test_sankey_says_so_when_everything_is_hidden(cohort):
    assert "No pathway is shared by at least 3 patients" in sankey_svg(cohort.transitions(min_count=3))


def test_swimmer_plot_of_the_two_cases(cohort, tmp_path):
    svg = swimmer_svg(cohort)
    _svg(svg)
    for text in ("pbc-2021", "rascon-2022", "relapse 3", "CD19− CD22+", "CD19, CD22 not reported", "+11 mo",
                 "lasted 2 mo", "not a time scale", "stem cell transplant", "CR4 MRD−"):
        assert text in svg, text
    png = save_swimmer(cohort, tmp_path / "swimmer.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_swimmer_plot_of_a_cohort_draws_shared_courses_not_patients(synthetic):
    _, cohort = synthetic
    svg = swimmer_svg(cohort, max_lanes=6, min_count=5, max_length=2)
    lanes = [int(count.replace(",", "")) for count in re.findall(r">([\d,]+) patients \(", svg)]
    assert 1 <= len(lanes) <= 6 and all(count >= 5 for count in lanes)
    assert lanes == sorted(lanes, reverse=True)
    assert "synth-1-" not in svg  # no patient is named
