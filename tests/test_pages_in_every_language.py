"""Every page of the panel, in every shipped language: no 500, and no English sentence left outside names
and data."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from handlers_admin.handler_types import HANDLER_TYPES
from handlers_admin.models import MirroredHandler
from handlers_admin.roles import Role
from tests.api import HTMX
from tests.helpers import make_member, signed_in

SHIPPED = ["fr", "pl", "de", "es"]
# Words of English sentences that none of the four languages uses.
ENGLISH = re.compile(
    r"\b(the|and|you|your|with|this|that|were|is|are|not|from|for|have|has|could|been|which|what|when|there|their"
    r"|into|only|after|before|than|any|of|it|its|or|at|yet|here|new|save|cancel|back|sign|edit|delete|create"
    r"|channel|channels|switch|members|none|please|try|again|handler|handlers)\b",
    re.IGNORECASE,
)
# The name of a screen of X's developer portal, which exists in English only, quoted in the help.
OTHER_PRODUCTS_WORDS = ["Keys and tokens"]
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class ReadableText(HTMLParser):
    """What a person reads or hears on a page: its text, and the attributes that name or explain things."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self.skipping += 1
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or name.startswith("data-")):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def english_left(html: str, data: list[str]) -> list[str]:
    reader = ReadableText()
    reader.feed(html)
    found = []
    for part in reader.parts:
        for value in data:
            part = part.replace(value, " ")
        if ENGLISH.search(part):
            found.append(part)
    return found


def test_the_check_finds_english_in_text_and_attributes_but_not_in_data() -> None:
    html = '<p>Canaux</p><button aria-label="Delete it">×</button><p>Support team</p><script>var the = 1</script>'
    assert english_left(html, data=["Support team"]) == ["Delete it"]


def every_page(client: Client, viewer: Client, stranger: Client, ids: dict[str, int]) -> Iterator[tuple[str, int, str]]:
    """Each page as (what it is, status, html), acting as an admin; a few acts first, so the audit trail, the
    jobs and the messages have something to show."""

    def get(url: str, **kwargs) -> tuple[str, int, str]:
        response = client.get(url, **kwargs)
        return url, response.status_code, response.text

    first = ids["email"]
    client.post(f"/handlers/{ids['slack']}/toggle/", {"is_enabled": "0"})
    client.post("/handlers/selection/", {"action": "matching", "is_enabled": "0"}, headers=HTMX)
    yield get("/jobs/new/?kind=enable")
    job = client.post("/jobs/new/", {"kind": "enable"})["Location"]
    yield get(job)
    yield get("/jobs/")
    yield get("/handlers/")
    yield get("/handlers/?search=zzzz-nothing")
    yield get("/handlers/?datetime_end=31/31/2026&type=nope")
    yield get("/overview/")
    yield get("/audit/")
    yield get("/audit/?handler=%C2%B2")
    yield get("/handlers/new/")
    for slug in HANDLER_TYPES:
        yield get(f"/handlers/new/fields/?type={slug}")
        invalid = client.post("/handlers/new/", {"type": slug, "name": "", "submit_token": "x"})
        yield f"create {slug}, with mistakes", invalid.status_code, invalid.text
    for handler_id in ids.values():
        yield get(f"/handlers/{handler_id}/")
    yield get(f"/handlers/{first}/edit/")
    yield get(f"/handlers/{first}/duplicate/")
    yield get(f"/handlers/{first}/delete/")
    yield get("/handlers/987654/")
    yield get("/handlers/import/")
    upload = SimpleUploadedFile("c.csv", b"name,type,email\nInbox,email,team@example.org\nBad,email,nope\n")
    preview = client.post("/handlers/import/", {"action": "preview", "file": upload})
    yield "import preview", preview.status_code, preview.text
    yield get("/members/")
    member = User.objects.get(username="vic").pk
    yield get(f"/members/{member}/remove/")
    reset = client.post(f"/members/{member}/password/", follow=True)
    # The password is random letters: one may read as an English word.
    yield "password reset", reset.status_code, re.sub(r'(<code class="secret">)[^<]*', r"\1", reset.text)
    yield get("/connection/")
    checked = client.post("/connection/check/", follow=True)
    yield "connection checked", checked.status_code, checked.text
    yield get("/handlers/?condition=damaged")
    yield get("/accounts/password/change/")
    yield get("/accounts/me/")
    yield get("/accounts/2fa/")
    yield get("/accounts/sessions/")
    for needs_a_recent_sign_in in ("/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"):
        reauthenticate = client.get(needs_a_recent_sign_in, follow=True)
        yield needs_a_recent_sign_in, reauthenticate.status_code, reauthenticate.text
    for page in ("/accounts/signup/", "/accounts/inactive/", "/accounts/3rdparty/login/cancelled/"):
        answer = stranger.get(page)
        yield page, answer.status_code, answer.text
    yield get("/no-such-page/")
    forbidden = viewer.get("/handlers/new/")
    yield "403", forbidden.status_code, forbidden.text
    stranger.handler.enforce_csrf_checks = True
    refused = stranger.post("/accounts/login/", {"login": "x"})
    yield "403 csrf", refused.status_code, refused.text
    stranger.handler.enforce_csrf_checks = False
    yield "sign in", 200, stranger.get("/accounts/login/").text
    for _ in range(6):
        locked = stranger.post("/accounts/login/", {"login": "ghost", "password": "wrong"})
    yield "locked out", locked.status_code, locked.text
    yield "503", 503, render_to_string("unavailable.html", {"failing": ["cache", "database"]})
    yield "500", 500, render_to_string("500.html")


@pytest.mark.django_db
@pytest.mark.parametrize("language", SHIPPED)
def test_every_page_speaks_the_language_and_none_fails(language: str, sandbox, settings, monkeypatch) -> None:
    settings.API_RATE_LIMIT = 100_000
    sandbox()
    admin = make_member("ada", Role.ADMIN)
    client = signed_in(admin)
    viewer = signed_in(make_member("vic", Role.VIEWER))
    stranger = Client()
    for browser in (client, viewer, stranger):
        browser.cookies["django_language"] = language
    client.get("/handlers/")  # fills the mirror
    ids = {row["type"]: row["id"] for row in MirroredHandler.objects.order_by("id").values("type", "id")}
    assert set(ids) == set(HANDLER_TYPES)
    data = [
        *sorted(MirroredHandler.objects.values_list("name", flat=True), key=len, reverse=True),
        *(
            str(value)
            for row in MirroredHandler.objects.values_list("shown_settings", flat=True)
            for value in row.values()
        ),
        *User.objects.values_list("username", flat=True),
        *OTHER_PRODUCTS_WORDS,
    ]
    seen = 0
    with translation.override(language):
        for what, status, html in every_page(client, viewer, stranger, ids):
            seen += 1
            assert status < 500 or what in ("500", "503"), (what, status)
            assert "<html" not in html or f'<html lang="{language}">' in html, what
            assert english_left(html, data) == [], what
    assert seen > 40
