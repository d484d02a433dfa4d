"""The ops overview: totals, counts by state and type, when handlers were last used, and the stale ones."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.urls import reverse

from handlers_admin.api import Handler, State
from handlers_admin.mirror import activity
from handlers_admin.table import CONDITIONS, DAMAGED, STALE, ListQuery, activity_choices, querystring
from handlers_admin.words import channel_count, state_count, type_label


@dataclass(frozen=True, kw_only=True)
class Tally:
    """How many handlers are in a group, and the table's URL that lists them (empty if it cannot)."""

    key: str
    label: str
    count: int
    url: str
    # The count in words, with the number's place ("%(count)s on"); empty where the label goes beside the number.
    counted: str = ""


@dataclass(frozen=True, kw_only=True)
class Overview:
    total: int
    # The total in words, with the number's place: "%(count)s channels".
    total_counted: str
    states: list[Tally]
    types: list[Tally]
    buckets: list[Tally]
    stale: list[Handler]
    stale_after_days: int
    # The channels the product holds without their type or settings, and the table listing them.
    damaged: Tally
    # The table showing every stale handler.
    stale_url: str

    @property
    def most_in_a_bucket(self) -> int:
        return max((bucket.count for bucket in self.buckets), default=0)


def is_idle(handler: Handler, *, since: datetime) -> bool:
    """No real activity since then, and in existence since then (as the table's idle filters count)."""
    if (last := activity(handler)) is not None:
        return last < since
    return handler.created is not None and handler.created < since


def table_url(query: ListQuery) -> str:
    return reverse("handler_list") + querystring(query)


def summarize(handlers: list[Handler], *, now: datetime, stale_after_days: int) -> Overview:
    states = Counter(handler.state for handler in handlers)
    types = Counter(handler.type for handler in handlers)
    # Each bar counts exactly what its link shows: the table filtered by that activity preset.
    buckets = [
        Tally(
            key=key,
            label=str(label),
            count=ListQuery(activity=key).handlers(now).count(),
            url=table_url(ListQuery(activity=key)),
        )
        for key, label in activity_choices()
        if key != STALE
    ]
    stale_before = now - timedelta(days=stale_after_days)
    stale = sorted(
        (h for h in handlers if h.state == State.ON and is_idle(h, since=stale_before)),
        key=lambda h: (activity(h) is not None, activity(h) or h.created or now),
    )
    return Overview(
        total=len(handlers),
        total_counted=channel_count(len(handlers)),
        states=[
            Tally(
                key=state.name.lower(),
                label=str(state.label),
                count=states[state],
                url=table_url(ListQuery(is_enabled=state)),
                counted=state_count(state, states[state]),
            )
            for state in (State.ON, State.OFF, State.PENDING)
        ],
        types=[
            # A channel without a type is a damaged one: its link is the damaged filter.
            Tally(
                key=slug,
                label=type_label(slug),
                count=count,
                url=table_url(ListQuery(type=slug) if slug else ListQuery(condition=DAMAGED)),
            )
            for slug, count in types.most_common()
        ],
        buckets=buckets,
        stale=stale,
        stale_after_days=stale_after_days,
        damaged=Tally(
            key=DAMAGED,
            label=str(dict(CONDITIONS)[DAMAGED]),
            count=ListQuery(condition=DAMAGED).handlers(now).count(),
            url=table_url(ListQuery(condition=DAMAGED)),
        ),
        stale_url=table_url(ListQuery(is_enabled=State.ON, activity=STALE, order_by="last_datetime", order_type="ASC")),
    )


@dataclass(frozen=True, kw_only=True)
class OwnerGroup[T]:
    """Some of a list's channels that one member owns (`owner` empty: the channels nobody owns), and the table
    listing all of theirs that the list is about (empty for nobody's)."""

    owner: str
    items: list[T]
    url: str


def by_owner[T](items: list[T], *, owner: Callable[[T], str], query: ListQuery | None = None) -> list[OwnerGroup[T]]:
    """The items grouped by their channel's owner, in the order of the owners' names, those with no owner last;
    each group keeps the items' order. `query` is the table of the list, which each owner's link narrows."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(owner(item), []).append(item)
    ordered = sorted(groups, key=lambda name: (not name, name.casefold(), name))
    return [
        OwnerGroup(
            owner=name,
            items=groups[name],
            url=table_url(replace(query, owner=name)) if query is not None and name else "",
        )
        for name in ordered
    ]
