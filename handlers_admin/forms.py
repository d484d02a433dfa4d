"""The panel's forms. They validate what a member sent, and nothing more: what they list comes from their caller."""

from datetime import UTC, datetime, time
from typing import Any, cast

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from handlers_admin import channel_details
from handlers_admin.api import Handler, State
from handlers_admin.handler_types import (
    ALL_FIELDS,
    HANDLER_TYPES,
    NAME_MAX_LENGTH,
    SECRET_FIELDS,
    HandlerType,
    TypeField,
    mask,
    types_for,
)
from handlers_admin.models import AuditEntry, Health
from handlers_admin.roles import Role
from handlers_admin.table import (
    CONDITIONS,
    DEFAULT_PER_PAGE,
    ORDER_FIELDS,
    PER_PAGE_CHOICES,
    ListQuery,
    activity_choices,
)
from handlers_admin.words import labelled

NOT_A_DATE = _("Enter a date like 2026-01-31.")
# Servers cut longer values silently, so the form refuses them with the limit in words.
TOO_LONG = ngettext_lazy(
    "This can have at most %(limit_value)d character (it has %(show_value)d).",
    "This can have at most %(limit_value)d characters (it has %(show_value)d).",
    "limit_value",
)
STATUS_CHOICES = [("", _("Any status")), *((str(state.value), state.label) for state in State)]

# Fields a wrong value of which is quietly corrected rather than reported: nobody types them.
SILENTLY_CORRECTED = ("page", "shift", "results_per_page", "order_by", "order_type")


class Select(forms.Select):
    """A select whose options render in its own template: filters re-render on every change."""

    template_name = "widgets/select.html"


EARLIEST_YEAR, LATEST_YEAR = 1900, 9000


class IsoDateTimeField(forms.DateTimeField):
    """An ISO 8601 date or date-time; a bare date at the end of a range means the whole day."""

    # Text, not a date picker: a half-typed date reaches the server, which says what is wrong with it,
    # instead of the browser silently sending nothing.
    widget = forms.TextInput(attrs={"placeholder": "2026-01-31", "inputmode": "numeric", "autocomplete": "off"})

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def to_python(self, value: Any) -> datetime | None:
        try:
            parsed = super().to_python(value)
            if parsed and self.end_of_day and isinstance(value, str) and len(value.strip()) == 10:
                parsed = timezone.make_aware(
                    datetime.combine(timezone.localtime(parsed).date(), time.max.replace(microsecond=0))
                )
            if parsed and not EARLIEST_YEAR <= timezone.localtime(parsed, UTC).year <= LATEST_YEAR:
                raise OverflowError
        except OverflowError:
            # A date near the calendar's ends cannot be moved between time zones.
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            ) from None
        return parsed

    def prepare_value(self, value: Any) -> Any:
        return timezone.localtime(value).date().isoformat() if isinstance(value, datetime) else value


class HandlerFilterForm(forms.Form):
    search = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name contains…")}),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        widget=Select,
        error_messages={"invalid_choice": _("“%(value)s” is not a channel type here, so every type is shown.")},
    )
    is_enabled = forms.TypedChoiceField(
        label=_("Status"), required=False, choices=STATUS_CHOICES, coerce=int, empty_value=None, widget=Select
    )
    activity = forms.ChoiceField(label=_("Last activity"), required=False, widget=Select)
    condition = forms.ChoiceField(
        label=_("Condition"), required=False, widget=Select, choices=[("", _("Any condition")), *CONDITIONS]
    )
    health = forms.ChoiceField(
        label=_("Health"),
        required=False,
        widget=Select,
        choices=[("", _("Any health")), *Health.choices],
        error_messages={"invalid_choice": _("“%(value)s” is not a finding of the checks, so every channel is shown.")},
    )
    label = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=200,
        # The labels in use are offered by the page's datalist (see the detail_suggestions tag).
        widget=forms.TextInput(attrs={"type": "search", "list": "label-suggestions", "autocomplete": "off"}),
    )
    owner = forms.ChoiceField(
        label=_("Owner"),
        required=False,
        widget=Select,
        error_messages={"invalid_choice": _("No member is called “%(value)s”, so every owner's channels are shown.")},
    )
    datetime_start = IsoDateTimeField(label=_("Created from"), required=False, error_messages={"invalid": NOT_A_DATE})
    datetime_end = IsoDateTimeField(
        label=_("Created until"),
        required=False,
        end_of_day=True,
        error_messages={"invalid": NOT_A_DATE},
    )
    results_per_page = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, widget=Select, choices=[(n, n) for n in PER_PAGE_CHOICES]
    )
    order_by = forms.ChoiceField(required=False, choices=[(f, f) for f in ORDER_FIELDS], widget=forms.HiddenInput)
    order_type = forms.ChoiceField(required=False, choices=[("ASC", "ASC"), ("DESC", "DESC")], widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9, widget=forms.HiddenInput)
    shift = forms.IntegerField(required=False, min_value=0, max_value=1000, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, types: list[tuple[str, str]], members: list[str] | None = None) -> None:
        """`types` are the type filter's choices (see table.type_choices); `members` the owner filter's usernames."""
        if data is not None and data.get("results_per_page") not in [str(n) for n in PER_PAGE_CHOICES]:
            data = data.copy()
            data["results_per_page"] = str(DEFAULT_PER_PAGE)  # corrected, and shown as what is in use
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["type"]).choices = [("", _("Any type")), *types]
        owners = [("", _("Any owner")), *((name, name) for name in members or [])]
        cast(forms.ChoiceField, self.fields["owner"]).choices = owners
        cast(forms.ChoiceField, self.fields["activity"]).choices = [("", _("Any activity")), *activity_choices()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("datetime_start"), cleaned.get("datetime_end")
        if start and end and start > end:
            self.add_error("datetime_end", _("The end of the range is before its start."))
        return cleaned

    def query(self) -> ListQuery:
        """The view of the table asked for; what is invalid is left out, and reported by `shown_errors`."""
        self.is_valid()
        return ListQuery(**{name: value for name, value in self.cleaned_data.items() if value not in (None, "")})

    @property
    def shown_errors(self) -> list[str]:
        return [
            labelled(self.fields[name].label, " ".join(str(error) for error in errors))
            for name, errors in self.errors.items()
            if name in self.fields and name not in SILENTLY_CORRECTED
        ]


WIDGETS = {
    "email": lambda: forms.EmailInput(attrs={"autocomplete": "off"}),
    "url": lambda: forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    "tel": lambda: forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    "text": lambda: forms.TextInput(attrs={"autocomplete": "off"}),
    "secret": lambda: forms.PasswordInput(
        render_value=True, attrs={"autocomplete": "new-password", "spellcheck": "false"}
    ),
}


def details_fields() -> dict[str, forms.Field]:
    """The fields of a channel's details, which the panel keeps and never sends to the product. The labels and
    members in use are offered by the page's datalists (see the detail_suggestions tag)."""
    return {
        "labels": forms.CharField(
            label=_("Labels"),
            required=False,
            max_length=2000,
            error_messages={"max_length": TOO_LONG},
            help_text=_("Words to find it by, separated by commas, like “billing, eu”."),
            widget=forms.TextInput(attrs={"list": "label-suggestions", "autocomplete": "off"}),
        ),
        "owner": forms.CharField(
            label=_("Owner"),
            required=False,
            max_length=150,
            help_text=_("The member who looks after it, by username; leave blank for none."),
            widget=forms.TextInput(attrs={"list": "member-names", "autocomplete": "off", "spellcheck": "false"}),
        ),
        "notes": forms.CharField(
            label=_("Notes"),
            required=False,
            max_length=channel_details.NOTES_MAX_LENGTH,
            error_messages={"max_length": TOO_LONG},
            help_text=_("For the team, in plain text; web addresses become links."),
            widget=forms.Textarea(attrs={"rows": 3}),
        ),
    }


class DetailsCleaning:
    """The checks of a channel's details, for a form that has their fields (see details_fields)."""

    cleaned_data: dict[str, Any]

    def clean_labels(self) -> tuple[str, ...]:
        return channel_details.parse_labels(self.cleaned_data.get("labels", ""))

    def clean_owner(self) -> str:
        owner = channel_details.find_member(self.cleaned_data.get("owner", ""))
        return owner.username if owner else ""

    def details(self) -> channel_details.Details:
        """The details asked for; only once the form is valid."""
        return channel_details.Details(
            labels=self.cleaned_data.get("labels") or (),
            owner=self.cleaned_data.get("owner") or "",
            notes=self.cleaned_data.get("notes") or "",
        )


class DetailsForm(DetailsCleaning, forms.Form):
    """A channel's labels, owner and notes, on its page."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields |= details_fields()


class TypePicker(forms.RadioSelect):
    """Radios named by their type's label alone, with the description as their description."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"] |= {"aria-labelledby": f"type-name-{value}", "aria-describedby": f"type-about-{value}"}
        return option


class HandlerForm(DetailsCleaning, forms.Form):
    """Name, type and every type's fields under the API's names; only the chosen type's are validated. Then the
    channel's details (labels, owner, notes), which the panel keeps and never sends (see `api_fields`).

    Editing (`current` given): a secret left blank keeps the stored value, unless the type changes.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        error_messages={"max_length": TOO_LONG},
        help_text=_("A name your team will recognise, like “Ops on-call” or “Billing alerts”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    type = forms.ChoiceField(
        label=_("Type"), widget=TypePicker, error_messages={"required": _("Choose where the notifications should go.")}
    )

    def __init__(
        self,
        data: Any = None,
        *,
        variant: str = "full",
        current: Handler | None = None,
        refused: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`refused` are the types this product refused to create, with its words (see server_profile)."""
        super().__init__(data, **kwargs)
        self.current = current
        self.variant = variant
        self.refused = refused or {}
        # Secrets typed in a sending that failed: they are asked for again, never shown back.
        self.retype: set[str] = set()
        self.types = types_for(variant)
        cast(forms.ChoiceField, self.fields["type"]).choices = [(t.slug, t.label) for t in self.types]
        for spec in ALL_FIELDS.values():
            self.fields[spec.name] = forms.CharField(
                label=spec.label,
                required=False,
                max_length=spec.max_length,
                error_messages={"max_length": TOO_LONG},
                strip=True,
                help_text=_("%(help)s Example: %(example)s") % {"help": spec.help_text, "example": spec.example}
                if spec.example
                else spec.help_text,
                widget=WIDGETS[spec.kind](),
            )
        self.fields |= details_fields()

    @property
    def chosen_type(self) -> HandlerType | None:
        slug = (self.data.get("type") if self.is_bound else None) or self.initial.get("type")
        return HANDLER_TYPES.get(slug) if slug in {t.slug for t in self.types} else None

    def keeps_stored_value(self, spec: TypeField) -> bool:
        """Whether a blank value of this field keeps the stored one."""
        current = self.current
        return bool(
            spec.secret
            and current
            and self.chosen_type
            and current.type == self.chosen_type.slug
            and current.settings.get(spec.name)
        )

    def kept_hint(self, spec: TypeField) -> str:
        assert self.current is not None
        return _("Leave blank to keep the current value (%(masked)s).") % {
            "masked": mask(self.current.settings[spec.name])
        }

    def type_choices(self) -> list[tuple[Any, HandlerType, str]]:
        """Each type's radio button with the type, and the product's words when it refused that type, for the picker."""
        return [(radio, t, self.refused.get(t.slug, "")) for radio, t in zip(self["type"], self.types, strict=True)]

    def type_groups(self) -> list[tuple[HandlerType, list[tuple[forms.BoundField, str, str]]]]:
        """Each type with its bound fields, each with a hint for a secret (that blank keeps it, or to type it again)
        and the service's page on how to get its value."""
        return [(t, [(self[f.name], self.hint(f), f.help_url) for f in t.fields]) for t in self.types]

    def hint(self, spec: TypeField) -> str:
        if spec.name in self.retype:
            return str(_("Type this again: the panel does not show back a secret you typed."))
        return self.kept_hint(spec) if self.keeps_stored_value(spec) else ""

    def retyped(self, *, current: Handler | None = None) -> "HandlerForm":
        """This form re-shown after the API failed: everything typed is kept but the secrets, which are
        asked for again, so that no secret is sent back to the browser."""
        typed = {name: value for name, value in self.data.items() if name in self.fields and name not in SECRET_FIELDS}
        form = HandlerForm(variant=self.variant, current=current, initial=typed, refused=self.refused)
        form.retype = {name for name in SECRET_FIELDS if self.data.get(name)}
        return form

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        handler_type = self.chosen_type
        if handler_type is None:
            return cleaned
        for spec in handler_type.fields:
            value = cleaned.get(spec.name, "")
            if spec.name in self.errors:
                continue
            if not value:
                if not self.keeps_stored_value(spec):
                    self.add_error(spec.name, _("%(type)s needs this.") % {"type": handler_type.label})
                continue
            try:
                cleaned[spec.name] = spec.validate(value)
            except forms.ValidationError as e:
                self.add_error(spec.name, e)
        return cleaned

    def api_fields(self) -> dict[str, str]:
        """Name, type and the chosen type's settings as the API names them; a kept secret is left out."""
        handler_type = self.chosen_type
        assert handler_type is not None and self.is_valid()
        fields = {"name": self.cleaned_data["name"], "type": handler_type.slug}
        for spec in handler_type.fields:
            if value := self.cleaned_data.get(spec.name):
                fields[spec.name] = value
        return fields


class BulkDetailsForm(forms.Form):
    """A change of the details of every channel of the selection: a label added or removed, the owner set."""

    ADD_LABEL, REMOVE_LABEL, SET_OWNER = "add_label", "remove_label", "set_owner"

    action = forms.ChoiceField(choices=[(ADD_LABEL, ADD_LABEL), (REMOVE_LABEL, REMOVE_LABEL), (SET_OWNER, SET_OWNER)])
    label = forms.CharField(label=_("Label"), required=False, max_length=200)
    owner = forms.CharField(label=_("Owner"), required=False, max_length=150)

    def clean_label(self) -> str:
        return channel_details.clean_label(self.cleaned_data.get("label", ""))

    def clean_owner(self) -> str:
        owner = channel_details.find_member(self.cleaned_data.get("owner", ""))
        return owner.username if owner else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("action") in (self.ADD_LABEL, self.REMOVE_LABEL) and cleaned.get("label") == "":
            self.add_error("label", _("Write the label."))
        return cleaned


class ToggleForm(forms.Form):
    """A switch's post: only the wanted state. What the audit trail says of the handler comes from the mirror."""

    enabled = forms.BooleanField(required=False)

    @property
    def wanted_enabled(self) -> bool:
        self.is_valid()
        return bool(self.cleaned_data.get("enabled"))


class AuditFilterForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"), required=False, widget=Select)
    action = forms.ChoiceField(
        label=_("Action"), required=False, widget=Select, choices=[("", _("Any action")), *AuditEntry.Action.choices]
    )
    # Changes made through the panel, or found made in the product by a refresh of the mirror.
    origin = forms.ChoiceField(
        label=_("Made in"),
        required=False,
        widget=Select,
        choices=[
            ("", _("The panel or the product")),
            (AuditEntry.Origin.PANEL, _("This panel")),
            (AuditEntry.Origin.PRODUCT, _("The product")),
        ],
    )
    handler = forms.CharField(
        label=_("Channel"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or ID")}),
    )
    # Typed as the table's dates are (IsoDateTimeField's widget): a half-typed date reaches the server, which says
    # what is wrong with it, where a date picker would silently send nothing.
    date_from = forms.DateField(
        label=_("From"), required=False, widget=IsoDateTimeField.widget, error_messages={"invalid": NOT_A_DATE}
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=IsoDateTimeField.widget, error_messages={"invalid": NOT_A_DATE}
    )

    def __init__(self, data: Any = None, *, members: list[str]) -> None:
        """`members` are the names the trail records (see audit.member_names)."""
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["member"]).choices = [
            ("", _("Anyone")),
            *((name, name) for name in members),
        ]

    def clean_date_from(self) -> Any:
        return self._in_calendar("date_from")

    def clean_date_to(self) -> Any:
        return self._in_calendar("date_to")

    def _in_calendar(self, name: str) -> Any:
        """The date typed, refused as the table's dates are near the calendar's ends: the day's bounds could not be
        moved between time zones."""
        value = self.cleaned_data.get(name)
        if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return value

    def filters(self) -> dict[str, Any]:
        """What is valid of the filters asked for."""
        self.is_valid()
        return self.cleaned_data


class MemberForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("What they type to sign in: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER, widget=Select)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=Select)
