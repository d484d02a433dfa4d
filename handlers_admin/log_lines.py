"""How the panel's log reads: one line an event, with the member it was done for; JSON when LOG_FORMAT
is json. Expected refusals (a 403 for a role, a 404) are one line, not a traceback."""

import json
import logging
from contextlib import AbstractContextManager
from contextvars import ContextVar

from handlers_admin.scoped import scoped

# The member the current request or job works for, as their username ("-" for nobody).
member: ContextVar[str] = ContextVar("log_member", default="-")


def for_member(name: str) -> AbstractContextManager[None]:
    """Log lines written in this block name this member."""
    return scoped(member, name)


class WithMember(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.member = member.get()
        return True


class RefusalsOnOneLine(logging.Filter):
    """Django logs a 403 or a 404 with the exception's traceback; for an expected refusal, one line says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text = None, None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "member": getattr(record, "member", "-"),
            "message": record.getMessage(),
        }
        if status := getattr(record, "status_code", None):
            line["status"] = status
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
