"""The security headers of every HTML page the app serves: console, public pages, help site.

One place, so that the console, Ask support, the status page and the built help site cannot
drift apart: no inline script, no framing, no sniffing, no referrer to other sites.
"""

from __future__ import annotations

from flask import Response

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'{scripts}; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)
#: The Content-Security-Policy of the app's pages: scripts only from files of this origin.
CSP = _CSP.format(scripts="")


def csp(script_hashes: tuple[str, ...] = ()) -> str:
    """The policy, also allowing the inline scripts of these ``sha256-...`` hashes (help site)."""
    return _CSP.format(scripts="".join(f" '{h}'" for h in script_hashes))


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}


#: JSON answers are data, never a page: nothing in them may load, run or be framed.
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def apply_api_headers(response: Response) -> Response:
    """Set the JSON API's headers a view did not set itself."""
    for key, value in API_HEADERS.items():
        response.headers.setdefault(key, value)
    return response


def apply_security_headers(response: Response) -> Response:
    """Set the security headers a view did not set itself."""
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response
