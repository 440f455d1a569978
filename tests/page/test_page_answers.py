"""The page as a clinician uses it every day (issue 17), in a real browser at 1440 px and on a 390 px phone:
answers people read (labels, sorting, filtering, a choice of columns, the answer in the address), a search that
finds what clinicians type, pickers and refusals in the names the answers use, the Sankey readable inside its
frame, and an about view. Screenshots go where tests/browser_helpers.py says ($SALVAGE_KG_ARTEFACTS)."""

import re
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import browser_helpers
import httpx
import pytest
from browser_helpers import DESKTOP_1440, PHONE_390, besides_pathways_being_read, run_question

import kg
from kg.clinical.pathways import Cohort
from kg.clinical.pathways.options import Options, steps_of
from kg.namespaces import PREFIXES

browser, visit = browser_helpers.browser, browser_helpers.visit  # cohort_server: tests/page/conftest.py
WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP_1440, PHONE_390], ids=["1440", "390"])
SPARQL_JSON = {"Accept": "application/sparql-results+json"}

# The smallest font size of any element with text of its own inside the given root.
SMALLEST_TEXT = """root => Math.min(...[...root.querySelectorAll('*')]
    .filter(node => [...node.childNodes].some(child => child.nodeType === 3 && child.textContent.trim()))
    .filter(node => node.getClientRects().length)
    .map(node => parseFloat(getComputedStyle(node).fontSize)))"""


def address_of(page) -> str:
    # Read from the page itself: Playwright learns of history.replaceState only a moment later.
    return page.evaluate("location.href")


def on_phone(viewport) -> bool:
    return viewport["width"] < 600


def shown_rows(card):
    return card.locator(".answer tbody tr:not([hidden])")


def column_texts(card, heading: str) -> list[str]:
    """The text of one column in the visible rows, by its heading (as stacked cards show it too)."""
    return card.evaluate("""(card, heading) => [...card.querySelectorAll('.answer tbody tr:not([hidden])')]
        .map(row => row.querySelector(`td[data-column="${heading}"]`)?.textContent ?? '')""", heading)


def sort_by(page, card, heading: str, viewport, descending=False):
    """Sort as a reader would: by clicking the column's header on a desktop, with the Sort by box on a phone."""
    if on_phone(viewport):
        label = f"{heading} {'↓' if descending else '↑'}"
        card.locator(".table-controls select").select_option(label=label)
        return
    wanted = "descending" if descending else "ascending"
    for _ in range(2):  # a click sorts ascending, the next one descending
        header = card.locator("thead th", has=page.locator("button", has_text=re.compile(rf"^{re.escape(heading)}\b")))
        if header.get_attribute("aria-sort") == wanted:
            return
        header.locator("button").click()
    assert header.get_attribute("aria-sort") == wanted


# --- answers people read --------------------------------------------------------------------------------------------

def test_clinical_questions_come_first_and_internal_readers_apart(visit, http):
    """The catalogue was listed in file-name order with the internal pathway-* readers among the clinical
    questions (issue 17)."""
    page = visit(viewport=DESKTOP_1440).page
    listed = page.locator("#question-list > .question").evaluate_all("cards => cards.map(card => card.id)")
    internal = [q["name"] for q in http.get("/questions").json() if "internal" in q["tags"]]
    assert {"pathway-steps", "pathway-states", "pathway-timings"} <= set(internal)
    assert listed[0] == "question-salvage-options"
    assert not any(name.startswith("question-pathway-") for name in listed)
    readers = page.locator("#internal-questions")
    assert readers.get_attribute("open") is None
    assert sorted(readers.locator(".question").evaluate_all("cards => cards.map(card => card.id)")) == sorted(
        f"question-{name}" for name in internal)


@WIDTHS
def test_answers_show_labels_outcomes_first_and_identifiers_that_paste_into_sparql(visit, http, viewport):
    """Answers were tables of IRIs first, outcomes 2,149 px to the right, and identifiers such as
    patient:pbc-2021/relapse-3 that are not SPARQL when pasted back (issue 17)."""
    seen = visit(viewport=viewport)
    page = seen.page
    card, rows = run_question(page, "responses-to-therapy")
    headings = card.locator("thead th").all_text_contents()
    # What the row is about, then what happened, well before the sources.
    assert headings[:2] == ["patient", "administration"], headings
    assert headings.index("response") <= 4 and headings.index("response") < headings.index("citation"), headings
    assert not any("(IRI)" in heading for heading in headings)
    assert "https://" not in card.locator("tbody").inner_text()
    asked = parse_qs(urlsplit(address_of(page)).query)["therapy"][0]
    answer = http.get("/questions/responses-to-therapy", params={"therapy": asked}).json()["rows"]
    assert column_texts(card, "response") == [row["response_label"] or "" for row in answer]
    # The identifier behind a label is its tooltip, and one tick away as a column, in a form SPARQL reads.
    term = rows.first.locator('td[data-column="administration"]').get_attribute("title")
    assert term.startswith("<https://") and term.endswith(">")
    card.locator(".column-chooser summary").click()
    card.locator(".column-choice", has_text="administration (IRI)").locator("input").check()
    shown = card.locator('tbody td[data-column="administration (IRI)"] code').first.inner_text()
    assert shown == term
    query = f"SELECT ?label WHERE {{ {shown} <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    answer = http.post("/sparql", data={"query": query}, headers=SPARQL_JSON).json()["results"]["bindings"]
    assert [row["label"]["value"] for row in answer] == [rows.first.locator(
        'td[data-column="administration"]').inner_text()]
    # An antigen is written as a prefixed name the editor's example declares.
    antigen = http.get("/questions/antigen-status-at-relapse").json()
    assert antigen["rows"]
    assert page.evaluate("iri => import('/static/dom.js').then(m => m.sparqlTerm(iri))",
                         f"{PREFIXES['sk']}CD19") == "sk:CD19"
    assert page.evaluate("root => root.scrollWidth", page.locator("html").element_handle()) <= viewport["width"]
    assert card.evaluate(SMALLEST_TEXT) >= 11
    seen.screenshot(f"answer-labels-{viewport['width']}")
    assert seen.errors == []


@WIDTHS
def test_sorting_a_column_changes_the_row_order(visit, viewport):
    seen = visit(viewport=viewport)
    page = seen.page
    card, _ = run_question(page, "study-results")
    before = column_texts(card, "rate percent")
    rates = [float(text) for text in before if text]
    assert len(set(rates)) > 2 and rates != sorted(rates), "the answer does not come sorted by rate"
    sort_by(page, card, "rate percent", viewport)
    ascending = [float(text) for text in column_texts(card, "rate percent") if text]
    assert ascending == sorted(rates)
    assert column_texts(card, "rate percent")[-1] == "" or "" not in before  # rows without a rate go last
    sort_by(page, card, "rate percent", viewport, descending=True)
    assert [float(text) for text in column_texts(card, "rate percent") if text] == sorted(rates, reverse=True)
    assert "sort=-rate_percent" in address_of(page)
    seen.screenshot(f"answer-sorted-{viewport['width']}")
    assert seen.errors == []


@WIDTHS
def test_filter_hides_rows_that_do_not_match(visit, http, viewport):
    seen = visit(viewport=viewport)
    page = seen.page
    card, rows = run_question(page, "antigen-status-at-relapse")
    every = http.get("/questions/antigen-status-at-relapse").json()["rows"]
    assert rows.count() == len(every)
    card.get_by_label("Filter rows").fill("cd22 POS")  # case, spacing and a cut-short word as people type them
    expected = [row for row in every if row["antigen_label"] == "CD22" and row["status_label"] == "positive"]
    assert 0 < len(expected) < len(every)
    assert shown_rows(card).count() == len(expected)
    assert f"{len(expected)} of {len(every)} rows match" in card.locator(".filter-status").inner_text()
    card.get_by_label("Filter rows").fill("")
    assert shown_rows(card).count() == len(every)
    assert seen.errors == []


def test_columns_can_be_hidden_and_shown(visit):
    seen = visit(viewport=DESKTOP_1440)
    card, _ = run_question(seen.page, "responses-to-therapy")
    assert "citation" in card.locator("thead th").all_text_contents()
    card.locator(".column-chooser summary").click()
    card.locator(".column-choice", has_text=re.compile(r"^\s*citation$")).locator("input").uncheck()
    assert "citation" not in card.locator("thead th").all_text_contents()
    assert "citation" not in parse_qs(urlsplit(address_of(seen.page)).query)["columns"][0].split(",")
    assert seen.errors == []


@WIDTHS
def test_the_address_restores_the_answer(visit, viewport):
    """Running a question did not change the address, so an answer could not be shared (issue 17): the question,
    its parameters, the page and the table's sort, filter and columns now travel in it."""
    first = visit(viewport=viewport)
    page = first.page
    card = page.locator("#question-relapses-after-therapy")
    card.locator("summary").click()
    card.locator("select[name=modality]").select_option(label="CAR-T cell product")
    card.get_by_role("button", name="Run").click()
    shown_rows(card).first.wait_for()
    sort_by(page, card, "patient", viewport, descending=True)
    card.get_by_label("Filter rows").fill("relapse")
    address = address_of(page)
    query = parse_qs(urlsplit(address).query)
    assert query["question"] == ["relapses-after-therapy"] and query["modality"] == ["sk:CARTProduct"]
    assert query["sort"] == ["-patient"] and query["filter"] == ["relapse"]
    answer = card.locator(".answer tbody").inner_text()

    again = visit(address.replace(address.split("/?")[0], ""), viewport=viewport)
    restored = again.page.locator("#question-relapses-after-therapy")
    shown_rows(restored).first.wait_for()
    assert restored.get_attribute("open") is not None
    assert restored.locator("select[name=modality]").input_value() == "sk:CARTProduct"
    assert restored.get_by_label("Filter rows").input_value() == "relapse"
    assert restored.locator(".answer tbody").inner_text() == answer
    assert address_of(again.page) == address
    again.screenshot(f"answer-restored-{viewport['width']}")
    assert first.errors == [] and again.errors == []


def test_the_address_holds_the_page_of_a_long_answer(browser, cohort_server):
    whole = httpx.get(f"{cohort_server.url}/questions/pathway-steps", params={"limit": 10000}).json()["rows"]
    seen = browser_helpers.Visit(browser, f"{cohort_server.url}/?question=pathway-steps&offset=100", DESKTOP_1440)
    try:
        card = seen.page.locator("#question-pathway-steps")
        card.locator(".answer tbody tr").first.wait_for()
        assert card.locator(".answer .status").first.inner_text().startswith(f"rows 101–{len(whole)}")
        assert besides_pathways_being_read(seen.errors) == []
    finally:
        seen.close()


def test_next_page_follows_the_key_of_an_answer_ordered_by_patient(browser, cohort_server):
    """pathway-steps is keyed by patient: its Next page asks `after=` the key the answer gave, one query for the next
    patients, not `offset=` (which costs the whole answer up to it at 100,000 patients)."""
    whole = httpx.get(f"{cohort_server.url}/questions/pathway-steps", params={"limit": 10000}).json()["rows"]
    first = httpx.get(f"{cohort_server.url}/questions/pathway-steps").json()
    assert len(whole) > 100 and first["page"]["next"]
    seen = browser_helpers.Visit(browser, f"{cohort_server.url}/?question=pathway-steps", DESKTOP_1440)
    try:
        page, card = seen.page, seen.page.locator("#question-pathway-steps")
        card.locator(".answer tbody tr").first.wait_for()
        assert card.locator(".answer .status").first.inner_text() == "rows 1–100 (more follow)"
        card.get_by_role("button", name="Next page").click()
        page.wait_for_function("() => new URLSearchParams(location.search).has('after')")
        card.locator(".answer .status", has_text="rows 101").wait_for()
        address = parse_qs(urlsplit(address_of(page)).query)
        assert address["after"] == [first["page"]["next"]] and "offset" not in address
        shown = min(200, len(whole))
        assert card.locator(".answer .status").first.inner_text().startswith(f"rows 101–{shown}")
        assert column_texts(card, "patient") == [row["patient"] for row in whole[100:shown]]
        assert besides_pathways_being_read(seen.errors) == []
    finally:
        seen.close()


# --- search, pickers and refusals in the names the answers use ------------------------------------------------------

@WIDTHS
def test_search_finds_what_clinicians_type(visit, viewport):
    """A plain substring match found nothing for "CD19-negative" (issue 17)."""
    seen = visit(viewport=viewport)
    page = seen.page
    card = page.locator("#question-search-statements")
    card.locator("summary").click()
    found = []
    for typed in ("CD19-negative", "CD19 negative", "cd19 neg"):
        card.get_by_role("textbox", name="text").fill(typed)
        card.get_by_role("button", name="Run").click()
        page.wait_for_function("([card, typed]) => new URLSearchParams(location.search).get('text') === typed",
                               arg=[card.element_handle(), typed])
        shown_rows(card).first.wait_for()
        found.append(card.locator(".answer tbody").inner_text())
        assert "lost CD19" in found[-1], typed
    assert found[0] == found[1] == found[2]
    seen.screenshot(f"search-{viewport['width']}")
    assert seen.errors == []


def test_pickers_show_the_names_answers_use_each_once(visit, http):
    page = visit(viewport=DESKTOP_1440).page
    therapies = page.locator("#q-responses-to-therapy-therapy option").all_text_contents()
    assert len(therapies) == len(set(therapies))
    assert "inotuzumab ozogamicin" in therapies and "tisagenlecleucel" in therapies
    assert not {"Besponsa", "CART19", "Kymriah"} & set(therapies)
    # The answers name the same therapies with the same words.
    answered = {row["therapy_label"] for row in http.get("/questions/responses-to-therapy",
                                                          params={"therapy": "CAR-T"}).json()["rows"]}
    assert answered <= set(therapies)


def test_a_refused_value_answers_with_the_nearest_names(visit):
    seen = visit("/?question=responses-to-therapy&therapy=inotuzumb", viewport=DESKTOP_1440)
    alert = seen.page.locator("#question-responses-to-therapy").get_by_role("alert")
    assert "did you mean 'inotuzumab ozogamicin'" in alert.inner_text()


# --- the Sankey ----------------------------------------------------------------------------------------------------

def sankey_frame(page):
    frame = page.frame_locator("#sankey")
    frame.locator("svg").wait_for()
    return frame


@WIDTHS
def test_sankey_is_readable_inside_its_frame(visit, viewport):
    """The Sankey was 1,814 px wide, clipped inside its frame with steps 6-7 cut and labels cut off (issue 17)."""
    seen = visit(viewport=viewport)
    page = seen.page
    page.locator("#pathways").scroll_into_view_if_needed()
    frame = sankey_frame(page)
    svg = frame.locator("svg")
    smallest = svg.evaluate("svg => Math.min(...[...svg.querySelectorAll('text')]"
                            ".map(text => parseFloat(getComputedStyle(text).fontSize) * "
                            "text.getScreenCTM().a))")
    assert smallest >= 11
    # Every label lies inside the diagram, and the diagram is drawn at its own size (never shrunk).
    outside = svg.evaluate("""svg => { const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].map(text => text.getBoundingClientRect())
          .filter(r => r.left < box.left - 0.5 || r.right > box.right + 0.5).length }""")
    assert outside == 0
    assert svg.evaluate("svg => Math.abs(svg.getBoundingClientRect().width - svg.width.baseVal.value)") < 1
    inner = svg.evaluate("svg => [svg.getBoundingClientRect().right, document.documentElement.clientWidth]")
    if not on_phone(viewport):
        assert inner[0] <= inner[1], "at 1440 px the whole diagram fits its frame"
    frame_box = page.locator("#sankey").bounding_box()
    assert frame_box["x"] >= 0 and frame_box["x"] + frame_box["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.locator("#pathways").screenshot(path=browser_helpers.ARTEFACTS / f"sankey-{viewport['width']}.png")
    assert seen.errors == []


@WIDTHS
def test_sankey_band_click_lists_its_patients(visit, http, viewport):
    seen = visit(viewport=viewport)
    page = seen.page
    page.locator("#pathways").scroll_into_view_if_needed()
    band = sankey_frame(page).locator("path.band").first
    source, target = band.get_attribute("data-source"), band.get_attribute("data-target")
    band.evaluate("band => band.dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    listed = page.locator("#sankey-band li")
    listed.first.wait_for()
    links = {link["source"]: link for link in http.get("/pathways").json()["links"]
             if link["target"] == target}
    assert listed.count() == links[source]["count"]
    # Each patient listed went from the band's source to its target, as their own pathway says.
    pathways = Cohort.read(kg.default_graph())
    for patient in listed.locator("a:first-child").all_inner_texts():
        therapies = [step.therapy for step in steps_of(pathways[patient], Options())]
        pairs = {(f"{n}. {a}", f"{n + 1}. {b}") for n, (a, b) in enumerate(pairwise(therapies), start=1)}
        assert (source, target) in pairs, patient
    assert f"{source} → {target}" in page.locator("#sankey-band h3").inner_text()
    assert seen.errors == []


def test_sankey_minimum_count_control(visit):
    seen = visit(viewport=DESKTOP_1440)
    page = seen.page
    assert sankey_frame(page).locator("path.band").count() > 0
    page.get_by_label("Pathways of at least").fill("2")
    page.locator("#sankey-form").get_by_role("button", name="Show").click()
    page.wait_for_function("() => document.getElementById('sankey').src.includes('min_count=2')")
    hidden = page.frame_locator("#sankey").get_by_text("No pathway is shared by at least 2 patients")
    hidden.wait_for()
    assert page.frame_locator("#sankey").locator("path.band").count() == 0
    assert "min_count=2" in page.locator("#pathways-json").get_attribute("href")
    assert seen.errors == []


@WIDTHS
def test_no_text_on_the_page_is_under_11px(visit, viewport):
    """Every section with its content loaded: an answer's table and controls, the plots, the editor, about."""
    seen = visit("/?question=study-results&columns=study_label,outcome_label,rate_percent,citation", viewport=viewport)
    page = seen.page
    page.locator("#question-study-results tbody tr").first.wait_for()
    page.locator("#about dl").wait_for()
    sankey_frame(page)
    assert page.evaluate(f"({SMALLEST_TEXT})(document.body)") >= 11
    assert page.locator("#question-study-results thead th").all_text_contents() == [
        "study", "outcome", "rate percent", "citation"]  # the columns the address names
    assert seen.errors == []


# --- synthetic answers and the about view ---------------------------------------------------------------------------

@WIDTHS
def test_about_view_says_what_the_graph_is(visit, http, viewport):
    seen = visit(viewport=viewport)
    about = http.get("/about").json()
    section = seen.page.locator("#about")
    section.locator("dl").wait_for()
    text = section.inner_text()
    assert about["version"] in text and about["licence"] in text and "CITATION.cff" in text
    assert f"{about['counts']['patients']:,}" in text and f"{about['counts']['statements']:,}" in text
    assert seen.page.locator("#synthetic-banner").is_hidden()
    assert section.evaluate(SMALLEST_TEXT) >= 11
    assert seen.errors == []


def test_synthetic_answers_say_synthetic_on_the_page(browser, cohort_server):
    """Answers over a synthetic cohort carried the "published case reports (CIViC level C)" disclaimer (issue 17)."""
    seen = browser_helpers.Visit(browser, f"{cohort_server.url}/?question=patients&filter=synthetic", DESKTOP_1440)
    try:
        page = seen.page
        banner = page.locator("#synthetic-banner")
        banner.wait_for()
        assert "generated, not real people" in banner.inner_text()
        card = page.locator("#question-patients")
        card.locator(".answer .disclaimer").wait_for()
        assert "Synthetic data" in card.locator(".answer .disclaimer").inner_text()
        assert "synthetic patients" in page.locator("#about").inner_text().lower()
        seen.screenshot("synthetic-cohort")
        assert besides_pathways_being_read(seen.errors) == []
    finally:
        seen.close()
