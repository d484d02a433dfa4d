import pytest
from playwright.sync_api import Browser, expect

from handlers_admin.roles import Role
from tests.helpers import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_polish_browser_reads_the_error_in_polish_then_french_sticks_after_signing_out_and_in(
    browser: Browser, live_server, sandbox
) -> None:
    sandbox()
    make_member("zofia", Role.EDITOR)
    context = browser.new_context(locale="pl-PL")
    page = context.new_page()
    page.goto(f"{live_server.url}/handlers/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.get_by_label("Nazwa użytkownika").fill("zofia")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się", exact=True).click()

    page.get_by_role("link", name="Nowy kanał").click()
    page.get_by_label("Nazwa", exact=True).fill("Dyżur nocny")
    page.get_by_label("Telegram", exact=True).check()
    page.get_by_label("Token bota").fill("zły token")
    page.get_by_label("Identyfikator czatu").fill("-1001234567890")
    page.get_by_role("button", name="Utwórz kanał").click()
    expect(page.locator(".errorlist").get_by_text("Token bota wygląda tak: 123456789:AAHdq…")).to_be_visible()
    expect(page.get_by_label("Identyfikator czatu")).to_have_value("-1001234567890")

    page.get_by_text("Polski", exact=True).first.click()  # the menu, named by the language it speaks now
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Nouveau canal de notification")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Se connecter", exact=True)).to_be_visible()
    page.get_by_label("Nom d’utilisateur").fill("zofia")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", name="Canaux de notification")).to_be_visible()
    context.close()
