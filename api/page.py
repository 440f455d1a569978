"""`/`: one page for people: the ranked salvage options after antigen loss, patients with their swimmer plots
and sourced events, the pathway Sankey, a form per named question and a SPARQL editor.

The page is static HTML, CSS and plain JavaScript (api/static/) reading the same JSON routes as any client. The
server adds only what those routes do not give: the prefixes to pre-fill the editor with, the accepted values of
each question parameter's range (for its select box) and whether YASGUI was vendored at install (hatch_build.py).
Everything is served from here: the page makes no request to any other host.
"""

import json
import logging
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kg.namespaces import PREFIXES
from kg.questions.answers import DISCLAIMER
from kg.questions.parameters import pickers

log = logging.getLogger("salvage_kg.api")

STATIC = Path(__file__).parent / "static"
TEMPLATE = Path(__file__).parent / "page.html"
YASGUI = ("vendor/yasgui.min.js", "vendor/yasgui.min.css")

router = APIRouter(include_in_schema=False)


def yasgui_vendored() -> bool:
    return all((STATIC / name).is_file() for name in YASGUI)


# What the salvage form at the top of the page offers: antigens, therapies and age groups (/salvage-options).
SALVAGE_RANGES = ("sk:Antigen", "sk:TherapyAgent", "sk:AgeGroup")

def _json_for_script(data) -> str:
    # Inside <script> only "</" could end the element early; \u003c keeps the JSON equal and inert.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


@router.get("/", response_class=HTMLResponse)
def page(request: Request, editor: str | None = Query(None, pattern="^(plain|yasgui)$")) -> HTMLResponse:
    """The page; `?editor=plain` shows the plain-text SPARQL editor even where YASGUI is vendored."""
    use_yasgui = yasgui_vendored() and editor != "plain"
    config = {
        "prefixes": PREFIXES,
        "choices": pickers(request.app.state.graph, also=SALVAGE_RANGES),
        "editor": "yasgui" if use_yasgui else "plain",
        "yasguiMissing": not yasgui_vendored(),
    }
    editor_assets = (
        '<link rel="stylesheet" href="/static/vendor/yasgui.min.css">\n'
        '<script src="/static/vendor/yasgui.min.js" defer></script>'
        if use_yasgui else ""
    )
    html = (TEMPLATE.read_text(encoding="utf-8")
            .replace("{{disclaimer}}", escape(DISCLAIMER))
            .replace("{{editor_assets}}", editor_assets)
            .replace("{{config}}", _json_for_script(config)))
    return HTMLResponse(html)


def install(app: FastAPI) -> None:
    """Serve the page at / and its assets under /static/."""
    if not yasgui_vendored():
        log.warning("YASGUI is not vendored (npm was missing at install): the page's SPARQL editor is a plain "
                    "text box; install Node.js/npm and reinstall to get it")
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
