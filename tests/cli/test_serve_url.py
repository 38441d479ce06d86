"""``triage serve`` tells the app where it is reachable when no public URL is configured."""

from triage import settings
from triage.cli.web import public_url


def test_public_url_defaults_to_the_listening_address():
    cfg = settings.defaults()
    assert public_url(cfg, "127.0.0.1", 8079) == "http://127.0.0.1:8079"


def test_configured_public_url_wins():
    cfg = {**settings.defaults(), "PUBLIC_URL": "https://help.example.cloud"}
    assert public_url(cfg, "0.0.0.0", 8000) == "https://help.example.cloud"
