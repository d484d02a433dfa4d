"""A channel's labels, owner and notes: kept by the panel, never sent to the product, found everywhere a channel is."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client

from handlers_admin import channel_details, imports, jobs, mirror
from handlers_admin.channel_details import Details
from handlers_admin.models import AuditEntry, ChannelDetails, Health, Job, JobItem, Label, MirroredHandler
from handlers_admin.roles import Role
from handlers_admin.sealed import unseal
from tests.api import CREATE_URL, HTMX, handler_json, one_url, sent_fields
from tests.helpers import make_member

LONG_AGO = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S")


def ids_shown(text: str) -> list[int]:
    return [int(found) for found in re.findall(r'<td class="opt muted id">(\d+)</td>', text)]


def give(handler_id: int, *, labels: tuple[str, ...] = (), owner: str = "", notes: str = "") -> None:
    who = User.objects.filter(username="setter").first() or make_member("setter", Role.EDITOR)
    assert channel_details.save(who, handler_id, Details(labels=labels, owner=owner, notes=notes))


def edit_read_key(page: str) -> str:
    return page.split('name="edit_read" value="')[1].split('"')[0]


# Saving only the details from the edit form.


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("labels", "Billing, eu ,  customer   acme", ("Billing", "customer acme", "eu")),
        ("owner", "eddie", "eddie"),
        (
            "notes",
            "Runbook: https://wiki.example.com/ops\nCall Ada first.",
            "Runbook: https://wiki.example.com/ops\nCall Ada first.",
        ),
    ],
)
def test_an_edit_changing_only_a_detail_calls_nothing_on_save(
    api: responses.RequestsMock, editor_client: Client, field: str, value: str, kept: object
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    page = editor_client.get("/handlers/4/edit/").text
    assert len(api.calls) == 1  # opening the form reads the channel
    same = {"name": "Work email", "type": "email", "email": "hey@example.com", "edit_read": edit_read_key(page)}
    response = editor_client.post("/handlers/4/edit/", same | {field: value}, follow=True)
    assert len(api.calls) == 1, [call.request.url for call in api.calls[1:]]
    assert "The labels, owner and notes of “Work email” were saved." in response.text
    assert getattr(channel_details.details_of(4), field) == kept
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DETAILS, handler_id=4)
    assert entry.origin == AuditEntry.Origin.PANEL and entry.actor_name == "eddie"
    assert [change["field"] for change in entry.changes] == [field]
    assert entry.changes[0]["before"] == "" and entry.changes[0]["after"]


def test_an_edit_changing_the_product_fields_sends_no_detail(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    key = edit_read_key(editor_client.get("/handlers/4/edit/").text)
    api.post(one_url(4), json={"data": handler_json(id=4, name="Renamed")})
    fields = {"name": "Renamed", "type": "email", "email": "hey@example.com", "edit_read": key}
    editor_client.post("/handlers/4/edit/", fields | {"labels": "ops", "owner": "eddie", "notes": "Hi"})
    post = next(call for call in api.calls if call.request.method == "POST")
    assert not {"labels", "owner", "notes"} & set(sent_fields(post.request))
    assert channel_details.details_of(4) == Details(labels=("ops",), owner="eddie", notes="Hi")


def test_an_unknown_owner_is_a_plain_error_that_keeps_what_was_typed(
    api: responses.RequestsMock, editor_client: Client
) -> None:
    api.get(one_url(4), json={"data": handler_json(id=4)})
    key = edit_read_key(editor_client.get("/handlers/4/edit/").text)
    fields = {"name": "Work email", "type": "email", "email": "hey@example.com", "edit_read": key}
    response = editor_client.post("/handlers/4/edit/", fields | {"owner": "nobody-here", "labels": "ops"})
    assert response.status_code == 200 and len(api.calls) == 1
    assert "No member is called “nobody-here”." in response.text
    assert 'value="nobody-here"' in response.text and 'value="ops"' in response.text
    # The channel's page says it the same way, in place.
    page = editor_client.post("/handlers/4/details/", {"owner": "nobody-here", "notes": "kept"}, headers=HTMX)
    assert page.status_code == 200 and "No member is called “nobody-here”." in page.text
    assert 'value="nobody-here"' in page.text and "kept</textarea>" in page.text
    assert not ChannelDetails.objects.exists() and not AuditEntry.objects.filter(action="details").exists()


def test_an_owner_is_found_by_username_whatever_its_case(mirrored, editor_client: Client) -> None:
    mirrored(handler_json(id=4))
    make_member("Alice", Role.VIEWER)
    editor_client.post("/handlers/4/details/", {"owner": "alice"})
    assert channel_details.details_of(4).owner == "Alice"


# Labels.


def test_labels_are_one_whatever_their_case_shown_as_first_written(mirrored, editor_client: Client) -> None:
    mirrored(handler_json(id=1, name="Ops"), handler_json(id=2, name="Sales"))
    give(1, labels=("billing",))
    editor_client.post("/handlers/2/details/", {"labels": "Billing, BILLING, eu"})
    assert Label.objects.filter(name__iexact="billing").count() == 1
    assert channel_details.details_of(2).labels == ("billing", "eu")
    # Adding "Billing" to a channel that has "billing" keeps one label.
    editor_client.post("/handlers/1/details/", {"labels": "billing, Billing"})
    assert channel_details.details_of(1).labels == ("billing",)
    text = editor_client.get("/handlers/?label=BILLING").text
    assert sorted(ids_shown(text)) == [1, 2]
    assert ids_shown(editor_client.get("/handlers/?label=EU").text) == [2]
    assert channel_details.label_suggestions() == ["billing", "eu"]


def test_labels_are_cleaned_and_limited_with_a_clear_message(mirrored, editor_client: Client) -> None:
    mirrored(handler_json(id=1))
    assert channel_details.parse_labels("  customer \t  acme ,, eu,\x00x ") == ("customer acme", "eu", "x")
    too_long = "l" * 41
    response = editor_client.post("/handlers/1/details/", {"labels": f"ok, {too_long}"}, headers=HTMX)
    assert f"A label can have at most 40 characters: “{too_long}” has 41." in response.text
    many = ", ".join(f"label{i}" for i in range(21))
    response = editor_client.post("/handlers/1/details/", {"labels": many}, headers=HTMX)
    assert "A channel can have at most 20 labels (this list has 21)." in response.text
    assert not ChannelDetails.objects.exists()
    editor_client.post("/handlers/1/details/", {"labels": ", ".join(f"label{i}" for i in range(20))})
    assert len(channel_details.details_of(1).labels) == 20


# The table's filters.


@pytest.fixture
def labelled_table(mirrored, editor, viewer) -> None:
    rows = [
        (1, "Ops alerts", "slack", 1, ("billing",), "eddie"),
        (2, "Ops night", "slack", 1, ("Billing",), "vera"),
        (3, "Ops eu", "slack", 1, ("eu",), "eddie"),
        (4, "Ops inbox", "email", 1, ("billing",), "eddie"),
        (5, "Ops off", "slack", 0, ("billing",), "eddie"),
        (6, "Billing", "slack", 1, ("billing",), "eddie"),
        (7, "Ops bare", "slack", 1, (), ""),
    ]
    settings = {"slack": {"slack": "https://hooks.slack.com/x"}, "email": {"email": "ops@example.com"}}
    mirrored(
        *[
            handler_json(id=i, name=name, type=slug, is_enabled=on, settings=settings[slug])
            for i, name, slug, on, *_details in rows
        ]
    )
    for i, *_product, labels, owner in rows:
        if labels or owner:
            give(i, labels=labels, owner=owner)


def test_the_label_and_owner_filters_combine_with_search_type_and_status(labelled_table, viewer_client: Client) -> None:
    def shown(query: str) -> set[int]:
        return set(ids_shown(viewer_client.get(f"/handlers/?{query}", headers=HTMX).text))

    assert shown("label=BILLING") == {1, 2, 4, 5, 6}
    assert shown("owner=eddie") == {1, 3, 4, 5, 6}
    assert shown("search=ops&type=slack&is_enabled=1") == {1, 2, 3, 7}
    assert shown("label=billing&owner=eddie&search=ops&type=slack&is_enabled=1") == {1}
    assert shown("label=nothing-like-it") == set()


def test_my_channels_is_the_owner_filter_of_the_member_signed_in(labelled_table, editor_client: Client) -> None:
    page = editor_client.get("/handlers/").text
    assert '<a href="/handlers/?owner=eddie">My channels</a>' in page
    mine = editor_client.get("/handlers/?owner=eddie").text
    assert set(ids_shown(mine)) == {1, 3, 4, 5, 6} and "My channels" not in mine
    assert '<option value="eddie" selected>eddie</option>' in mine


def test_an_unknown_owner_in_the_url_is_said_and_every_channel_shown(labelled_table, viewer_client: Client) -> None:
    text = viewer_client.get("/handlers/?owner=ghost").text
    assert "No member is called “ghost”, so every owner" in text and len(ids_shown(text)) == 7


def test_the_table_shows_labels_and_owner_under_the_name_escaped(mirrored, viewer_client: Client, editor) -> None:
    mirrored(handler_json(id=1, name="Ops"), handler_json(id=2, name="Plain"))
    give(1, labels=("<b>eu</b>", "billing"), owner="eddie")
    text = viewer_client.get("/handlers/").text
    row = next(row for row in text.split("<tr>") if ">Ops</a>" in row)
    assert '<span class="tag">&lt;b&gt;eu&lt;/b&gt;</span>' in row and '<span class="tag">billing</span>' in row
    assert "Owner: eddie" in row and "<b>eu</b>" not in text
    plain = next(row for row in text.split("<tr>") if ">Plain</a>" in row)
    assert "row-details" not in plain


# Exports and the import.


def test_exports_and_the_import_round_trip_the_three_columns(
    api: responses.RequestsMock, mirrored, editor_client: Client
) -> None:
    mirrored(
        handler_json(id=1, name="Inbox", settings={"email": "team@example.org"}),
        handler_json(id=2, name="In-app", type="internal_notification", settings={}),
    )
    note = "Runbook: https://wiki.example.com/ops\nSecond line, with a comma"
    give(1, labels=("billing", "eu"), owner="eddie", notes=note)

    exported = editor_client.get("/handlers/export.json").json()["handlers"]
    by_id = {row["id"]: row for row in exported}
    assert by_id[1]["labels"] == ["billing", "eu"] and by_id[1]["owner"] == "eddie" and by_id[1]["notes"] == note
    assert by_id[2]["labels"] == [] and by_id[2]["owner"] == "" and by_id[2]["notes"] == ""

    text = editor_client.get("/handlers/export.csv").content.decode()
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["1"]["labels"], rows["1"]["owner"], rows["1"]["notes"]) == ("billing, eu", "eddie", note)

    # The exported file imported again: its rows carry the same details, never sent to the product.
    checked = imports.read(text, variant="full")
    assert [row.ok for row in checked.rows] == [True, True], [row.problems for row in checked.rows]
    assert {row.name: row.details for row in checked.rows} == {
        "Inbox": channel_details.details_of(1),
        "In-app": channel_details.NO_DETAILS,
    }
    key = imports.keep_for_confirmation(checked.rows)
    job = imports.start(User.objects.get(username="eddie"), key)
    assert job is not None
    sealed = {item.name: unseal(item.sealed_fields) for item in JobItem.objects.filter(job=job)}
    assert sealed["Inbox"] == {
        "name": "Inbox",
        "type": "email",
        "email": "team@example.org",
        "labels": "billing, eu",
        "owner": "eddie",
        "notes": note,
    }
    api.post(CREATE_URL, json={"data": {"id": 71}}, status=201)
    api.post(CREATE_URL, json={"data": {"id": 72}}, status=201)
    jobs.process(job.pk)
    assert sorted(map(sent_fields, (call.request for call in api.calls)), key=lambda sent: sent["name"]) == [
        {"name": "In-app", "type": "internal_notification"},
        {"name": "Inbox", "type": "email", "email": "team@example.org"},
    ]
    # The job keeps them for the channel it made (jobs._create calls keep_imported after the create).
    made = JobItem.objects.get(job=job, name="Inbox").handler_id
    channel_details.keep_imported(made, sealed["Inbox"], actor=job.created_by)
    assert channel_details.details_of(made) == channel_details.details_of(1)
    assert AuditEntry.objects.filter(action="details", handler_id=made).exists()


def test_an_import_job_keeps_each_rows_details(api: responses.RequestsMock, mirrored, editor_client: Client) -> None:
    """Needs the one line in jobs._create: channel_details.keep_imported(handler_id, fields, actor=actor)."""
    mirrored()
    text = 'name,type,labels,owner,notes\nIn-app,internal_notification,"ops, EU",eddie,See https://x.example\n'
    shown = editor_client.post("/handlers/import/", {"action": "preview", "text": text}).text
    key = shown.split('name="key" value="')[1].split('"')[0]
    editor_client.post("/handlers/import/", {"action": "create", "key": key})
    api.post(CREATE_URL, json={"data": {"id": 81}}, status=201)
    jobs.process(Job.objects.get().pk)
    assert sent_fields(api.calls[0].request) == {"name": "In-app", "type": "internal_notification"}
    assert channel_details.details_of(81) == Details(labels=("EU", "ops"), owner="eddie", notes="See https://x.example")
    assert AuditEntry.objects.get(action="details", handler_id=81).job_id == Job.objects.get().pk


def test_the_import_preview_checks_the_details(editor_client: Client, editor) -> None:
    text = (
        "name,type,labels,owner,notes\n"
        "Good,internal_notification,billing,eddie,\n"
        "Unowned,internal_notification,,somebody-else,\n"
        f'Crowded,internal_notification,"{",".join(f"l{i}" for i in range(21))}",,\n'
    )
    rows = imports.read(text, variant="full").rows
    assert rows[0].ok and rows[0].details == Details(labels=("billing",), owner="eddie")
    assert rows[1].problems == ["Owner: No member is called “somebody-else”."]
    assert not rows[2].ok and "at most 20 labels" in rows[2].problems[0]
    shown = editor_client.post("/handlers/import/", {"action": "preview", "text": text}).text
    assert "No member is called “somebody-else”." in shown and "1 row is ready" in shown


# The mirror, duplicates, the page.


def test_a_channel_removed_upstream_loses_its_details_at_the_next_refresh(sandbox, db) -> None:
    server = sandbox()
    mirror.refresh()
    gone, kept = MirroredHandler.objects.order_by("id").values_list("id", flat=True)[:2]
    give(gone, labels=("going",), notes="soon gone")
    give(kept, labels=("staying",))
    server.app.store.delete(gone)
    mirror.refresh()
    assert not MirroredHandler.objects.filter(id=gone).exists()
    assert not ChannelDetails.objects.filter(channel_id=gone).exists()
    assert channel_details.details_of(kept).labels == ("staying",)
    assert channel_details.label_suggestions() == ["staying"]


def test_a_duplicate_copies_the_details_to_the_new_channel(
    api: responses.RequestsMock, mirrored, editor_client: Client
) -> None:
    mirrored(handler_json(id=9, name="Bot", settings={"email": "bot@example.com"}))
    give(9, labels=("billing", "eu"), owner="eddie", notes="Ask Ada")
    form = editor_client.get("/handlers/9/duplicate/").text
    assert 'value="billing, eu"' in form and 'value="eddie"' in form and "Ask Ada</textarea>" in form
    assert len(api.calls) == 0
    token = form.split('name="submit_token" value="')[1].split('"')[0]
    api.post(CREATE_URL, json={"data": {"id": 10}}, status=201)
    posted = {"name": "Copy of Bot", "type": "email", "email": "bot@example.com", "submit_token": token}
    editor_client.post("/handlers/new/", posted | {"labels": "billing, eu", "owner": "eddie", "notes": "Ask Ada"})
    assert sent_fields(api.calls[0].request) == {"name": "Copy of Bot", "type": "email", "email": "bot@example.com"}
    assert channel_details.details_of(10) == channel_details.details_of(9) != channel_details.NO_DETAILS


def test_the_page_saves_details_with_no_call_and_shows_them_in_its_history(
    api: responses.RequestsMock, mirrored, editor_client: Client
) -> None:
    mirrored(handler_json(id=3, name="Ops"))
    response = editor_client.post(
        "/handlers/3/details/", {"labels": "ops", "owner": "eddie", "notes": "Pager"}, headers=HTMX
    )
    assert response.status_code == 200 and len(api.calls) == 0
    assert 'id="channel-details"' in response.text and 'id="history" aria-labelledby' in response.text
    assert "The labels, owner and notes were saved." in response.text
    again = editor_client.post("/handlers/3/details/", {"labels": "OPS", "owner": "eddie", "notes": "Pager"})
    assert again.status_code == 302 and AuditEntry.objects.filter(action="details").count() == 1
    page = editor_client.get("/handlers/3/").text
    assert "Labels: — → ops" in page and "Owner: — → eddie" in page and "Notes: — → Pager" in page
    assert 'href="/handlers/?label=ops"' in page and 'href="/handlers/?owner=eddie"' in page


def test_viewers_see_the_details_but_cannot_change_them(mirrored, viewer_client: Client, editor) -> None:
    mirrored(handler_json(id=3))
    give(3, labels=("ops",), owner="eddie")
    assert viewer_client.post("/handlers/3/details/", {"labels": "mine"}).status_code == 403
    viewer_client.post("/handlers/selection/", {"action": "one", "id": "3", "selected": "1"})
    denied = viewer_client.post("/handlers/selection/details/", {"action": "add_label", "label": "mine"})
    assert denied.status_code == 403
    page = viewer_client.get("/handlers/3/").text
    assert '<a class="tag" href="/handlers/?label=ops">ops</a>' in page and 'name="notes"' not in page
    assert channel_details.details_of(3).labels == ("ops",)


def test_notes_show_safe_links_and_escaped_html_with_their_line_breaks(mirrored, viewer_client: Client) -> None:
    mirrored(handler_json(id=3))
    notes = 'See https://wiki.example.com/ops?a=1&b=2 and <script>alert("x")</script>\nThen javascript:alert(1)'
    give(3, notes=notes)
    page = viewer_client.get("/handlers/3/").text
    section = page.split('id="channel-details"')[1].split("</section>")[0]
    assert '<a href="https://wiki.example.com/ops?a=1&amp;b=2" rel="noopener nofollow">' in section
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Then javascript:alert(1)" in section
    assert "<script>" not in section and 'href="javascript' not in section


# A selection at once.


@pytest.fixture
def selected(mirrored, editor_client: Client, viewer) -> Client:
    mirrored(*[handler_json(id=i, name=f"H{i}") for i in range(1, 6)])
    give(1, labels=("Billing",))
    editor_client.post("/handlers/selection/", {"action": "page", "shown": "1,2,3"})
    return editor_client


def test_bulk_add_and_remove_a_label_call_nothing_and_count_what_changed(
    api: responses.RequestsMock, selected: Client
) -> None:
    added = selected.post(
        "/handlers/selection/details/", {"action": "add_label", "label": " billing ", "next": "/handlers/"}, follow=True
    )
    assert added.redirect_chain == [("/handlers/", 302)]
    assert "The label “billing” was added to 2 channels." in added.text
    assert {i: channel_details.details_of(i).labels for i in range(1, 5)} == {
        1: ("Billing",),
        2: ("Billing",),
        3: ("Billing",),
        4: (),
    }
    changed = AuditEntry.objects.filter(action="details", actor_name="eddie").values_list("handler_id", flat=True)
    assert sorted(changed) == [2, 3]
    assert "Labels: — → Billing" in selected.get("/handlers/2/").text
    removed = selected.post("/handlers/selection/details/", {"action": "remove_label", "label": "BILLING"}, follow=True)
    assert "The label “BILLING” was taken off 3 channels." in removed.text
    assert not ChannelDetails.objects.exists() and not Label.objects.exists()
    assert "Labels: Billing → —" in selected.get("/handlers/1/").text
    assert len(api.calls) == 0 and not Job.objects.exists()


def test_bulk_set_and_clear_the_owner(api: responses.RequestsMock, selected: Client) -> None:
    give(3, owner="vera")
    response = selected.post("/handlers/selection/details/", {"action": "set_owner", "owner": "vera"}, follow=True)
    assert "The owner of 2 channels is now vera." in response.text
    assert [channel_details.details_of(i).owner for i in range(1, 5)] == ["vera", "vera", "vera", ""]
    response = selected.post("/handlers/selection/details/", {"action": "set_owner", "owner": ""}, follow=True)
    assert "3 channels no longer have an owner." in response.text
    assert [channel_details.details_of(i).owner for i in range(1, 4)] == ["", "", ""]
    assert channel_details.details_of(1).labels == ("Billing",)
    unknown = selected.post("/handlers/selection/details/", {"action": "set_owner", "owner": "ghost"}, follow=True)
    assert "Owner: No member is called “ghost”." in unknown.text
    assert len(api.calls) == 0 and not Job.objects.exists()


def test_a_bulk_label_leaves_a_channel_that_has_as_many_as_it_may(selected: Client) -> None:
    give(2, labels=tuple(f"l{i}" for i in range(20)))
    response = selected.post("/handlers/selection/details/", {"action": "add_label", "label": "new"}, follow=True)
    assert "was added to 2 channels" in response.text
    assert "1 channel already has 20 labels, so it was left as it was." in response.text
    assert "new" not in channel_details.details_of(2).labels


# The overview.


def test_the_overviews_stale_and_broken_lists_are_grouped_by_owner_nobodys_last(
    mirrored, viewer_client: Client, editor, viewer
) -> None:
    make_member("zoe", Role.VIEWER)
    mirrored(*[handler_json(id=i, name=f"Stale {i}", datetime=LONG_AGO, last_datetime=None) for i in range(1, 5)])
    MirroredHandler.objects.filter(id__in=[1, 2, 3, 4]).update(health=Health.BROKEN, health_details={"code": "gone"})
    give(1, owner="zoe")
    give(3, owner="eddie")
    text = viewer_client.get("/overview/").text
    broken = text.split('id="broken-title"')[1].split("</section>")[0]
    stale = text.split('id="stale-title"')[1].split("</section>")[0]
    for section in (broken, stale):
        groups = re.findall(r'<h3 class="owner-group"[^>]*>(.*?)</h3>', section)
        assert [re.sub(r"<[^>]+>", "", group) for group in groups] == ["Owner: eddie", "Owner: zoe", "No owner"]
        # Each channel is under its owner.
        parts = re.split(r'<h3 class="owner-group"', section)[1:]
        assert ["Stale 3" in parts[0], "Stale 1" in parts[1], "Stale 2" in parts[2] and "Stale 4" in parts[2]] == [
            True
        ] * 3
    assert "/handlers/?health=broken&amp;owner=eddie" in broken
    assert "owner=zoe" in stale and "activity=stale" in stale


def test_json_export_is_valid_with_details(mirrored, viewer_client: Client, editor) -> None:
    mirrored(handler_json(id=1))
    give(1, labels=("a",), owner="eddie", notes='quote " and\nline')
    body = json.loads(viewer_client.get("/handlers/export.json").content)
    assert body["handlers"][0]["notes"] == 'quote " and\nline'
