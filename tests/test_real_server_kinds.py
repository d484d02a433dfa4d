"""The panel against each kind of server the product's code makes (shared/API.md, "Updates on real servers"):
one whose update erases the channel, one that takes the type from the form only, and one whose update works.
Each test asserts on the sandbox's own state afterwards."""

import html

import pytest
from django.test import Client
from django.utils import translation

from handlers_admin import jobs, mirror, server_profile
from handlers_admin.models import AuditEntry, Job, JobItem, ServerProfile
from handlers_admin.roles import Role
from sandbox.store import Filters
from tests.api import HTMX
from tests.helpers import known_server, make_member, signed_in

UPDATE = "POST /api/notification-handlers/"


def scratch_rows(server) -> list[dict]:
    rows, _total = server.app.store.search(Filters(), 1, 1000)
    return [row for row in rows if row["name"] == server_profile.SCRATCH_NAME]


def updates_sent(server, handler_ids) -> list[str]:
    return [request for request in server.app.requests if request in {f"{UPDATE}{i}" for i in handler_ids}]


def add(server, **row) -> int:
    return server.app.store.create(
        {"is_enabled": 1, "last_datetime": None, "datetime": "2026-01-01 00:00:00", "settings": {}} | row
    )


@pytest.fixture
def account(sandbox, db):
    """A sandbox of the given kind with a Slack, a confirmed email and ten Discord channels that are on."""

    def start(update: str):
        server = sandbox(update=update, seed=False, checked=False)
        slack = add(
            server, type="slack", name="Ops Slack", settings={"slack": "https://hooks.slack.com/services/T/B/S1"}
        )
        email = add(server, type="email", name="Ops inbox", settings={"email": "ops@example.com"})
        discord = [
            add(
                server,
                type="discord",
                name=f"Night shift {n}",
                settings={"discord": f"https://discord.com/api/webhooks/{n}/x"},
            )
            for n in range(10)
        ]
        mirror.refresh()
        return server, slack, email, discord

    return start


def switch_off_in_bulk(editor, handler_ids: list[int]) -> Job:
    job = jobs.start_bulk(editor, Job.Kind.DISABLE, handler_ids)
    jobs.process(job.pk)
    job.refresh_from_db()
    return job


def test_on_an_erasing_server_nothing_is_updated_and_each_refusal_says_why(account, editor, editor_client) -> None:
    server, slack, email, discord = account("erases")
    before = {i: dict(server.app.store.get(i)) for i in [slack, email, *discord]}

    switched = editor_client.post(f"/handlers/{slack}/toggle/", {}, headers=HTMX)
    assert "erases the channel" in switched.text and f"/notification-handler-update/{slack}" in switched.text
    email_switch = editor_client.post(f"/handlers/{email}/toggle/", {}, headers=HTMX)
    assert "erases the channel" in email_switch.text
    edit = editor_client.post(
        f"/handlers/{slack}/edit/",
        {"name": "Renamed", "type": "slack", "slack": "https://hooks.slack.com/services/T/B/S2"},
    )
    assert edit.status_code == 409 and "erases the channel" in edit.text
    assert f"/notification-handler-update/{slack}" in edit.text
    job = switch_off_in_bulk(editor, discord)

    assert job.status == Job.Status.DONE
    assert set(job.items.values_list("outcome", flat=True)) == {JobItem.Outcome.FAILED}
    assert all("erases the channel" in item.message for item in job.items.all())
    assert updates_sent(server, [slack, email, *discord]) == []
    assert {i: server.app.store.get(i) for i in before} == before
    assert sum(server.app.confirmations_sent.values()) == 0
    assert server_profile.current().update_check == ServerProfile.Check.ERASES


def test_the_refusal_is_in_the_members_language(account, db) -> None:
    server, slack, _email, _discord = account("erases")
    client = signed_in(make_member("marie", Role.EDITOR))
    client.cookies["django_language"] = "fr"
    answer = html.unescape(client.post(f"/handlers/{slack}/toggle/", {}, headers=HTMX).text)
    with translation.override("fr"):
        french = server_profile.erasing_words()
    with translation.override("en"):
        english = server_profile.erasing_words()
    assert french != english and french in answer and english not in answer
    assert updates_sent(server, [slack]) == []


def test_a_server_that_takes_the_type_from_the_form_keeps_every_channel_whole(account, editor, editor_client) -> None:
    server, slack, email, discord = account("form_type")
    editor_client.post(f"/handlers/{slack}/toggle/", {}, headers=HTMX)
    editor_client.post(f"/handlers/{email}/toggle/", {}, headers=HTMX)
    editor_client.post(f"/handlers/{email}/toggle/", {"enabled": "on"}, headers=HTMX)
    editor_client.post(f"/handlers/{slack}/edit/", {"name": "Ops Slack 2", "type": "slack", "slack": ""})
    job = switch_off_in_bulk(editor, discord)

    stored_slack = server.app.store.get(slack)
    assert stored_slack["type"] == "slack" and stored_slack["name"] == "Ops Slack 2"
    assert stored_slack["settings"] == {"slack": "https://hooks.slack.com/services/T/B/S1"}
    assert stored_slack["is_enabled"] == 0
    stored_email = server.app.store.get(email)
    assert stored_email["type"] == "email" and stored_email["settings"]["email"] == "ops@example.com"
    assert stored_email["is_enabled"] == 1 and server.app.confirmations_sent[email] == 0
    assert set(job.items.values_list("outcome", flat=True)) == {JobItem.Outcome.DONE}
    for handler_id in discord:
        stored = server.app.store.get(handler_id)
        assert stored["type"] == "discord" and stored["settings"]["discord"].startswith("https://discord.com/")
        assert stored["is_enabled"] == 0
    assert server_profile.current().update_check == ServerProfile.Check.KEEPS


def test_on_a_working_server_the_check_runs_once_and_a_switch_costs_one_call(account, editor_client) -> None:
    server, slack, email, _discord = account("works")
    server.app.requests.clear()
    editor_client.post(f"/handlers/{slack}/toggle/", {}, headers=HTMX)
    check_calls = [r for r in server.app.requests if r != f"{UPDATE}{slack}"]
    assert len(check_calls) <= 4 and server.app.requests.count(f"{UPDATE}{slack}") == 1
    profile = server_profile.current()
    assert profile.update_check == ServerProfile.Check.KEEPS and profile.check_calls == len(check_calls)
    server.app.requests.clear()
    editor_client.post(f"/handlers/{email}/toggle/", {}, headers=HTMX)
    assert server.app.requests == [f"{UPDATE}{email}"]
    assert server.app.store.get(slack)["is_enabled"] == 0 and server.app.store.get(email)["is_enabled"] == 0
    assert scratch_rows(server) == []


def test_a_scratch_channel_whose_delete_failed_is_gone_after_the_next_refresh(account) -> None:
    server, *_ = account("works")
    server.app.failing_deletes = 4
    profile = server_profile.self_check()
    assert profile.update_check == ServerProfile.Check.KEEPS and profile.check_calls <= 4
    leftovers = scratch_rows(server)
    assert len(leftovers) == 1
    # Time passes: the leftover is older than any check still running.
    server.app.store.update(leftovers[0]["id"], {"datetime": "2026-01-01 00:00:00"})
    server.app.failing_deletes = 0
    mirror.refresh()
    assert scratch_rows(server) == []
    assert not mirror.get(leftovers[0]["id"])


def test_an_html_404_is_not_a_deletion(account, viewer_client: Client, editor_client: Client) -> None:
    server, slack, *_ = account("works")
    server.app.api_off = True
    page = viewer_client.get(f"/handlers/{slack}/")
    assert page.status_code == 200 and "Ops Slack" in page.text
    known_server()
    opened = editor_client.get(f"/handlers/{slack}/edit/")
    assert opened.status_code == 404 and "switched off" in opened.text
    assert mirror.get(slack) is not None
    table = viewer_client.get("/handlers/")
    assert "Ops Slack" in table.text
    mirror.ensure_fresh(force=True)
    assert mirror.get(slack) is not None


def test_a_channel_damaged_outside_the_panel_is_marked_found_and_counted(account, viewer_client: Client) -> None:
    server, slack, email, _discord = account("works")
    server.app.store.update(slack, {"type": None, "settings": {"": ""}})
    mirror.refresh()
    assert mirror.get(slack).damaged and not mirror.get(email).damaged
    found = viewer_client.get("/handlers/?condition=damaged")
    assert "Ops Slack" in found.text and "Ops inbox" not in found.text and "Damaged" in found.text
    assert viewer_client.get("/healthz").json()["damaged_channels"] == 1
    assert "1 channel is damaged" in viewer_client.get("/overview/").text
    detail = viewer_client.get(f"/handlers/{slack}/")
    assert "without its type or its settings" in detail.text and f"/notification-handler-update/{slack}" in detail.text


def test_a_type_this_install_refuses_is_shown_as_not_available(sandbox, editor_client: Client) -> None:
    sandbox(types=frozenset({"email", "webhook", "slack"}))
    form = editor_client.get("/handlers/new/")
    token = form.text.split('name="submit_token" value="')[1].split('"')[0]
    typed = {
        "name": "Night Discord",
        "type": "discord",
        "discord": "https://discord.com/api/webhooks/1/abc",
        "submit_token": token,
    }
    refused = editor_client.post("/handlers/new/", typed)
    assert "exceeded the limits of your current plan" in refused.text
    assert 'value="Night Discord"' in refused.text
    picker = editor_client.get("/handlers/new/").text
    discord = picker.split('id="type-name-discord"')[1].split("</label>")[0]
    assert "Not available here" in discord and "exceeded the limits of your current plan" in discord
    slack = picker.split('id="type-name-slack"')[1].split("</label>")[0]
    assert "Not available here" not in slack


def test_an_edit_whose_answer_shows_damage_offers_to_re_create_the_channel(api, editor_client: Client) -> None:
    from tests.api import CREATE_URL, handler_json, one_url, sent_fields

    slack = {"slack": "https://hooks.slack.com/services/T/B/KEPT-SECRET-1"}
    stored = handler_json(id=4, type="slack", name="Ops Slack", settings=slack)
    erased = stored | {"name": "Ops Slack 2", "type": None, "settings": {"": ""}}
    api.get(one_url(4), json={"data": stored})
    api.post(one_url(4), json={"data": erased | {"id": "4"}})
    saved = editor_client.post("/handlers/4/edit/", {"name": "Ops Slack 2", "type": "slack", "slack": ""}, follow=False)
    assert saved.status_code == 302
    entry = AuditEntry.objects.get(action="edit")
    assert "erased this channel's type and settings" in entry.message
    assert server_profile.current().update_check == ServerProfile.Check.ERASES
    page = html.unescape(editor_client.get("/handlers/4/").text)
    assert "erased the type and settings of “Ops Slack 2”" in page and "Re-create it as a new channel" in page
    assert "KEPT-SECRET" not in page
    api.post(CREATE_URL, status=201, json={"data": stored | {"id": 9}})
    made = editor_client.post("/handlers/4/recreate/", follow=False)
    assert made.status_code == 302 and made["Location"] == "/handlers/9/"
    assert sent_fields(api.calls[-1].request) == {"name": "Ops Slack", "type": "slack"} | slack


def test_the_connection_page_shows_the_check_and_runs_it_again(sandbox, admin_client: Client, editor_client) -> None:
    server = sandbox(update="erases", checked=False, types=frozenset({"email", "webhook", "slack"}))
    assert editor_client.get("/connection/").status_code == 403
    assert "Not checked yet" in admin_client.get("/connection/").text
    checked = html.unescape(admin_client.post("/connection/check/", follow=True).text)
    assert "Changes erase a channel's type and settings" in checked
    assert server.url in checked and server.app.api_key not in checked
    assert scratch_rows(server) == []
