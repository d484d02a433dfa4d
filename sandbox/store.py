"""The sandbox's data: handlers in their own SQLite file, filtered and ordered as the documents say."""

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FILTER_TIME_FORMATS = ("%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
ORDER_COLUMNS = {
    "notification_handler_id": "id",
    "datetime": "datetime",
    "last_datetime": "last_datetime",
    "name": "name",
}

# `type` may be NULL: an update on an erasing server leaves the handler typeless (shared/API.md).
SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    is_enabled INTEGER NOT NULL,
    last_datetime TEXT,
    datetime TEXT NOT NULL
)
"""


def now() -> str:
    return datetime.now(UTC).strftime(TIME_FORMAT)


@dataclass
class Filters:
    search: str = ""
    is_enabled: int | None = None
    type: str = ""
    datetime_field: str = ""
    datetime_start: str = ""
    datetime_end: str = ""
    order_by: str = "notification_handler_id"
    order_type: str = "DESC"


class Store:
    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute(SCHEMA.format(table="handlers"))
        self._db.commit()
        self._allow_null_types()

    def _allow_null_types(self) -> None:
        """Files made before typeless handlers existed had `type NOT NULL`: rebuild their table, ids kept."""
        columns = self._db.execute("PRAGMA table_info(handlers)").fetchall()
        if not any(column["name"] == "type" and column["notnull"] for column in columns):
            return
        names = "id, type, name, settings, is_enabled, last_datetime, datetime"
        with self._lock, self._db:
            sequence = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'handlers'").fetchone()
            self._db.execute("DROP TABLE IF EXISTS handlers_rebuilt")
            self._db.execute(SCHEMA.format(table="handlers_rebuilt"))
            self._db.execute(f"INSERT INTO handlers_rebuilt ({names}) SELECT {names} FROM handlers")
            self._db.execute("DROP TABLE handlers")
            self._db.execute("ALTER TABLE handlers_rebuilt RENAME TO handlers")
            if sequence is not None:
                # Ids of deleted handlers are never given again, as before.
                self._db.execute("DELETE FROM sqlite_sequence WHERE name = 'handlers'")
                self._db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('handlers', ?)", (sequence[0],))

    def is_empty(self) -> bool:
        return self._db.execute("SELECT COUNT(*) FROM handlers").fetchone()[0] == 0

    def replace_all(self, rows: Iterable[dict[str, Any]]) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM handlers")
            self._db.execute("DELETE FROM sqlite_sequence WHERE name = 'handlers'")
            for row in rows:
                self._insert(row)

    def create(self, row: dict[str, Any]) -> int:
        with self._lock, self._db:
            return self._insert(row)

    def _insert(self, row: dict[str, Any]) -> int:
        cursor = self._db.execute(
            "INSERT INTO handlers (type, name, settings, is_enabled, last_datetime, datetime)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                row["type"],
                row["name"],
                json.dumps(row["settings"]),
                row["is_enabled"],
                row.get("last_datetime"),
                row.get("datetime") or now(),
            ),
        )
        return int(cursor.lastrowid or 0)

    def get(self, handler_id: int) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM handlers WHERE id = ?", (handler_id,)).fetchone()
        return self._decode(row) if row else None

    def update(self, handler_id: int, changes: dict[str, Any]) -> None:
        if "settings" in changes:
            changes = changes | {"settings": json.dumps(changes["settings"])}
        columns = ", ".join(f"{name} = ?" for name in changes)
        with self._lock, self._db:
            self._db.execute(f"UPDATE handlers SET {columns} WHERE id = ?", (*changes.values(), handler_id))

    def delete(self, handler_id: int) -> bool:
        with self._lock, self._db:
            return self._db.execute("DELETE FROM handlers WHERE id = ?", (handler_id,)).rowcount > 0

    def search(self, filters: Filters, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        where, args = ["1 = 1"], list[str | int]()
        if filters.search:
            where.append("name LIKE ? ESCAPE '\\'")
            args.append("%" + filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if filters.is_enabled is not None:
            where.append("is_enabled = ?")
            args.append(filters.is_enabled)
        if filters.type:
            where.append("type = ?")
            args.append(filters.type)
        if filters.datetime_field in ("datetime", "last_datetime"):
            for bound, operator in ((filters.datetime_start, ">="), (filters.datetime_end, "<=")):
                if parsed := parse_filter_time(bound):
                    where.append(f"{filters.datetime_field} {operator} ?")
                    args.append(parsed)
        column = ORDER_COLUMNS.get(filters.order_by, "id")
        direction = "ASC" if filters.order_type.upper() == "ASC" else "DESC"
        # Never-used handlers sort as the oldest, as MySQL orders NULLs.
        order = (
            f"{column} IS NOT NULL, {column} {direction}"
            if direction == "ASC"
            else f"{column} IS NULL, {column} {direction}"
        )
        sql_where = " AND ".join(where)
        total = self._db.execute(f"SELECT COUNT(*) FROM handlers WHERE {sql_where}", args).fetchone()[0]
        rows = self._db.execute(
            f"SELECT * FROM handlers WHERE {sql_where} ORDER BY {order}, id {direction} LIMIT ? OFFSET ?",
            (*args, per_page, (page - 1) * per_page),
        ).fetchall()
        return [self._decode(row) for row in rows], total

    @staticmethod
    def _decode(row: sqlite3.Row) -> dict[str, Any]:
        return dict(row) | {"settings": json.loads(row["settings"])}


def parse_filter_time(value: str) -> str | None:
    for fmt in FILTER_TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).strftime(TIME_FORMAT)
        except ValueError:
            continue
    return None
