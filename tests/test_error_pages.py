from django.test import Client


def test_a_refused_action_gets_a_page_in_plain_words(viewer_client: Client) -> None:
    response = viewer_client.get("/handlers/new/")
    assert response.status_code == 403 and "Your role does not allow this" in response.text


def test_flash_messages_reach_the_page_after_htmx_requests(viewer_client: Client, rf) -> None:
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore
    from django.http import HttpResponse
    from django_htmx.middleware import HtmxDetails

    from handlers_admin.middleware import HtmxMessagesMiddleware

    def view(request):
        messages.success(request, "Saved “x”.")
        return HttpResponse("<p>partial</p>")

    request = rf.get("/", headers={"HX-Request": "true"})
    request.session = SessionStore()
    request.htmx = HtmxDetails(request)
    request._messages = FallbackStorage(request)
    body = HtmxMessagesMiddleware(view)(request).content.decode()
    assert body.startswith("<p>partial</p>") and 'hx-swap-oob="true"' in body and "Saved “x”." in body
