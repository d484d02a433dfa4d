from django.urls import path
from django.views.generic import RedirectView

from handlers_admin import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="handler_list"), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("language/", views.language, name="language"),
    path("handlers/", views.handler_list, name="handler_list"),
    path("handlers/export.csv", views.handler_export, {"file_format": "csv"}, name="handler_export_csv"),
    path("handlers/export.json", views.handler_export, {"file_format": "json"}, name="handler_export_json"),
    path("handlers/new/", views.handler_create, name="handler_create"),
    path("handlers/import/", views.handler_import, name="handler_import"),
    path("handlers/import/template.csv", views.import_template, name="import_template"),
    path("handlers/new/fields/", views.handler_type_fields, name="handler_type_fields"),
    path("handlers/test/", views.form_send_test, name="form_send_test"),
    path("handlers/<int:handler_id>/test/", views.handler_send_test, name="handler_send_test"),
    path("handlers/<int:handler_id>/", views.handler_detail, name="handler_detail"),
    path("handlers/<int:handler_id>/edit/", views.handler_edit, name="handler_edit"),
    path("handlers/<int:handler_id>/duplicate/", views.handler_duplicate, name="handler_duplicate"),
    path("handlers/<int:handler_id>/delete/", views.handler_delete, name="handler_delete"),
    path("handlers/<int:handler_id>/toggle/", views.handler_toggle, name="handler_toggle"),
    path("handlers/refresh/", views.mirror_refresh, name="mirror_refresh"),
    path("handlers/selection/", views.handler_selection, name="handler_selection"),
    path("overview/", views.overview, name="overview"),
    path("audit/", views.audit, name="audit"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/new/", views.job_create, name="job_create"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("members/<int:member_id>/access/", views.member_access, name="member_access"),
]
