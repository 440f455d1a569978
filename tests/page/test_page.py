"""The page at `/`, in a real browser: Debian's chromium driven by Playwright against a live `salvage-kg serve`.

Playwright's own browser download is never used: the browser is the system's (`apt-get install chromium`, which
scripts/test does when run as root). Without it the browser tests are skipped with the reason (failed under
SALVAGE_KG_REQUIRE_TOOLS=1, as in CI); SALVAGE_KG_SKIP_BROWSER=1 skips them on purpose. The tests of the YASGUI
editor are skipped when it was not vendored (npm missing at install). Screenshots go to test-artifacts/ (or
$SALVAGE_KG_ARTEFACTS).
"""

import json
import re
from pathlib import Path

import browser_helpers
import httpx
import pytest
from browser_helpers import LAPTOP, PHONE, Visit, besides_pathways_being_read, run_question
from locations import PROJECT

from kg.namespaces import PREFIXES
from kg.questions.answers import DISCLAIMER

# The browser fixtures (tests/browser_helpers.py), shared with test_page_answers.py and others; cohort_server is
# in tests/page/conftest.py.
browser, visit, yasgui = browser_helpers.browser, browser_helpers.visit, browser_helpers.yasgui


# --- plain HTTP ---------------------------------------------------------------------------------------------------

def page_config(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S)
    assert found, "the page carries its configuration"
    return json.loads(found.group(1))


def test_page_is_html_with_the_disclaimer(http):
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Evidence, not advice." in response.text
    assert "not treatment advice" in DISCLAIMER and DISCLAIMER.split("'")[0] in response.text


def test_page_prefills_the_graph_prefixes_and_parameter_choices(http):
    config = page_config(http.get("/").text)
    assert config["prefixes"] == PREFIXES
    antigens = {choice["label"]: choice["value"] for choice in config["choices"]["sk:Antigen"]}
    assert antigens["CD19"] == "sk:CD19"
    # Every value offered is one the question route accepts.
    assert http.get("/questions/salvage-options", params={"lost_antigen": antigens["CD22"]}).status_code == 200


def test_plain_editor_on_request_and_bad_editor_refused(http):
    assert page_config(http.get("/", params={"editor": "plain"}).text)["editor"] == "plain"
    refused = http.get("/", params={"editor": "emacs"})
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_parameter"


def test_without_vendored_yasgui_the_page_says_so_and_offers_the_plain_editor(monkeypatch):
    from fastapi.testclient import TestClient

    from api import page
    from api.app import create_app

    monkeypatch.setattr(page, "YASGUI", ("vendor/not-installed.js",))
    with TestClient(create_app()) as client:
        html = client.get("/").text
    config = page_config(html)
    assert config["editor"] == "plain" and config["yasguiMissing"] is True
    assert "/static/vendor/" not in html


@pytest.mark.parametrize(("path", "media_type"), [
    ("/static/page.js", "text/javascript"),
    ("/static/page.css", "text/css"),
])
def test_static_assets_are_served_with_their_type(http, path, media_type):
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_missing_static_file_is_404(http):
    assert http.get("/static/no-such-file.js").status_code == 404
    assert http.get("/static/%2e%2e/page.py").status_code == 404  # never a file outside static/


def test_page_stays_out_of_the_api_description(http):
    assert "/" not in http.get("/openapi.json").json()["paths"]


# --- in a browser -------------------------------------------------------------------------------------------------

def test_page_loads_clean_and_local(visit):
    seen = visit()
    seen.page.wait_for_load_state("networkidle")
    assert seen.page.get_by_text("Evidence, not advice.").first.is_visible()
    assert seen.errors == []
    assert seen.requests, "requests are recorded"
    assert seen.foreign_requests() == []


def test_patient_timelines_render_with_sourced_events(visit, http):
    seen = visit()
    plots = seen.page.locator(".patient img")
    assert plots.count() == len(http.get("/patients").json()) >= 2
    for index in range(plots.count()):
        plot = plots.nth(index)
        plot.scroll_into_view_if_needed()
        seen.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
        assert plot.get_attribute("alt").startswith("Swimmer plot of ")
    patient = seen.page.locator("#patient-pbc-2021")
    assert "Relapses" in patient.locator("dl").inner_text()
    patient.locator("summary").click()
    first = patient.locator(".events li").first
    assert "five-year-old" in first.locator("blockquote").inner_text()
    assert "sentence 4" in first.locator(".source").inner_text()
    assert seen.errors == []


def test_question_runs_from_its_form_with_citations_and_csv(visit):
    seen = visit()
    card, rows = run_question(seen.page, "salvage-options")
    assert rows.count() >= 1
    headers = card.locator("thead th").all_inner_texts()
    assert "citation" in headers and "doi" in headers
    assert "Pediatric Blood & Cancer" in card.locator("tbody").inner_text()
    assert card.locator("tbody a[href='https://doi.org/10.1002/pbc.28980']").count() >= 1
    assert "not treatment advice" in card.locator(".answer .disclaimer").inner_text()
    with seen.page.expect_download() as download:
        card.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "salvage-options.csv"
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("therapy,therapy_label,")
    assert len(csv.strip().splitlines()) == rows.count() + 1
    assert seen.errors == []


def test_question_refusal_is_shown(visit):
    seen = visit()
    card = seen.page.locator("#question-search-statements")
    card.locator("summary").click()
    card.get_by_role("textbox", name="text").fill("x" * 300)
    card.get_by_role("button", name="Run").click()
    assert "longer than" in card.get_by_role("alert").inner_text()


def test_forms_are_labelled_and_keyboard_usable(visit):
    seen = visit()
    page = seen.page
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('main input, main select, main textarea')]
        .filter(control => !control.closest('.yasgui') && control.labels.length === 0)
        .map(control => control.id || control.name)""")
    assert unlabelled == []
    # From the question's summary: Enter opens it, Tab reaches the text field, Enter submits the form.
    card = page.locator("#question-search-statements")
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-search-statements-text"
    page.keyboard.press("Control+A")
    page.keyboard.type("CAR-T")
    page.keyboard.press("Enter")
    card.locator(".answer tbody tr").first.wait_for()
    assert "CAR-T" in card.locator(".answer tbody").inner_text()
    seen.screenshot("keyboard-question")
    assert seen.errors == []


def example_query(page) -> str:
    return page.evaluate("import('/static/editor.js').then(module => module.startingQuery())")


def test_sparql_example_is_short_and_returns_what_it_says(visit, http):
    """The example sat below 18 PREFIX lines and said "each relapse" but returned diagnosis rows too (issue 17): it
    declares only the prefixes it uses, and every row it returns is a relapse."""
    query = example_query(visit("/?editor=plain").page)
    declared = re.findall(r"^PREFIX (\w+):", query, re.M)
    used = set(re.findall(r"\b(\w+):\w", query.split("SELECT", 1)[1]))
    assert set(declared) == used and len(declared) < len(PREFIXES)
    assert len(query.splitlines()) <= 15 and "each relapse" in query.lower()
    rows = http.post("/sparql", data={"query": query},
                     headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert rows
    relapses = {row["relapse"]["value"] for row in rows}
    values = " ".join(f"<{iri}>" for iri in relapses)
    check = f"ASK {{ VALUES ?x {{ {values} }} FILTER NOT EXISTS {{ ?x a <{PREFIXES['sk']}Relapse> }} }}"
    assert http.post("/sparql", data={"query": check},
                     headers={"Accept": "application/sparql-results+json"}).json()["boolean"] is False


def test_sparql_runs_in_yasgui_with_prefixes(yasgui, visit):
    seen = visit()
    page = seen.page
    editor = page.locator("#sparql .yasqe .CodeMirror")
    assert editor.count() == 1, "YASGUI is vendored (pip install -e . with npm) and loaded"
    query = page.evaluate("document.querySelector('#sparql .CodeMirror').CodeMirror.getValue()")
    assert query == example_query(page), "YASGUI starts with the page's example"
    # Highlighted: CodeMirror marks keywords in their own spans.
    assert page.locator("#sparql .CodeMirror .cm-keyword").count() > 0
    # From the keyboard: the labelled editor runs its query on Ctrl+Enter, and Tab leaves it (no trap).
    query_box = page.get_by_role("textbox", name="SPARQL query")
    query_box.focus()
    page.keyboard.press("Control+Enter")
    results = page.locator("#sparql .yasr tbody tr")
    results.first.wait_for()
    assert results.count() >= 1
    query_box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"  # the editor's own buttons come next
    assert page.evaluate("document.querySelector('#sparql .CodeMirror').CodeMirror.getValue()") == query
    assert "sk:CD19" in page.locator("#sparql .yasr tbody").inner_text()
    seen.screenshot("sparql-yasgui")
    assert seen.errors == []
    assert seen.foreign_requests() == []


def test_sparql_runs_in_the_plain_editor(visit):
    seen = visit("/?editor=plain")
    page = seen.page
    box = page.get_by_label("SPARQL query")
    assert "PREFIX sk:" in box.input_value()
    box.fill(f"PREFIX sk: <{PREFIXES['sk']}>\nSELECT ?antigen WHERE {{ ?antigen a sk:Antigen }} ORDER BY ?antigen")
    box.press("Control+Enter")
    results = page.locator("#sparql tbody tr")
    results.first.wait_for()
    assert "sk:CD19" in page.locator("#sparql tbody").inner_text()
    assert seen.errors == []


@pytest.mark.parametrize(("name", "viewport"), [("laptop", LAPTOP), ("phone", PHONE)])
def test_page_fits_the_screen(yasgui, visit, name, viewport):
    seen = visit(viewport=viewport)
    page = seen.page
    run_question(page, "salvage-options")
    page.locator("#patient-pbc-2021 summary").click()
    page.locator("#sparql .yasqe_queryButton").click()
    page.locator("#sparql .yasr tbody tr").first.wait_for()
    page.wait_for_load_state("networkidle")
    # Wide content (plots, tables, the Sankey) scrolls inside its own box; the page itself never sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.get_by_role("link", name="Questions").is_visible()
    seen.screenshot(f"page-{name}")
    assert seen.errors == []
    assert seen.foreign_requests() == []


# --- pages of a long answer, on a server holding a synthetic cohort beside the bundled cases ------------------------

def test_a_long_answer_pages_forward_and_its_csv_holds_every_row(browser, cohort_server):
    whole = httpx.get(f"{cohort_server.url}/questions/pathway-steps", params={"limit": 10000}).json()["rows"]
    assert 100 < len(whole) < 200
    seen = Visit(browser, cohort_server.url + "/", LAPTOP)
    try:
        card, rows = run_question(seen.page, "pathway-steps")
        assert rows.count() == 100
        assert card.locator(".answer .status").inner_text() == "rows 1–100 (more follow)"
        card.get_by_role("button", name="Next page").click()
        seen.page.wait_for_function(
            "card => card.querySelector('.answer .status').textContent.startsWith('rows 101')",
            arg=card.element_handle())
        assert card.locator(".answer .status").inner_text() == f"rows 101–{len(whole)}"
        assert rows.count() == len(whole) - 100
        assert card.get_by_role("button", name="Next page").count() == 0
        shown = card.locator("tbody tr").first.locator("td").first.inner_text()
        assert shown == str(whole[100][card.locator("thead th").first.inner_text()])
        with seen.page.expect_download() as download:
            card.get_by_role("button", name="Download CSV").click()
        csv = Path(download.value.path()).read_text(encoding="utf-8")
        assert len(csv.strip().splitlines()) == len(whole) + 1
        seen.screenshot("long-answer-second-page")
        assert besides_pathways_being_read(seen.errors) == []
    finally:
        seen.close()


def test_a_cohort_is_shown_a_page_of_patients_at_a_time(browser, cohort_server):
    every = [row["id"] for row in httpx.get(f"{cohort_server.url}/patients", params={"limit": 10000}).json()]
    assert 40 < len(every) <= 60
    seen = Visit(browser, cohort_server.url + "/", LAPTOP)
    try:
        cards = seen.page.locator("#patient-list .patient")
        more = seen.page.get_by_role("button", name="More patients")
        more.wait_for()
        shown = cards.count()
        assert 0 < shown < len(every)
        while more.count():
            more.click()
            seen.page.wait_for_function(
                "([count, total]) => document.querySelectorAll('#patient-list .patient').length > count"
                " && (document.querySelectorAll('#patient-list .patient').length === total"
                " || document.querySelector('#patient-list button') !== null)",
                arg=[shown, len(every)])
            assert cards.count() > shown
            shown = cards.count()
        ids = [card.get_attribute("id").removeprefix("patient-") for card in cards.all()]
        assert ids == every
        seen.screenshot("patients-all-pages")
        assert besides_pathways_being_read(seen.errors) == []
    finally:
        seen.close()


# --- plots readable at normal sizes ----------------------------------------------------------------------------

SWIMMER_FONT = re.compile(r"font-size: ?([0-9.]+)px")


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop-1440", "phone-390"])
def test_swimmer_text_is_at_least_11px_on_desktop_and_phone(visit, http, viewport):
    """The swimmer plots' text was 5-7 px on a desktop and ~4 px on a phone, the antigen status under each relapse
    smallest of all (issue 17): each plot now keeps its own size and scrolls sideways instead of shrinking."""
    opened = visit(viewport=viewport)
    plots = opened.page.locator(".patient .swimmer img")
    assert plots.count() >= 2
    for index in range(plots.count()):
        plot = plots.nth(index)
        svg = http.get(plot.get_attribute("src")).text
        view_box_width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
        smallest = min(float(size) for size in SWIMMER_FONT.findall(svg))
        shown_width = plot.evaluate("image => image.getBoundingClientRect().width")
        assert smallest * shown_width / view_box_width >= 11, (plot.get_attribute("src"), smallest, shown_width)
        assert "CD19− CD22+" in svg or "not reported" in svg  # the antigen status is written, not drawn as dots
    # Sideways scroll stays inside the plot's frame: the page itself is not wider than the screen.
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    opened.screenshot(f"swimmer-{viewport['width']}")


# --- the salvage answer that leads the page (issue 15) ---------------------------------------------------------------

SCREENSHOTS = PROJECT / "docs" / "screenshots"
SALVAGE_VIEWPORTS = [("1440", {"width": 1440, "height": 900}), ("390", {"width": 390, "height": 844})]


def salvage_answer(page):
    page.locator("#salvage .option-card").first.wait_for()
    page.locator("#salvage .avoid .warning").first.wait_for()
    return page.locator("#salvage")


@pytest.mark.parametrize(("name", "viewport"), SALVAGE_VIEWPORTS)
def test_salvage_answer_leads_the_page_readable_at_each_width(visit, http, name, viewport):
    seen = visit(viewport=viewport)
    page = seen.page
    section = salvage_answer(page)
    # First on the page, filled in with the question the page starts with.
    assert page.evaluate("document.querySelector('main > section').id") == "salvage"
    assert page.locator("#s-lost option:checked").inner_text() == "CD19"
    assert page.locator("#s-expressed option:checked").inner_text() == "CD22"
    assert page.locator("#s-prior option:checked").all_inner_texts() == ["CAR-T cell product"]
    assert page.locator("#s-age option:checked").inner_text() == "children"
    expected = http.get("/salvage-options", params={"lost_antigen": "sk:CD19", "expressed": "sk:CD22",
                                                    "prior": "sk:CARTProduct", "age_group": "sk:Children"}).json()
    titles = section.locator(".option-card h3").all_inner_texts()
    assert titles == [f"{option['rank']}. {option['therapy']['label']}" for option in expected["options"]]
    # Trial and case evidence apart, each item with its citation link.
    first = section.locator(".option-card").first
    groups = first.locator(".evidence-group h4").all_inner_texts()
    assert [group.lower() for group in groups] == ["trial evidence (level b)", "case evidence (level c)"]
    cited = section.locator(".option-card .source")
    assert cited.count() >= 3
    for source in cited.all():  # every figure and every case with its citation link
        link = source.locator("a[href^='https://doi.org/'], a[href^='https://pubmed.ncbi.nlm.nih.gov/']")
        assert link.count() == 1, source.inner_text()
    inotuzumab = section.locator(".option-card", has_text="inotuzumab ozogamicin")
    assert inotuzumab.locator(".study").count() >= 1
    assert "pbc-2021" in inotuzumab.locator(".case").first.inner_text()
    # What to avoid, with the finding and its source.
    avoid = section.locator(".avoid")
    blinatumomab = avoid.locator(".warning", has_text="blinatumomab")
    assert "Letter, sentence 8" in blinatumomab.inner_text()
    assert blinatumomab.locator("a[href='https://doi.org/10.1002/pbc.28980']").count() == 1
    assert "not treatment advice" in section.locator(".salvage-answer > .disclaimer").inner_text()
    # Readable: no sideways scroll, no text under 11 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('#salvage *')]
        .filter(node => [...node.childNodes].some(child => child.nodeType === 3 && child.textContent.trim()))
        .map(node => parseFloat(getComputedStyle(node).fontSize)))""")
    assert smallest >= 11
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=SCREENSHOTS / f"salvage-options-{name}.png")
    assert seen.errors == []
    assert seen.foreign_requests() == []


def test_salvage_form_asks_again_and_says_what_to_test_first(visit):
    seen = visit()
    page = seen.page
    section = salvage_answer(page)
    page.select_option("#s-expressed", "")
    page.get_by_role("button", name="Show options").click()
    section.locator(".warning.level-test-first").first.wait_for()
    assert "test for CD22" in section.locator(".warning.level-test-first").first.inner_text()
    assert section.locator(".status").inner_text().startswith(f"{section.locator('.option-card').count()} options")
    page.select_option("#s-expressed", "sk:CD19")
    page.get_by_role("button", name="Show options").click()
    assert "cannot be both lost and still expressed" in section.get_by_role("alert").inner_text()
    # The browser reports the refused request itself; nothing else went wrong.
    assert [error for error in seen.errors if "status of 422" not in error] == []
