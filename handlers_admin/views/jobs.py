"""Bulk actions and imports: confirming one, the jobs list, a job's progress, cancel and retry, and the CSV import."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from handlers_admin import imports, jobs, server_profile, services, table
from handlers_admin.models import Job
from handlers_admin.roles import CHANGE, DELETE
from handlers_admin.views.access import HtmxRequest, member_of

JOBS_PER_PAGE = 25
# The handlers a confirmation names before "and N more".
FIRST_NAMED = 10


def job_list(request: HttpRequest) -> HttpResponse:
    listed = Job.objects.select_related("undoes").prefetch_related("undone_by")
    page = Paginator(listed, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(job, jobs.counts(job)) for job in page.object_list]
    return render(request, "handlers_admin/jobs.html", {"page": page, "rows": rows})


def job_detail(request: HtmxRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("created_by", "undoes"), pk=job_id)
    context = {
        "job": job,
        "progress": jobs.progress(job),
        "items": job.items.all()[:1000],
        "undone_by": jobs.undo_of(job),
        "undoable": not jobs.undo_refusal(job),
    }
    # While it runs, the page asks for its progress every few seconds and swaps it in.
    partial = "#progress" if request.htmx and not request.htmx.boosted else ""
    return render(request, "handlers_admin/job_detail.html" + partial, context)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    jobs.cancel(job)
    messages.info(request, _("The job stops after the item it is on; the rest is left undone."))
    return redirect("job_detail", job_id=job.pk)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if job.kind == Job.Kind.DELETE and not request.user.has_perm(DELETE):
        raise PermissionDenied
    count = jobs.retry_failed(job)
    messages.info(
        request,
        ngettext("%(count)d failed item is tried again.", "%(count)d failed items are tried again.", count)
        % {"count": count},
    )
    return redirect("job_detail", job_id=job.pk)


@permission_required(CHANGE, raise_exception=True)
def job_create(request: HttpRequest) -> HttpResponse:
    """Confirms a bulk action on the selection, naming the count and the first handlers, then starts it."""
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in jobs.allowed_kinds(request.user):
        raise PermissionDenied
    chosen = table.selected_ids(request)
    if not chosen:
        messages.error(request, _("Select the channels to act on first."))
        return redirect("handler_list")
    if kind in (Job.Kind.ENABLE, Job.Kind.DISABLE) and (refusal := services.known_update_refusal()):
        messages.error(request, refusal)
        return redirect("handler_list")
    if request.method != "POST":
        context = {
            "kind": Job.Kind(kind),
            "count": len(chosen),
            "first": services.handlers_from_mirror(chosen[:FIRST_NAMED]),
        }
        return render(request, "handlers_admin/job_confirm.html", context)
    job = jobs.start_bulk(member_of(request), kind, chosen)
    table.clear_selection(request)
    return redirect("job_detail", job_id=job.pk)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def check_all(request: HttpRequest) -> HttpResponse:
    """Starts a check of every channel, or shows the one already under way."""
    if running := Job.objects.filter(kind=Job.Kind.CHECK, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).first():
        messages.info(request, _("A check of every channel is already under way."))
        return redirect("job_detail", job_id=running.pk)
    return redirect("job_detail", job_id=jobs.start_check(member_of(request)).pk)


# Pasted text holds the secrets of its rows: error reports carry none of what this page posts.
@sensitive_post_parameters()
@never_cache
@permission_required(CHANGE, raise_exception=True)
def handler_import(request: HttpRequest) -> HttpResponse:
    """Checks a CSV file row by row, nothing sent; then, once confirmed, creates its handlers as a job."""
    if request.method != "POST":
        return render(request, "handlers_admin/import.html", {})
    if request.POST.get("action") == "create":
        job = imports.start(member_of(request), request.POST.get("key", ""))
        if job is None:
            messages.error(request, _("The checked file waited too long: send it again."))
            return redirect("handler_import")
        return redirect("job_detail", job_id=job.pk)
    upload = request.FILES.get("file")
    try:
        raw = upload.read(imports.MAX_BYTES + 1) if upload else request.POST.get("text", "").encode()
        checked = imports.read(
            raw.decode("utf-8-sig"), variant=settings.API_VARIANT, refused=server_profile.refused_types()
        )
    except UnicodeDecodeError:
        error = _("The file is not UTF-8 text: save it as CSV UTF-8 and try again.")
        return render(request, "handlers_admin/import.html", {"error": error})
    except imports.Unreadable as e:
        return render(request, "handlers_admin/import.html", {"error": str(e)})
    context = {
        "rows": checked.rows,
        "ready": checked.ready,
        "failing": len(checked.rows) - checked.ready,
        "ignored_columns": checked.ignored_columns,
        "key": imports.keep_for_confirmation(checked.rows) if checked.ready else "",
    }
    return render(request, "handlers_admin/import.html", context)


@permission_required(CHANGE, raise_exception=True)
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_csv(variant=settings.API_VARIANT), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="channels-import-template.csv"'
    return response


@permission_required(CHANGE, raise_exception=True)
def job_undo(request: HttpRequest, job_id: int) -> HttpResponse:
    """Confirms an undo of a switch job, naming how many channels it switches back and which it leaves alone and
    why, then starts it as a job of its own."""
    job = get_object_or_404(Job, pk=job_id)
    if undo := jobs.undo_of(job):
        messages.info(request, _("This job was undone already; here is its undo."))
        return redirect("job_detail", job_id=undo.pk)
    if refusal := jobs.undo_refusal(job) or services.known_update_refusal():
        messages.error(request, refusal)
        return redirect("job_detail", job_id=job.pk)
    if request.method != "POST":
        plan = jobs.undo_plan(job)
        context = {
            "job": job,
            "plan": plan,
            "count": len(plan.switched_back),
            "first": plan.switched_back[:FIRST_NAMED],
        }
        return render(request, "handlers_admin/job_undo.html", context)
    if (undo := jobs.start_undo(member_of(request), job)) is None:
        messages.error(request, _("Nothing is left to undo: every channel this job switched was changed since."))
        return redirect("job_undo", job_id=job.pk)
    return redirect("job_detail", job_id=undo.pk)
