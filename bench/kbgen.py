"""Deterministic knowledge bases in our article format, for the site and search benchmarks.

``generate(root, n)`` writes ``n`` article files (translations included) below ``root``: 8 request
classes, ~300-word bodies with sections, a list, a code block and links to other articles, and
about one article in four translated (Russian, German or Ukrainian).
"""

from __future__ import annotations

import random
from pathlib import Path

from tqdm import tqdm

CLASSES = {
    "infrastructure": ["hypervisor", "rack", "uplink", "provider", "hardware", "datacenter"],
    "server": ["boot", "kernel", "disk", "memory", "failover", "overload"],
    "outage": ["status", "incident", "portal", "downtime", "recovery", "region"],
    "business-process": ["billing", "orders", "checkout", "reports", "tasks", "latency"],
    "component": ["firewall", "malware", "queue", "cache", "dns", "loadbalancer"],
    "access": ["password", "sign-in", "2fa", "roles", "tokens", "sso"],
    "consultation": ["snapshots", "images", "gpu", "quotas", "networks", "backups"],
    "feedback": ["suggestion", "console-ui", "docs", "api", "pricing", "roadmap"],
}
EN = (
    "virtual machine instance volume snapshot network subnet firewall rule quota project console "
    "region zone image template backup restore resize migrate attach detach disk gateway address "
    "floating certificate token permission role account invoice usage report latency timeout "
    "error restart reboot kernel driver agent metadata bucket object replica standby cluster node "
    "request ticket priority support engineer schedule window maintenance upgrade version module "
    "configure enable disable check verify open choose select create delete list show wait retry"
).split()
RU = (
    "виртуальная машина диск снимок сеть подсеть правило квота проект консоль регион зона образ "
    "шаблон резервная копия восстановить изменить перенести подключить отключить адрес шлюз "
    "сертификат токен права роль учётная запись счёт отчёт задержка ошибка перезагрузка ядро "
    "драйвер агент кластер узел заявка приоритет поддержка инженер окно обслуживание обновление "
    "версия модуль настроить включить выключить проверить открыть выбрать создать удалить подождать"
).split()
DE = (
    "virtuelle Maschine Datenträger Sicherung Netzwerk Subnetz Regel Kontingent Projekt Konsole "
    "Region Zone Abbild Vorlage wiederherstellen vergrößern migrieren anhängen trennen Adresse "
    "Zertifikat Berechtigung Rolle Konto Rechnung Bericht Latenz Fehler Neustart Kernel Treiber "
    "Cluster Knoten Anfrage Priorität Unterstützung Wartung Aktualisierung Version Modul "
    "konfigurieren aktivieren deaktivieren prüfen öffnen auswählen erstellen löschen warten"
).split()
UK = (
    "віртуальна машина диск знімок мережа підмережа правило квота проєкт консоль регіон зона "
    "образ шаблон резервна копія відновити змінити перенести підключити відключити адреса шлюз "
    "сертифікат токен права роль обліковий запис рахунок звіт затримка помилка перезавантаження "
    "ядро драйвер агент кластер вузол заявка пріоритет підтримка інженер обслуговування оновлення"
).split()
WORDS = {"en": EN, "ru": RU, "de": DE, "uk": UK}


def _code(rng: random.Random) -> str:
    """A short pseudo-word (a product or error name) that makes bodies differ."""
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) + (
        f"-{rng.randint(10, 999)}"
    )


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(8, 16))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), _code(rng))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, lang: str, title: str, links: list[str]) -> str:
    """A ~300-word article body: intro, three sections, a list, a code block and links."""
    vocab = WORDS[lang]
    out = [f"# {title}", "", " ".join(_sentence(rng, vocab) for _ in range(3)), ""]
    for i in range(3):
        out += [f"## {rng.choice(vocab).capitalize()} {rng.choice(vocab)} {i + 1}", ""]
        out += [" ".join(_sentence(rng, vocab) for _ in range(3)), ""]
    out += [f"{n}. {_sentence(rng, vocab)}" for n in range(1, 4)] + [""]
    out += ["```console", f"$ frontline vm show {_code(rng)}", "```", ""]
    out += [f"See [{link}]({link}.md)." for link in links]
    return "\n".join(out) + "\n"


def _front(slug: str, lang: str, klass: str, title: str, tags: list[str], rng) -> str:
    qs = "\n".join(f"  - {_sentence(rng, WORDS[lang]).rstrip('.')}" for _ in range(3))
    return (
        f"---\nid: {slug}\ntitle: {title}\nsummary: {_sentence(rng, WORDS[lang])}\n"
        f"lang: {lang}\nclass: {klass}\ntags: [{', '.join(tags)}]\n"
        f"applies_to:\n  - module: Compute\n    versions: '>= {rng.randint(1, 5)}.0'\n"
        f"questions:\n{qs}\nupdated: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}\n"
        f"owner: docs-{klass}\nreview_by: 2099-01-01\n---\n\n"
    )


def _plan(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(class, slug, lang) for n files: English originals, then translations of some."""
    plan, i = [], 0
    classes = list(CLASSES)
    while len(plan) < n:
        klass, slug = classes[i % len(classes)], f"article-{i:05d}"
        plan.append((klass, slug, "en"))
        if i % 4 == 0:
            plan.append((klass, slug, rng.choice(["ru", "ru", "de", "uk"])))
        i += 1
    return plan[:n]


def generate(root: Path, n: int, seed: int = 0, progress: bool = True) -> list[Path]:
    """Write n article files below root (deterministic for a seed) and return their paths."""
    rng = random.Random(seed)
    plan = _plan(n, rng)
    slugs = sorted({(k, s) for k, s, lang in plan if lang == "en"})
    paths = []
    for klass, slug, lang in tqdm(plan, desc=f"generate {n}", disable=not progress, leave=False):
        title = f"{_sentence(rng, WORDS[lang]).rstrip('.')[:70]} ({slug})"
        tags = [rng.choice(CLASSES[klass])] + rng.sample(CLASSES[klass], 2)
        links = [s for k, s in rng.sample(slugs, 2) if k == klass]
        path = root / klass / f"{slug}.{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = _front(slug, lang, klass, title, list(dict.fromkeys(tags)), rng)
        path.write_text(front + body(rng, lang, title, links), encoding="utf-8")
        paths.append(path)
    return paths
