"""Customer-visible event messages in the ticket's language (en, ru, uk, de; English fallback)."""

from __future__ import annotations

RECEIVED = {
    "en": "Request received; we will keep you informed here.",
    "ru": "Запрос получен; мы будем сообщать здесь о его ходе.",
    "uk": "Запит отримано; ми повідомлятимемо тут про його хід.",
    "de": "Anfrage erhalten; wir halten Sie hier auf dem Laufenden.",
}
STATUS_CHANGED = {
    "en": "Status: {status}.",
    "ru": "Статус: {status}.",
    "uk": "Статус: {status}.",
    "de": "Status: {status}.",
}
PRIORITY_CHANGED = {
    "en": "Priority changed to {priority}: {reason}",
    "ru": "Приоритет изменён на «{priority}»: {reason}",
    "uk": "Пріоритет змінено на «{priority}»: {reason}",
    "de": "Priorität geändert auf {priority}: {reason}",
}
STATUS_NAMES = {
    "new": {"en": "new", "ru": "новый", "uk": "новий", "de": "neu"},
    "open": {"en": "open", "ru": "открыт", "uk": "відкрито", "de": "offen"},
    "in_progress": {"en": "in progress", "ru": "в работе", "uk": "в роботі", "de": "in Arbeit"},
    "waiting_customer": {
        "en": "waiting for your reply",
        "ru": "ожидает вашего ответа",
        "uk": "очікує вашої відповіді",
        "de": "wartet auf Ihre Antwort",
    },
    "waiting_third_party": {
        "en": "waiting for a third party",
        "ru": "ожидает третью сторону",
        "uk": "очікує третю сторону",
        "de": "wartet auf Dritte",
    },
    "resolved": {"en": "resolved", "ru": "решён", "uk": "вирішено", "de": "gelöst"},
    "closed": {"en": "closed", "ru": "закрыт", "uk": "закрито", "de": "geschlossen"},
    "deferred": {"en": "deferred", "ru": "отложен", "uk": "відкладено", "de": "zurückgestellt"},
    "declined": {"en": "declined", "ru": "отклонён", "uk": "відхилено", "de": "abgelehnt"},
}
PRIORITY_NAMES = {
    "critical": {"en": "critical", "ru": "критический", "uk": "критичний", "de": "kritisch"},
    "high": {"en": "high", "ru": "высокий", "uk": "високий", "de": "hoch"},
    "medium": {"en": "medium", "ru": "средний", "uk": "середній", "de": "mittel"},
    "low": {"en": "low", "ru": "низкий", "uk": "низький", "de": "niedrig"},
}


def _pick(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table["en"]


def status_name(status: str, lang: str = "en") -> str:
    """A status as the customer reads it."""
    return _pick(STATUS_NAMES.get(status, {"en": status.replace("_", " ")}), lang)


def received(lang: str = "en") -> str:
    """The confirmation logged when a ticket is filed."""
    return _pick(RECEIVED, lang)


def status_changed(status: str, lang: str = "en") -> str:
    """The message logged with a status change."""
    return _pick(STATUS_CHANGED, lang).format(status=status_name(status, lang))


def priority_changed(priority: str, reason: str, lang: str = "en") -> str:
    """The message telling the customer why support changed the priority."""
    name = _pick(PRIORITY_NAMES.get(priority, {"en": priority}), lang)
    return _pick(PRIORITY_CHANGED, lang).format(priority=name, reason=reason.strip())
