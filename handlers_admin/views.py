from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    healthy = database == "ok"
    return JsonResponse({"status": "ok" if healthy else "failing", "database": database}, status=200 if healthy else 503)


def handler_list(request: HttpRequest) -> HttpResponse:
    return render(request, "handlers_admin/handler_list.html")


def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "handlers_admin/overview.html")


def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "handlers_admin/audit.html")
