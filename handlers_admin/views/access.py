"""What views share: the handler of the URL or why it cannot be had, the status of a page the product failed,
where a plain form post goes back to, and how a failed change is told."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django_htmx.middleware import HtmxDetails

from handlers_admin import server_profile, services
from handlers_admin.api import ApiError, Handler, Unconfirmed
from handlers_admin.forms import HandlerForm
from handlers_admin.handler_types import SECRET_FIELDS, is_damaged

# Error reports must not carry the secrets these forms post.
hide_secrets = sensitive_post_parameters(*SECRET_FIELDS)
MANAGE_MEMBERS = "auth.change_user"


class HtmxRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it."""

    htmx: HtmxDetails


def error_status(error: ApiError) -> int:
    """The status of a page that could not be built because the API failed: never a 500."""
    return {404: 404, 429: 429}.get(error.status or 0, 502)


def error_page(
    request: HttpRequest, error: ApiError | str, *, status: int | None = None, product_url: str = ""
) -> HttpResponse:
    """The page of an action the product could not do, or the panel would not; `product_url` links to the
    product's own page for the channel, where it can be done instead."""
    message = error if isinstance(error, str) else error.message
    status = status or (error_status(error) if isinstance(error, ApiError) else 502)
    context = {"error": message, "product_url": product_url}
    return render(request, "handlers_admin/api_error.html", context, status=status)


def refusal_page(request: HttpRequest, handler: Handler | None) -> HttpResponse | None:
    """A page saying why the panel cannot change this handler (its type, or damage), or None when it can."""
    if handler and (refusal := services.change_refusal(handler.type, damaged=is_damaged(handler))):
        return error_page(request, refusal, status=409, product_url=server_profile.product_page(handler.id))
    return None


def update_refusal_page(request: HttpRequest, handler_id: int) -> HttpResponse | None:
    """A page saying why the panel sends no update to this server (checked first if never checked), or None."""
    if refusal := services.update_refusal():
        return error_page(request, refusal, status=409, product_url=server_profile.product_page(handler_id))
    return None


# What a view answers when the product could not give the handler of its URL.
Failure = Callable[[HttpRequest, int, ApiError], HttpResponse]


def _failure_page(request: HttpRequest, handler_id: int, error: ApiError) -> HttpResponse:
    return error_page(request, error)


def _read_from_api(request: HttpRequest, handler_id: int) -> Handler:
    return services.handler_from_api(handler_id)


def handler_view(
    *,
    changing: bool = False,
    updating: bool = False,
    failed: Failure = _failure_page,
    read: Callable[[HttpRequest, int], Handler] = _read_from_api,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Gives the view the handler of its URL as the product has it now, or answers why it cannot: the product
    failed (`failed` says how); for a view that changes it (`changing`), the panel cannot change handlers of
    its type or damaged ones, said before any call when the mirror already knows; for a view that sends it as
    an update (`updating`), this server's update would erase it. `read` says where the handler comes from."""
    changing = changing or updating

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, handler_id: int) -> HttpResponse:
            if changing and (refused := refusal_page(request, services.handler_from_mirror(handler_id))):
                return refused
            if updating and (refused := update_refusal_page(request, handler_id)):
                return refused
            try:
                handler = read(request, handler_id)
            except ApiError as e:
                return failed(request, handler_id, e)
            return (refusal_page(request, handler) if changing else None) or view(request, handler)

        return wrapper

    return decorate


with_handler = handler_view()


def shown_handler(*, changing: bool = False) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Gives a view that only shows the handler of its URL the mirror's copy with its age, costing no call (see
    services.handler_to_show), or answers why it cannot; `changing` as for handler_view."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, handler_id: int) -> HttpResponse:
            try:
                shown = services.handler_to_show(handler_id)
            except ApiError as e:
                return error_page(request, e)
            return (refusal_page(request, shown.handler) if changing else None) or view(request, shown)

        return wrapper

    return decorate


def tell_failure(request: HttpRequest, error: ApiError) -> None:
    """A failed change as a message: a warning when it may have been made after all, an error otherwise."""
    level = messages.WARNING if isinstance(error, Unconfirmed) else messages.ERROR
    messages.add_message(request, level, error.message)


def safe_next(request: HttpRequest) -> str | None:
    """Where a plain form post goes back to: a path on this site, never a name to reverse or another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def member_of(request: HttpRequest) -> User:
    """The signed-in member of a view that requires a permission, which no anonymous visitor has."""
    assert isinstance(request.user, User)
    return request.user


def form_page(request: HttpRequest, form: HandlerForm, **context: object) -> HttpResponse:
    """The create or edit form, as first shown or again with what was typed."""
    return render(request, "handlers_admin/handler_form.html", {"form": form, **context})
