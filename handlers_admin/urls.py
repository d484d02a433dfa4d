from django.urls import path
from django.views.generic import RedirectView

from handlers_admin.views import handler, jobs, members, overview, site, table

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="handler_list"), name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("language/", site.language, name="language"),
    path("handlers/", table.handler_list, name="handler_list"),
    path("handlers/export.csv", table.handler_export, {"file_format": "csv"}, name="handler_export_csv"),
    path("handlers/export.json", table.handler_export, {"file_format": "json"}, name="handler_export_json"),
    path("handlers/refresh/", table.mirror_refresh, name="mirror_refresh"),
    path("handlers/selection/", table.handler_selection, name="handler_selection"),
    path("handlers/<int:handler_id>/toggle/", table.handler_toggle, name="handler_toggle"),
    path("handlers/new/", handler.handler_create, name="handler_create"),
    path("handlers/new/fields/", handler.handler_type_fields, name="handler_type_fields"),
    path("handlers/test/", handler.form_send_test, name="form_send_test"),
    path("handlers/<int:handler_id>/", handler.handler_detail, name="handler_detail"),
    path("handlers/<int:handler_id>/edit/", handler.handler_edit, name="handler_edit"),
    path("handlers/<int:handler_id>/duplicate/", handler.handler_duplicate, name="handler_duplicate"),
    path("handlers/<int:handler_id>/delete/", handler.handler_delete, name="handler_delete"),
    path("handlers/<int:handler_id>/test/", handler.handler_send_test, name="handler_send_test"),
    path("handlers/import/", jobs.handler_import, name="handler_import"),
    path("handlers/import/template.csv", jobs.import_template, name="import_template"),
    path("overview/", overview.overview, name="overview"),
    path("audit/", overview.audit, name="audit"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/new/", jobs.job_create, name="job_create"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("members/", members.member_list, name="member_list"),
    path("members/<int:member_id>/role/", members.member_role, name="member_role"),
    path("members/<int:member_id>/access/", members.member_access, name="member_access"),
]
