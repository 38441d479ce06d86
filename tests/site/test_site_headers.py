"""The help site served by the app sends the console's security headers (issue 11, section 6).

Before: the site's pages came with no CSP, no ``nosniff``, no ``frame-ancestors`` and no
Referrer-Policy, so a script that came in with an article ran. Now every response of the site
has the console's headers, and a page's policy allows only the theme's own inline scripts.
"""

from __future__ import annotations

import re
import shutil

import pytest

from triage.web import create_app
from triage.web.headers import SECURITY_HEADERS
from triage.web.site import inline_scripts, script_hashes


@pytest.fixture
def site_app(fixture_site, tmp_path):
    """The app serving a copy of the fixture site (a test may change the copy)."""
    site = tmp_path / "site"
    shutil.copytree(fixture_site, site)
    app = create_app(
        {
            "TESTING": True,
            "SITE_DIR": str(site),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
            "SECRET_KEY": "t",
            "MODEL_DIR": str(tmp_path / "no-model"),
            "INDEX_DIR": str(tmp_path / "no-index"),
        }
    )
    return app, site


def script_src(response) -> list[str]:
    """The script-src sources of a response's policy."""
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"script-src ([^;]*)", policy).group(1).split()


@pytest.mark.parametrize(
    "path", ["/", "/access/reset-password/", "/ru/access/reset-password/", "/assets/kb.js", "/x"]
)
def test_site_sends_the_console_headers(site_app, path):
    app, _site = site_app
    r = app.test_client().get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == SECURITY_HEADERS["Referrer-Policy"]
    policy = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in script_src(r) and "'self'" in script_src(r)
    console = app.test_client().get("/staff/login").headers["Content-Security-Policy"]
    assert re.sub(r" 'sha256-[^']+'", "", policy) == console  # the console's, plus hashes


def test_only_the_themes_inline_scripts_are_allowed(site_app):
    app, site = site_app
    page = site / "access" / "reset-password" / "index.html"
    html = page.read_text(encoding="utf-8")
    theme = inline_scripts(html)
    assert len(theme) >= 1  # Material's own (base path, tabbed anchors)
    r = app.test_client().get("/access/reset-password/")
    assert len(script_src(r)) == 1 + len(set(theme))
    evil = "<script>alert(document.cookie)</script>"
    page.write_text(html.replace("</article>", f"{evil}</article>", 1), encoding="utf-8")
    r = app.test_client().get("/access/reset-password/")
    assert evil in r.get_data(as_text=True)  # served (the check keeps it out of the KB) ...
    hashes = script_hashes(site, page)
    assert len(hashes) == len(set(theme))  # ... but not allowed to run
    assert script_src(r) == ["'self'", *[f"'{h}'" for h in hashes]]


def test_api_paths_are_not_the_sites(site_app):
    app, _site = site_app
    r = app.test_client().get("/api/tickets")
    assert r.status_code == 405 and r.is_json
    assert "GET" not in r.headers["Allow"]


def test_the_site_build_refuses_an_article_with_a_script(tmp_path):
    from tests.conftest import write_article
    from tests.site.conftest import build_site, write_fixture_kb

    kb = write_fixture_kb(tmp_path / "kb")
    body = "# Portal error\n\nThe portal fails.\n\n<img src=x onerror=alert(1)>\n"
    path = write_article(kb, "access", "portal-error", body=body)
    result = build_site(kb, tmp_path / "site")
    assert result.returncode != 0
    assert f"access/{path.name}" in result.stderr and "raw HTML <img>" in result.stderr
    assert not (tmp_path / "site" / "access" / "portal-error" / "index.html").exists()
