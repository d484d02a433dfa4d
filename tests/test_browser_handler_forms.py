import re

import pytest
from playwright.sync_api import Page, expect

from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def visible_field_names(page: Page) -> set[str]:
    return set(page.locator("#type-fields input:visible").evaluate_all("els => els.map(e => e.name)"))


def test_choosing_each_type_shows_exactly_its_fields(member_page, live_server, sandbox) -> None:
    sandbox()
    page = member_page(Role.EDITOR)
    page.goto(f"{live_server.url}/handlers/new/")
    expect(page.get_by_text("Choose a type above to see what to fill in.")).to_be_visible()
    assert visible_field_names(page) == set()
    for handler_type in HANDLER_TYPES.values():
        page.get_by_label(str(handler_type.label), exact=True).check()
        expect(page.locator("#type-fields fieldset")).to_have_count(1)
        expect(page.locator("#type-fields legend")).to_have_text(
            re.compile(re.escape(f"{handler_type.label} settings"))
        )
        assert visible_field_names(page) == {f.name for f in handler_type.fields}, handler_type.slug
        for field in handler_type.fields:
            expect(page.locator("#type-fields").get_by_label(str(field.label), exact=True)).to_be_visible()


def test_create_edit_duplicate_and_delete_end_to_end(member_page, live_server, sandbox) -> None:
    store = sandbox().app.store
    page = member_page(Role.ADMIN)
    page.goto(f"{live_server.url}/handlers/")
    page.get_by_role("link", name="New channel").click()

    page.get_by_label("Name", exact=True).fill("Nachtdienst “Bot”")
    page.get_by_label("Telegram", exact=True).check()
    page.get_by_label("Bot token").fill("not a token")
    page.get_by_label("Chat ID").fill("-1001234567890")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator(".errorlist").get_by_text("A bot token looks like")).to_be_visible()
    expect(page.get_by_label("Chat ID")).to_have_value("-1001234567890")
    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Create channel").click()

    expect(page.get_by_text("“Nachtdienst “Bot”” was created.")).to_be_visible()
    handler_id = int(re.search(r"/handlers/(\d+)/$", page.url).group(1))
    assert store.get(handler_id)["settings"] == {"telegram": TOKEN, "telegram_chat_id": "-1001234567890"}
    expect(page.get_by_text("••••saw")).to_have_count(0)
    expect(page.get_by_text("••••Dsaw")).to_be_visible()
    assert TOKEN not in page.content()

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_text("Leave blank to keep the current value (••••Dsaw).")).to_be_visible()
    page.get_by_label("Chat ID").fill("@night_alerts")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes to “Nachtdienst “Bot”” were saved.")).to_be_visible()
    assert store.get(handler_id)["settings"] == {"telegram": TOKEN, "telegram_chat_id": "@night_alerts"}

    page.get_by_role("link", name="Duplicate").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Copy of Nachtdienst “Bot”")
    expect(page.get_by_label("Telegram", exact=True)).to_be_checked()
    expect(page.get_by_label("Chat ID")).to_have_value("@night_alerts")
    expect(page.get_by_label("Bot token")).to_have_value("")
    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_text("“Copy of Nachtdienst “Bot”” was created.")).to_be_visible()
    copy_id = int(re.search(r"/handlers/(\d+)/$", page.url).group(1))
    assert copy_id != handler_id and store.get(copy_id)["name"] == "Copy of Nachtdienst “Bot”"

    page.goto(f"{live_server.url}/handlers/{handler_id}/")
    page.get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("“Nachtdienst “Bot”” (Telegram) will be deleted")
    dialog.get_by_role("button", name="Delete “Nachtdienst “Bot””").click()
    expect(page).to_have_url(f"{live_server.url}/handlers/")
    expect(page.get_by_text("“Nachtdienst “Bot”” (Telegram) was deleted.")).to_be_visible()
    assert store.get(handler_id) is None and store.get(copy_id) is not None


def test_a_name_in_use_is_pointed_out_when_the_type_is_chosen_and_the_channel_still_created(
    member_page, live_server, sandbox
) -> None:
    from handlers_admin import mirror
    from handlers_admin.models import MirroredHandler

    store = sandbox().app.store
    mirror.refresh()
    taken = MirroredHandler.objects.order_by("id").first()
    assert taken is not None
    page = member_page(Role.EDITOR)
    page.goto(f"{live_server.url}/handlers/new/")
    page.get_by_label("Name", exact=True).fill(taken.name.upper())
    page.get_by_label("Webhook", exact=True).check()
    note = page.locator("#name-note")
    expect(note).to_contain_text(f"Another channel is already called “{taken.name}”")
    expect(note).to_contain_text("You can still create this one under the same name.")
    page.get_by_label("Web address (URL)").fill("https://example.com/hooks/twin")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_text(f"“{taken.name.upper()}” was created.")).to_be_visible()
    handler_id = int(re.search(r"/handlers/(\d+)/$", page.url).group(1))
    assert store.get(handler_id)["name"] == taken.name.upper()
