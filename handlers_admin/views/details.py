"""The panel's own details of a channel: labels, owner and notes, one channel's or a selection's."""

from django.http import Http404, HttpRequest, HttpResponse


def handler_details(request: HttpRequest, handler_id: int) -> HttpResponse:
    raise Http404  # placeholder until built


def selection_details(request: HttpRequest) -> HttpResponse:
    raise Http404  # placeholder until built
