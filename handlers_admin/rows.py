"""Handlers as the table and a channel's page show them: plain values, worked out in Python once per page where
they do not depend on the row. The markup is in templates/includes/handler_parts.html."""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext

from handlers_admin import channel_details
from handlers_admin.api import Handler, State
from handlers_admin.handler_types import changeable_types, is_damaged, is_hidden, shown_settings
from handlers_admin.mirror import Copied, activity
from handlers_admin.models import Health
from handlers_admin.server_profile import product_page
from handlers_admin.words import Clock, Moment, field_label, icon_name, type_label


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    label: str
    value: str
    hidden: bool


def setting_rows(handler: Handler, *, masked: bool = False) -> list[Setting]:
    """The settings of a handler's page, labelled; `masked` when they are the mirror's, masked already."""
    values = handler.settings if masked else shown_settings(handler)
    return [
        Setting(label=field_label(name), value=value, hidden=is_hidden(handler.type, name))
        for name, value in values.items()
    ]


@lru_cache(maxsize=64)
def _url_shape(name: str, prefix: str) -> str:
    """A handler URL with "{}" for its id, so rows format it rather than walk the resolver each."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TableRow:
    """A handler as its table row and its switch show it."""

    # Text, not a number: the template would format a number for the language, once for each of its uses.
    id: str
    name: str
    # The name, or words saying it has none.
    title: str
    icon: str
    type_label: str
    state: State
    # Whether the panel can change it: not a type the product's API refuses to change, nor a damaged channel.
    changeable: bool
    # The product holds it without its type, or with settings not its type's.
    damaged: bool
    # Whether the member has it in their selection for a bulk action.
    selected: bool
    on: bool
    state_class: str
    state_label: str
    url: str
    toggle_url: str
    edit_url: str
    # The product's own page for it, where changes work whatever its API does.
    product_url: str
    # The real activity of a copy: changes made through the panel do not count (see mirror.activity).
    last_activity: Moment | None
    created: Moment | None
    # What the last silent check found: a Health value, and its label.
    health: str
    health_label: str
    # The panel's own details of it: its labels, and its owner's username.
    labels: tuple[str, ...] = ()
    owner: str = ""


class RowMaker:
    """Makes the rows of one page: URL shapes, labels and the clock are worked out once, not for each row."""

    def __init__(
        self,
        *,
        selected: frozenset[int] = frozenset(),
        details: dict[int, channel_details.Details] | None = None,
    ) -> None:
        self.clock = Clock()
        self.details = details or {}
        prefix = get_script_prefix()
        self.detail_url = _url_shape("handler_detail", prefix)
        self.toggle_url = _url_shape("handler_toggle", prefix)
        self.edit_url = _url_shape("handler_edit", prefix)
        self.product_url = product_page(0).removesuffix("0") + "{}"
        self.state_labels = {state: str(state.label) for state in State}
        self.health_labels = {health.value: str(health.label) for health in Health}
        self.no_name = gettext("(no name)")
        self.type_labels: dict[str, str] = {}
        self.selected = selected
        self.changeable = changeable_types(settings.API_VARIANT)

    def row(self, handler: Handler) -> TableRow:
        slug = handler.type
        damaged = is_damaged(handler)
        health = handler.health if isinstance(handler, Copied) else Health.UNCHECKED
        if slug not in self.type_labels:
            self.type_labels[slug] = type_label(slug)
        details = self.details.get(handler.id, channel_details.NO_DETAILS)
        return TableRow(
            id=str(handler.id),
            name=handler.name,
            title=handler.name or self.no_name,
            icon=icon_name(slug),
            type_label=self.type_labels[slug],
            state=handler.state,
            changeable=slug in self.changeable and not damaged,
            damaged=damaged,
            selected=handler.id in self.selected,
            on=handler.state != State.OFF,
            state_class=handler.state.name.lower(),
            state_label=self.state_labels[handler.state],
            url=self.detail_url.format(handler.id),
            toggle_url=self.toggle_url.format(handler.id),
            edit_url=self.edit_url.format(handler.id),
            product_url=self.product_url.format(handler.id),
            last_activity=self.clock.moment(activity(handler)),
            created=self.clock.moment(handler.created),
            health=health,
            health_label=self.health_labels[health],
            labels=details.labels,
            owner=details.owner,
        )


def table_rows(handlers: list[Handler], *, selected: frozenset[int] = frozenset()) -> list[TableRow]:
    """The rows of a page, with their details read at once."""
    maker = RowMaker(selected=selected, details=channel_details.details_for(handler.id for handler in handlers))
    return [maker.row(handler) for handler in handlers]


def handler_row(handler: Handler) -> TableRow:
    return RowMaker().row(handler)
