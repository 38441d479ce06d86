"""The security headers of every HTML page the app serves: console, public pages, help site.

One place, so that the console, Ask support, the status page and the built help site cannot
drift apart: no inline script, no framing, no sniffing, no referrer to other sites.
"""

from __future__ import annotations

from flask import Response

#: The Content-Security-Policy of the app's pages. The built help site runs no inline script
#: (tests/site checks it), so it shares this policy unchanged.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}


def apply_security_headers(response: Response) -> Response:
    """Set the security headers a view did not set itself."""
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response
