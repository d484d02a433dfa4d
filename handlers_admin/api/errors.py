"""Every outcome of a call to the product that a caller can meet, each with the words that tell a member
what happened; statuses are mapped to errors and words by one table."""

import math
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ApiError(Exception):
    """A call that did not do what was asked, or whose outcome is not known. `message` is for members, now;
    `recorded` is what the audit trail keeps, read later."""

    # The words of an error raised without its own; each error that can be raised so has some.
    default: ClassVar["StrPromise | str"] = ""
    status: int | None = None

    def __init__(
        self, message: "str | StrPromise | None" = None, *, status: int | None = None, **values: object
    ) -> None:
        text = str(message if message is not None else self.default)
        self.message = text % ({"status": status} | values) if values else text
        super().__init__(self.message)
        self.status = status

    @property
    def recorded(self) -> str:
        return self.message


class NotConfigured(ApiError):
    default = _("The panel is not connected to the product yet. Ask an admin of the panel to finish setting it up.")


class Unreachable(ApiError):
    """A read that got no answer, or a call that never reached the server."""

    default = _(
        "The product could not be reached. Try again in a moment; if it keeps happening, tell an admin of the panel."
    )


class TimedOut(Unreachable):
    """A read whose answer did not come in time."""

    def __init__(self, seconds: float) -> None:
        text = ngettext(
            "The product did not answer within %(seconds)s second. Try again in a moment.",
            "The product did not answer within %(seconds)s seconds. Try again in a moment.",
            math.ceil(seconds),
        )
        super().__init__(text, seconds=f"{seconds:g}")


class NotSent(Unreachable):
    """Nothing reached the server (the connection was refused, or the name did not resolve): nothing changed."""

    default = _(
        "The product could not be reached, so nothing was changed. Try again in a moment; "
        "if it keeps happening, tell an admin of the panel."
    )


class OutcomeUnknown(ApiError):
    """A write whose answer never came (a timeout, a connection lost after sending, a proxy's 502 or 504):
    the server may or may not have made the change."""

    default = _(
        "The product did not answer in time, so it is not known yet whether this was done. The panel is checking."
    )


class Refused(ApiError):
    """401 and other 4xx: a bad key, but also a missing field or a plan limit; the server's title says which."""

    default = _("The product refused this: “%(title)s”")


class NotFound(ApiError):
    default = _("That channel does not exist any more: it may have been deleted.")


class NotAnApi(ApiError):
    """A 404 that is a web page, not the API's JSON: the API is off, or API_BASE_URL is wrong. It says nothing
    of the handler, which may well exist."""

    default = _(
        "The product answered with a web page instead of data: its API may be switched off, or the "
        "panel may be set up wrongly. Tell an admin of the panel."
    )


class RateLimited(ApiError):
    def __init__(self, retry_after: int) -> None:
        text = ngettext(
            "The team has used all the requests the product allows this minute. Try again in %(seconds)s second.",
            "The team has used all the requests the product allows this minute. Try again in %(seconds)s seconds.",
            retry_after,
        )
        super().__init__(text, status=429, seconds=retry_after)
        self.retry_after = retry_after

    @property
    def recorded(self) -> str:
        # Read later, "try again in 20 seconds" would no longer be true.
        return str(_("Not sent: the team had used all the requests the product allowed in that minute."))


class ServerFault(ApiError):
    default = _("The product had a problem on its side (error %(status)s). Try again in a moment.")


class BadAnswer(ApiError):
    default = _("The product sent an answer the panel cannot read. The fault is on its side; try again later.")


class CannotChange(ApiError):
    """A change the panel refuses before any call, because the product's API would refuse it."""

    default = _(
        "This panel cannot change channels of type “%(type)s”: the product does not allow it. "
        "Change it in the product itself. You can still delete it here."
    )


class UpdateRefused(CannotChange):
    """A change the panel refuses before any call because this server's update would erase the channel, or
    because whether it would could not be checked yet."""


class NotDone(ApiError):
    """The API's answer never came, and a check found that the change was not made."""


class Unconfirmed(ApiError):
    """The API's answer never came, and the check failed too: whether the change was made is not known."""

    default = _("We could not confirm whether this was saved: check again in a minute.")


# What a refused call's status stands for; a status not named here goes by its hundred (4xx, 5xx). Each
# error's words are its `default`.
BY_STATUS: dict[int, type[ApiError]] = {404: NotFound, 429: RateLimited, 4: Refused, 5: ServerFault}


def error_for(status: int, *, title: str | None) -> ApiError:
    """The error of a refused call, in the words its status calls for (429 aside: it carries the wait)."""
    kind = BY_STATUS.get(status) or BY_STATUS.get(status // 100, Refused)
    return kind(status=status, title=title or _("no reason given"))
