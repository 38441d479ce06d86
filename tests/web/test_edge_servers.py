"""A chunked body over MAX_CONTENT_LENGTH is 413 under the real servers: gunicorn and werkzeug.

Both set ``wsgi.input_terminated`` for a chunked body; werkzeug alone would stop reading at the
limit and hand the view a truncated body (a 400 "not JSON", or worse, a cut ticket).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.web.test_api import make_app
from triage.cli.web import gunicorn_argv
from triage.desk.db import upgrade
from triage.desk.pgtemp import free_port

BIG = 10 * 1024 * 1024


def post_chunked(port: int, path: str, size: int, chunk: int = 64 * 1024) -> tuple[int, dict]:
    """POST a JSON body of about ``size`` bytes with chunked encoding; (status, JSON answer).

    The body is sent from a thread while the answer is read: a server may answer (413) and stop
    reading long before the client has sent everything.
    """
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    body = b'{"description": "' + b"x" * size + b'", "contact": "a@b.c"}'
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)

    def send() -> None:
        try:
            sock.sendall(head)
            for i in range(0, len(body), chunk):
                part = body[i : i + chunk]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before the whole body was sent

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        reader = sock.makefile("rb")
        status = int(reader.readline().split()[1])
        headers = {}
        while (line := reader.readline().strip()) != b"":
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        payload = reader.read(int(headers["content-length"]))
    finally:
        sock.close()
    return status, json.loads(payload)


def wait_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 60) -> None:
    """Wait until something listens on the port."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def desk_url(tmp_path) -> str:
    """A migrated SQLite desk."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    return url


def test_werkzeug_server_refuses_a_chunked_body_over_the_limit(desk_url, tmp_path):
    app = make_app(desk_url, {"MODEL_DIR": str(tmp_path / "m"), "INDEX_DIR": str(tmp_path / "i")})
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, answer = post_chunked(port, "/api/tickets", BIG)
        assert status == 413, answer
        assert answer["error"]["status"] == 413
        status, answer = post_chunked(port, "/api/tickets", 1000)  # a small one is filed
        assert status == 201, answer
    finally:
        server.shutdown()


@pytest.mark.slow
def test_gunicorn_refuses_a_chunked_body_over_the_limit(desk_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "FRONTLINE_ROOT": str(Path(__file__).parents[2]),
        "TRIAGE_DATABASE_URL": desk_url,
        "TRIAGE_INSTANCE_DIR": str(tmp_path),
        "TRIAGE_MODEL_DIR": str(tmp_path / "no-model"),
        "TRIAGE_INDEX_DIR": str(tmp_path / "no-index"),
        "TRIAGE_RATELIMIT_ENABLED": "false",
    }
    argv = gunicorn_argv("127.0.0.1", port, 1)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        status, answer = post_chunked(port, "/api/tickets", BIG)
        assert status == 413, answer
        status, answer = post_chunked(port, "/api/tickets", 1000)
        assert status == 201, answer
    finally:
        proc.terminate()
        proc.wait(timeout=20)
