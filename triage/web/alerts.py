"""``POST /api/alerts``: Prometheus Alertmanager's webhook, authenticated by a shared secret.

Configure ``ALERTS_SECRET`` (instance/config.py or ``TRIAGE_ALERTS_SECRET``) and point an
Alertmanager receiver at it with ``http_config: {authorization: {credentials: <secret>}}``.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from triage.channels import alerts
from triage.desk.models import utcnow
from triage.web.api_staff import auth_failures
from triage.web.errors import error_response
from triage.web.services import services

bp = Blueprint("api_alerts", __name__, url_prefix="/api")


def authorised(header: str | None, secret: str) -> bool:
    """Whether an Authorization header carries ``Bearer <secret>`` (constant-time compare)."""
    expected = f"Bearer {secret}".encode()
    return hmac.compare_digest((header or "").strip().encode(), expected)


@bp.post("/alerts")
@auth_failures  # wrong secrets count per address with the staff API's wrong tokens
def receive():
    """Apply an Alertmanager webhook: open, update or resolve alert tickets (idempotent)."""
    secret = str(current_app.config.get("ALERTS_SECRET") or "")
    if not secret:
        return error_response(503, "Alerts are not configured (set ALERTS_SECRET).")
    if not authorised(request.headers.get("Authorization"), secret):
        return error_response(401, "Send 'Authorization: Bearer <ALERTS_SECRET>'.")
    data = request.get_json(silent=True)
    try:
        outcomes = alerts.handle_payload(data, services().db, services().policy, utcnow())
    except alerts.AlertPayloadError as exc:
        return error_response(422 if isinstance(data, dict) else 400, str(exc))
    return jsonify(
        outcomes=[
            {"fingerprint": o.fingerprint, "status": o.status, "action": o.action, "ref": o.ref}
            for o in outcomes
        ]
    )
