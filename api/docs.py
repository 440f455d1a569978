"""`/docs` (Swagger UI) and `/redoc` (ReDoc), served with their scripts and styles from this server.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank without a network and tell a third party
who reads the docs. The package fastapi-offline (a runtime dependency) ships both tools' built files; they are
served under /docs-assets/, and the pages refer to nothing on any other host: no CDN, no Google Fonts, no favicon
from FastAPI's site, no call to the online Swagger validator.
"""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
ASSETS = files("fastapi_offline") / "static"  # swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js
# The browser itself holds the pages to this server: ReDoc draws its maker's logo from the maker's CDN, which no
# option turns off; under this policy the browser never asks for it (ReDoc then leaves the logo out).
POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' blob:; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'")


def install(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; create the app with docs_url=None and redoc_url=None."""
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="docs-assets")

    def base(request: Request) -> str:
        return request.scope.get("root_path", "")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = base(request)
        return _held_here(get_swagger_ui_html(
            openapi_url=root + app.openapi_url,
            title=f"{app.title}: API docs",
            oauth2_redirect_url=root + app.swagger_ui_oauth2_redirect_url,
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            # null: Swagger UI would otherwise send the API description to validator.swagger.io for its badge.
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        ))

    @app.get(app.swagger_ui_oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = base(request)
        return _held_here(get_redoc_html(
            openapi_url=root + app.openapi_url,
            title=f"{app.title}: API reference",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        ))


def _held_here(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = POLICY
    return page
