"""axe-core finds nothing on any page, at desktop width and at 390 px, and no page scrolls sideways."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from handlers_admin import channel_details, jobs, members, mirror
from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import AuditEntry, Job
from handlers_admin.roles import Role
from tests.helpers import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# A string at least this long may break anywhere: a URL, or a name or username without spaces, is too long for a
# phone's line. Words, in every language the panel speaks, are shorter.
LONG = 30
LONG_NAME = "Night shift escalations for the payments and billing platform team in Europe"
UNBROKEN_NAME = "nightshiftescalationsforthepaymentsandbillingplatformteam"
UNBROKEN_USERNAME = "a.very.long.username.without.spaces@example-organisation.com"
LONG_URL = "https://hooks.example.com/services/T0123456/B0123456/averylongtokenwithoutanyspacesatall"

# Each word of the text in a table's cells, between the places where a line may break (spaces and hyphens), as
# Range.getClientRects() draws it: a word on more than one line was broken inside. Only strings of `long`
# characters or more may be.
WORDS_BROKEN = r"""(long) => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let text = texts.nextNode(); text; text = texts.nextNode()) {
      for (const word of text.data.matchAll(/[^\s\-\u2010]+/g)) {
        if (word[0].length >= long) continue;
        const range = document.createRange();
        range.setStart(text, word.index);
        range.setEnd(text, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${word[0]} (${cell.tagName.toLowerCase()}.${cell.className})`);
      }
    }
  }
  return broken;
}"""
# How many lines the text of each element takes (text for screen readers only left out).
LINES = r"""(elements) => elements.map(element => {
  const lines = new Set();
  const texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (text.parentElement.closest('.sr-only')) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const rect of range.getClientRects()) if (rect.width > 0) lines.add(Math.round(rect.top));
  }
  return lines.size;
})"""


@pytest.fixture(params=list(WIDTHS))
def screen(request, member_page, live_server, sandbox) -> tuple[Page, str, object]:
    server = sandbox()
    page = member_page(Role.ADMIN)
    page.set_viewport_size(WIDTHS[request.param])
    return page, live_server.url, server


def speak(page: Page, base: str, language: str) -> None:
    """The panel answers this page in `language` from now on, as after choosing it in the menu."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])


def fits(page: Page, where: str) -> None:
    """Nothing scrolls sideways, not even a table in its own scroll box, and no word of a cell is broken inside."""
    boxes = page.evaluate("[...document.querySelectorAll('.table-wrap')].map(box => box.scrollWidth - box.clientWidth)")
    assert all(overflow <= 0 for overflow in boxes), (where, f"{max(boxes)}px of sideways scroll in a table")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, where
    assert page.evaluate(WORDS_BROKEN, LONG) == [], where


def test_every_page_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    job = jobs.start_bulk(User.objects.get(username="pat"), Job.Kind.DISABLE, [3, 4])
    for path in (
        "/jobs/",
        "/handlers/import/",
        f"/jobs/{job.pk}/",
        "/handlers/",
        "/handlers/?type=slack&is_enabled=1&activity=idle30d&order_by=name&order_type=ASC",
        "/handlers/?results_per_page=1000",
        "/handlers/?datetime_start=2026-0",
        "/handlers/3/",
        "/handlers/3/edit/",
        "/handlers/3/delete/",
        "/overview/",
        "/audit/",
        "/members/",
        "/connection/",
        "/accounts/password/change/",
        "/accounts/me/",
        "/handlers/999999/",
        "/no-such-page/",
    ):
        page.goto(base + path)
        accessible(page, path)
        assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 80


def test_the_create_form_with_each_type_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    page.goto(base + "/handlers/new/")
    for handler_type in HANDLER_TYPES.values():
        page.get_by_role("radio", name=str(handler_type.label), exact=True).check()
        expect(page.locator("#type-fields legend")).to_have_count(1)
        expect(page.locator("#type-fields legend")).to_contain_text(str(handler_type.label))
        accessible(page, f"new {handler_type.slug}")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#error-summary")).to_be_focused()
    accessible(page, "new, with errors")


def test_the_delete_dialog_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    page.goto(base + "/handlers/3/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    accessible(page, "delete dialog")


def test_the_members_page_with_several_members_is_accessible(screen, accessible) -> None:
    page, base, _server = screen
    admin = User.objects.get(username="pat")
    make_member("vera", Role.VIEWER)
    make_member("eddie", Role.EDITOR)
    members.allow_sign_in(admin, make_member("stopped-member", Role.VIEWER), allowed=False)
    members.allow_sign_in(admin, make_member("stopped-editor", Role.EDITOR), allowed=False)
    members.allow_sign_in(admin, make_member(UNBROKEN_USERNAME, Role.EDITOR), allowed=False)
    page.goto(base + "/members/")
    expect(page.get_by_role("button", name="Let sign in stopped-member")).to_be_visible()
    expect(page.get_by_label("Role of eddie")).to_be_visible()
    expect(page.get_by_label("Role of stopped-editor")).to_have_value("editor")
    accessible(page, "/members/ with several members")
    for language in LANGUAGES:
        speak(page, base, language)
        page.goto(base + "/members/")
        fits(page, f"/members/ in {language}")
        # Each "Change" is on one line, beside or under its role.
        assert page.locator("form[action$='/role/'] button").evaluate_all(LINES) == [1] * 5, language


def test_the_table_with_long_names_and_three_digit_ids_is_accessible(screen, accessible) -> None:
    """Phones show a channel's type and last activity under its name, in place of their columns."""
    page, base, server = screen
    phone = page.viewport_size["width"] < 700
    store = server.app.store
    ids = [
        store.create({"type": "slack", "name": LONG_NAME, "settings": {"slack": LONG_URL}, "is_enabled": 1}),
        store.create({"type": "webhook", "name": UNBROKEN_NAME, "settings": {"webhook": LONG_URL}, "is_enabled": 0}),
    ]
    assert min(ids) >= 100
    admin = User.objects.get(username="pat")
    # Labels and an owner under the names, the owner's a name too long for a phone's line.
    mirror.refresh()
    make_member(UNBROKEN_USERNAME, Role.VIEWER)
    labels = ("billing", "customer-acme-enterprise", "eu-west-1", "Rufbereitschaft", "équipe")
    channel_details.save(admin, ids[0], channel_details.Details(labels=labels, owner=UNBROKEN_USERNAME))
    channel_details.save(admin, ids[1], channel_details.Details(labels=("payments",), owner="pat", notes=LONG_URL))
    for action, changes in (
        (
            "create",
            [
                {"field": "name", "before": None, "after": UNBROKEN_NAME},
                {"field": "webhook", "before": None, "after": LONG_URL},
            ],
        ),
        ("enable", [{"field": "is_enabled", "before": "off", "after": "on"}]),
        ("disable", [{"field": "is_enabled", "before": "on", "after": "off"}]),
    ):
        AuditEntry.objects.create(
            actor=admin,
            actor_name=UNBROKEN_USERNAME,
            action=action,
            handler_id=ids[1],
            handler_name=UNBROKEN_NAME,
            handler_type="webhook",
            changes=changes,
        )
    members.allow_sign_in(admin, make_member("eddie", Role.EDITOR), allowed=False)
    pages = ("/handlers/", f"/handlers/{ids[1]}/", "/audit/")
    for path in pages:
        page.goto(base + path)
        accessible(page, path)
    for language in LANGUAGES:
        speak(page, base, language)
        for path in pages:
            page.goto(base + path)
            fits(page, f"{path} in {language}")
        page.goto(base + "/handlers/")
        rows = page.locator("#handler-table tbody tr")
        for row in (rows.nth(0), rows.nth(1), rows.nth(2)):
            meta = row.locator("td.name .row-meta")
            if phone:
                expect(meta).to_be_visible()
                for column in ("type", "activity"):
                    assert row.locator(f"td.{column}").text_content().strip() in meta.inner_text()
            else:
                expect(meta).to_be_hidden()
        # Every heading shown is over a column of cells shown.
        shown = "els => els.filter(el => getComputedStyle(el).display !== 'none').length"
        headings = page.locator("#handler-table thead th").evaluate_all(shown)
        assert headings == rows.first.locator("td").evaluate_all(shown) == (3 if phone else 8)
        if not phone:
            # Ids, times and the history's times keep to one line.
            cells = page.locator("#handler-table td.id, #handler-table td.activity, #handler-table td.created")
            assert set(cells.evaluate_all(LINES)) == {1}, language
            page.goto(f"{base}/handlers/{ids[1]}/")
            entries = AuditEntry.objects.filter(handler_id=ids[1]).count()
            assert page.locator("td.when").evaluate_all(LINES) == [1] * entries, language


def test_the_audits_dates_are_typed_as_the_tables_are(screen, accessible) -> None:
    """Text with the same hint as the table's: a half-typed date reaches the server, which says what is wrong."""
    page, base, _server = screen
    kind = "field => [field.type, field.placeholder, field.inputMode, field.autocomplete]"
    page.goto(base + "/handlers/")
    tables = page.get_by_label("Created from").evaluate(kind)
    assert tables == ["text", "2026-01-31", "numeric", "off"]
    page.goto(base + "/audit/")
    assert [page.get_by_label(label, exact=True).evaluate(kind) for label in ("From", "To")] == [tables, tables]
    page.get_by_label("From", exact=True).fill("2026-0")
    page.get_by_label("From", exact=True).press("Enter")
    expect(page.locator("#audit-table [role=alert]")).to_contain_text("From: Enter a date like 2026-01-31.")
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-0")
    accessible(page, "/audit/ with a half-typed date")
    page.get_by_label("From", exact=True).fill("2026-01-31")
    page.get_by_label("From", exact=True).press("Enter")
    expect(page.locator("#audit-table [role=alert]")).to_have_count(0)
    expect(page).to_have_url(f"{base}/audit/?member=&action=&origin=&handler=&date_from=2026-01-31&date_to=")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_erasing_server_and_a_damaged_channel_are_accessible(
    member_page, live_server, sandbox, accessible, width: str
) -> None:
    from handlers_admin import server_profile

    server = sandbox(update="erases", checked=False)
    server.app.store.update(3, {"type": None, "settings": {"": ""}})
    server_profile.self_check()
    page = member_page(Role.ADMIN)
    page.set_viewport_size(WIDTHS[width])
    for path in ("/handlers/", "/handlers/?condition=damaged", "/handlers/3/", "/overview/", "/connection/"):
        page.goto(live_server.url + path)
        accessible(page, path)
