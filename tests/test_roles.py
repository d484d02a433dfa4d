import pytest
import responses
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from handlers_admin.roles import Role
from tests.api import handler_json, one_url
from tests.helpers import PASSWORD


@pytest.mark.parametrize(
    "url", ["/handlers/new/", "/handlers/3/edit/", "/handlers/3/duplicate/", "/handlers/new/fields/"]
)
def test_viewers_cannot_create_or_edit(api: responses.RequestsMock, viewer_client: Client, url: str) -> None:
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"name": "x", "type": "email"}).status_code == 403


@pytest.mark.django_db
def test_roles_come_with_their_permissions_and_heal_when_deleted() -> None:
    from django.contrib.auth.models import Group

    from handlers_admin.roles import CHANGE, DELETE, VIEW, assign_role

    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "editor", "admin"}
    Group.objects.filter(name="editor").delete()
    user = User.objects.create_user("carl", password=PASSWORD)
    assign_role(user, Role.EDITOR)
    user = User.objects.get(pk=user.pk)
    assert user.has_perm(VIEW) and user.has_perm(CHANGE) and not user.has_perm(DELETE)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, set()),
        (Role.EDITOR, {"create", "toggle"}),
        (Role.ADMIN, {"create", "toggle", "delete", "members"}),
    ],
)
def test_each_role_may_do_what_it_should_and_is_refused_the_rest(db, role: Role, allowed: set[str]) -> None:
    import responses

    from tests.helpers import make_member, signed_in

    client = signed_in(make_member("someone", role))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(one_url(1), json={"data": handler_json()})
        api.post(one_url(1), json={"data": {"id": 1}})
        statuses = {
            "create": client.get(reverse("handler_create")).status_code,
            "toggle": client.post(
                reverse("handler_toggle", args=[1]), {"name": "x", "was": "1"}, headers={"HX-Request": "true"}
            ).status_code,
            "delete": client.get(reverse("handler_delete", args=[1])).status_code,
            "members": client.get("/admin/auth/user/").status_code,
        }
    # Refused: 403 from the panel; Django's admin sends members who are not staff to its own sign-in.
    assert statuses == {
        action: 200 if action in allowed else (302 if action == "members" else 403) for action in statuses
    }
