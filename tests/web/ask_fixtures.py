"""Fixtures of the public pages: a tiny real KB and its index, a tiny real model, an app.

The model is trained here on a few labelled questions (never on test inputs' answers): the
pages are tested against the real engine, not a stand-in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import write_article
from triage.desk.db import upgrade
from triage.engine import classifier, search
from triage.engine.examples import Example
from triage.kb.articles import load_kb
from triage.web import create_app

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin

ARTICLES = [
    (
        "access",
        "reset-password",
        "en",
        "Reset a forgotten password",
        "If you forgot your password and cannot sign in, click **Forgot password** on the sign-in "
        "page and follow the link we email you.",
        ["I forgot my password", "cannot sign in"],
    ),
    (
        "access",
        "reset-password",
        "ru",
        "Сброс забытого пароля",
        "Если вы забыли пароль и не можете войти в консоль, нажмите «Забыли пароль» на странице "
        "входа и перейдите по ссылке из письма.",
        ["забыл пароль", "не могу войти в консоль"],
    ),
    (
        "access",
        "reset-password",
        "de",
        "Vergessenes Passwort zurücksetzen",
        "Wenn Sie Ihr Passwort vergessen haben, klicken Sie auf der Anmeldeseite auf "
        "„Passwort vergessen“.",
        ["Passwort vergessen", "kann mich nicht anmelden"],
    ),
    (
        "outage",
        "site-down",
        "en",
        "The console is unreachable",
        "When the whole console is down, open the status page first.",
        ["the site is down"],
    ),
    (
        "outage",
        "site-down",
        "ru",
        "Консоль недоступна",
        "Если вся консоль не открывается, сначала проверьте страницу состояния сервиса.",
        ["сайт не работает", "консоль не открывается"],
    ),
    (
        "consultation",
        "create-vm",
        "en",
        "Create a virtual machine",
        "To create a virtual machine, open Compute and press Create instance.",
        ["how do I create a VM"],
    ),
    (
        "consultation",
        "create-vm",
        "ru",
        "Создание виртуальной машины",
        "Чтобы создать виртуальную машину, откройте раздел Compute и нажмите «Создать».",
        ["как создать виртуальную машину"],
    ),
    (
        "server",
        "disk-full",
        "en",
        "The server disk is full",
        "When the disk of a server is full, remove old logs or add a volume.",
        ["disk is full"],
    ),
]

QUESTIONS = {
    "access": [
        "I forgot my password",
        "cannot log in to my account",
        "reset my password please",
        "my account is locked",
        "access denied to the project",
        "sign in fails",
        "забыл пароль от аккаунта",
        "не могу войти в личный кабинет",
        "сбросить пароль",
        "нет доступа к проекту",
        "учётная запись заблокирована",
        "ошибка входа",
    ],
    "outage": [
        "the whole site is down",
        "console does not open at all",
        "portal is down for everyone",
        "everything is offline",
        "service unavailable for all users",
        "nothing works",
        "сайт полностью не работает",
        "консоль не открывается ни у кого",
        "всё упало",
        "портал недоступен",
        "сервис лежит",
        "ничего не работает",
    ],
    "consultation": [
        "how do I create a virtual machine",
        "how to resize a VM",
        "where can I find the API documentation",
        "how to configure backups",
        "how to add a disk",
        "what is a floating IP",
        "как создать виртуальную машину",
        "как изменить размер ВМ",
        "где документация по API",
        "как настроить резервное копирование",
        "как добавить диск",
        "что такое плавающий IP",
    ],
    "server": [
        "the server disk is full",
        "high CPU load on my server",
        "server is unreachable by ssh",
        "the operating system does not boot",
        "out of memory on the server",
        "server reboots by itself",
        "диск сервера заполнен",
        "высокая нагрузка на процессор сервера",
        "сервер недоступен по ssh",
        "операционная система не загружается",
        "на сервере закончилась память",
        "сервер сам перезагружается",
    ],
}


def write_tiny_kb(root: Path) -> Path:
    """The tiny knowledge base of the public pages' tests."""
    for klass, slug, lang, title, text, questions in ARTICLES:
        write_article(
            root,
            klass,
            slug,
            lang=lang,
            title=title,
            questions=[*questions, title.lower(), f"{slug} ({lang})"][:3],
            body=f"# {title}\n\n{text}\n",
        )
    return root


def train_tiny_model(model_dir: Path) -> None:
    """Train and save the tiny classifier (a few questions per class, English and Russian).

    No priority labels: the priority then comes from the class's default in the policy.
    """
    rows = [Example(q, k) for k, qs in QUESTIONS.items() for q in qs]
    classifier.train(rows, folds=3).save(model_dir)


@pytest.fixture(scope="session")
def engine_dirs(tmp_path_factory) -> dict[str, str]:
    """KB_DIR, INDEX_DIR and MODEL_DIR of a tiny real engine, built once per session."""
    root = tmp_path_factory.mktemp("public-engine")
    kb = write_tiny_kb(root / "kb")
    search.build_index(load_kb(kb), root / "index")
    train_tiny_model(root / "model")
    return {"KB_DIR": str(kb), "INDEX_DIR": str(root / "index"), "MODEL_DIR": str(root / "model")}


def make_public_app(tmp_path: Path, dirs: dict[str, str], **config):
    """An app on a fresh migrated SQLite desk with the tiny engine; CSRF on, clock pinned."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    base = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,
        "NOW": NOW,
        "PUBLIC_URL": "http://help.example",
        "SITE_DIR": str(tmp_path / "no-site"),
        **dirs,
    }
    return create_app({**base, **config})


@pytest.fixture
def public_app(tmp_path, engine_dirs):
    """The app with the tiny engine, CSRF protection on."""
    return make_public_app(tmp_path, engine_dirs)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    found = found or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)
