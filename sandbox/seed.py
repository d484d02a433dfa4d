"""About 150 realistic handlers of every type, the same every time for a given moment."""

import random
import re
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers_admin.handler_types import HANDLER_TYPES, TypeField, types_for
from sandbox.store import TIME_FORMAT

NAMES = [
    "Ops on-call",
    "Support team",
    "Billing alerts",
    "Équipe support",
    "Astreinte nuit",
    "Bereitschaft",
    "Lagerverwaltung",
    "Guardia de noche",
    "Equipo de pagos",
    "Zespół płatności",
    "Dyżur weekendowy",
    "運用チーム",
    "夜間当番",
    "Команда склада",
    "Дежурный инженер",
    "فريق العمليات",
    "צוות תשתיות",
    "Marketing site",
    "Status page",
    "Checkout service",
    "Data pipeline",
    "CEO's phone",
    "Night shift",
    "Incident room",
    "Backups",
    "Customer success",
    "Plateforme API",
    "Infra São Paulo",
    "Κέντρο ελέγχου",
]
SIZE = 150


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=length))


def _value(rng: random.Random, field: TypeField, name: str) -> str:
    if field.kind == "email":
        local = re.sub(r"[^a-z]+", ".", name.lower()).strip(".") or "team"
        return f"{local}@example.com"
    if field.kind == "tel":
        return "+1415555" + "".join(rng.choices(string.digits, k=4))
    if field.name == "telegram":
        return f"{rng.randint(10**8, 10**9)}:{_token(rng, 35)}"
    if field.name == "telegram_chat_id":
        return str(-rng.randint(10**12, 10**13))
    if not field.example:
        return _token(rng, rng.randint(25, 50))
    return re.sub(r"X{4,}|0{4,}|…", lambda m: _token(rng, max(len(m.group()), 24)), field.example)


def seed_rows(variant: str = "full", moment: datetime | None = None, size: int = SIZE) -> list[dict[str, Any]]:
    rng = random.Random(2026)
    moment = moment or datetime.now(UTC)
    slugs = [t.slug for t in types_for(variant)]
    rows = []
    for index in range(size):
        slug = slugs[index % len(slugs)] if index < len(slugs) else rng.choice(slugs)
        name = f"{rng.choice(NAMES)} {index + 1}" if rng.random() < 0.7 else rng.choice(NAMES)
        created = moment - timedelta(days=rng.uniform(60, 800), seconds=rng.randint(0, 86_400))
        never_used = rng.random() < 0.2
        last_activity = (
            None if never_used else moment - timedelta(seconds=rng.uniform(0, (moment - created).total_seconds()))
        )
        # About one email address in four is still waiting to be confirmed.
        state = rng.choices([1, 0, 2], weights=[70, 25, 30 if slug == "email" else 0])[0]
        rows.append(
            {
                "type": slug,
                "name": name,
                "settings": {f.name: _value(rng, f, name) for f in HANDLER_TYPES[slug].fields},
                "is_enabled": state,
                "last_datetime": last_activity.strftime(TIME_FORMAT) if last_activity else None,
                "datetime": created.strftime(TIME_FORMAT),
            }
        )
    return rows


# Types that servers of other products of the family list, and refuse to create or change through this API.
FOREIGN_ROWS = [
    {"type": "whatsapp", "name": "WhatsApp support line", "settings": {"whatsapp": "+14155550199"}},
    {"type": "twilio_call", "name": "Night call", "settings": {"twilio_call": "+14155550142"}},
    {"type": "push_subscriber_id", "name": "Browser push", "settings": {"push_subscriber_id": "sub-84613"}},
]


def foreign_rows(moment: datetime | None = None) -> list[dict[str, Any]]:
    moment = moment or datetime.now(UTC)
    return [
        row | {"is_enabled": 1, "last_datetime": None, "datetime": (moment - timedelta(days=40)).strftime(TIME_FORMAT)}
        for row in FOREIGN_ROWS
    ]
