import re

import responses
from django.test import Client

from tests.api import SECRETS, handler_json, one_url


def test_duplicate_prefills_everything_but_secrets(api: responses.RequestsMock, editor_client: Client) -> None:
    api.get(one_url(9), json={"data": handler_json(id=9, name="Bot", type="telegram", settings=SECRETS["telegram"])})
    text = editor_client.get("/handlers/9/duplicate/").text
    assert 'value="Copy of Bot"' in text and 'value="-100555"' in text
    assert re.search(r'value="telegram"[^>]*checked', text)
    assert SECRETS["telegram"]["telegram"] not in text and 'name="submit_token"' in text
