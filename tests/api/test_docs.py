"""/docs (Swagger UI) and /redoc work with no network: every script, style and icon they load is served by us.

Before, /docs loaded Swagger UI from a CDN and was blank offline (issue 13). The HTML is read in-process; the
browser test (system chromium, skipped with the reason without it) checks what a browser actually requests.
"""

import re
from urllib.parse import urlsplit

import pytest
from conftest import skip_without_browser
from fastapi.testclient import TestClient

from api.app import create_app

CSP_BLOCKED = ("csp", "net::ERR_BLOCKED_BY_CSP")  # how Chromium reports a request its policy stopped
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as client:
        yield client


def referenced_urls(html: str) -> list[str]:
    """Every URL the page loads by itself: src= and href= attributes, and url: in Swagger UI's set-up script."""
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"\burl: *'([^']+)'", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_only_same_origin_assets_that_are_served(client, page):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = referenced_urls(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), f"{page} loads {url} from elsewhere"
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rfind("."):]
        if suffix in TYPES:
            assert asset.headers["content-type"].startswith(TYPES[suffix]), (url, asset.headers["content-type"])
    assert "fonts.googleapis.com" not in response.text and "cdn." not in response.text


def test_swagger_ui_never_calls_the_online_validator(client):
    assert '"validatorUrl": null' in client.get("/docs").text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_tell_the_browser_to_load_nothing_from_elsewhere(client, page):
    # ReDoc draws its maker's logo from the maker's CDN whatever its options: the policy keeps the browser home.
    policy = client.get(page).headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data: blob:" in policy


def test_docs_render_in_a_browser_from_this_server_only(server):
    skip_without_browser()
    from browser_helpers import chromium

    with chromium() as browser:
        for path, shown in [("/docs", ".opblock"), ("/redoc", "[role=menuitem], .menu-content")]:
            page = browser.new_page()
            requested, blocked = [], []
            page.on("request", lambda request, seen=requested: seen.append(request.url))
            page.on("requestfailed", lambda request, seen=blocked: request.failure in CSP_BLOCKED
                    and seen.append(request.url))
            page.goto(server.url + path)
            page.wait_for_selector(shown, timeout=30_000)  # drawn from /openapi.json
            page.wait_for_load_state("networkidle")
            # Stopped by the page's policy inside the browser (ReDoc's logo) is never sent: not a request made.
            foreign = [url for url in requested if urlsplit(url).scheme in ("http", "https")
                       and urlsplit(url).hostname != "127.0.0.1" and url not in blocked]
            assert foreign == [], (path, requested, blocked)
            assert any(url.endswith(".js") for url in requested), requested
            page.close()
