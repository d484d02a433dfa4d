"""What ops review: the overview of the account, and the audit trail of what was done through the panel."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from handlers_admin import audit as audit_trail
from handlers_admin import channel_details, channel_health, services
from handlers_admin.api import State
from handlers_admin.forms import AuditFilterForm
from handlers_admin.models import Health
from handlers_admin.overview import by_owner, summarize, table_url
from handlers_admin.rows import table_rows
from handlers_admin.table import STALE, ListQuery, header_cells
from handlers_admin.views.access import HtmxRequest

# The first of the stale and of the broken handlers; a link opens the table with all.
STALE_SHOWN = 20
AUDIT_PER_PAGE = 25


def overview(request: HttpRequest) -> HttpResponse:
    handlers, freshness = services.all_handlers()
    broken, broken_count = channel_health.broken(most=STALE_SHOWN)
    summary = summarize(handlers, now=timezone.now(), stale_after_days=settings.STALE_AFTER_DAYS)
    stale = table_rows(summary.stale[:STALE_SHOWN])
    owners = channel_details.owners_of(channel.id for channel in broken)
    context = {
        "overview": summary,
        "freshness": freshness,
        "stale": stale,
        "stale_groups": by_owner(
            stale, owner=lambda row: row.owner, query=ListQuery(is_enabled=State.ON, activity=STALE)
        ),
        "broken": broken,
        "broken_groups": by_owner(
            broken, owner=lambda channel: owners.get(channel.id, ""), query=ListQuery(health=Health.BROKEN)
        ),
        "broken_count": broken_count,
        "broken_url": table_url(ListQuery(health=Health.BROKEN)),
        "updates_refused": services.known_update_refusal(),
        "columns": header_cells(ListQuery(), sortable=False),
    }
    return render(request, "handlers_admin/overview.html", context)


def audit(request: HtmxRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, members=audit_trail.member_names())
    page = Paginator(audit_trail.entries(form.filters()), AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    partial = "#table" if request.htmx and not request.htmx.boosted else ""
    return render(request, "handlers_admin/audit.html" + partial, {"form": form, "page": page})
