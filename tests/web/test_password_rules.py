"""The rules every new password meets, wherever it is set: at least 12 characters, not only
spaces, not on zxcvbn's list of common passwords (whatever the case), not the email."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from liveblog.actions.users import create_user
from liveblog.errors import Invalid
from liveblog.site import Site
from liveblog.storage import User
from tests.conftest import Client
from tests.web.test_editor import PASSWORD, csrf_of


def admin_at_desk(client: Client, site: Site) -> str:
    """An admin logged in at the desk: returns a form token."""
    email = f"admin-{secrets.token_hex(3)}@desk.example"
    create_user(site, email, PASSWORD, "admin", name="Ada")
    response = client.post("/editor/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/editor"))


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short pw 11", "at least 12 characters"),
        (" " * 14, "only spaces"),
        ("1qaz2wsx3edc", "common passwords"),
        ("LeaveMeAlone", "common passwords"),
        ("sam@desk.example", "the email address"),
    ],
)
def test_every_new_password_meets_the_rules(site: Site, password: str, rule: str) -> None:
    with pytest.raises(Invalid, match=rule):
        create_user(site, "sam@desk.example", password, "editor")
    with site.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_common_list_is_zxcvbns(site: Site) -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    long_ones = [word for word in FREQUENCY_LISTS["passwords"] if len(word) >= 12]
    assert len(long_ones) > 100
    for word in long_ones[:20]:
        with pytest.raises(Invalid, match="common passwords"):
            create_user(site, "sam@desk.example", word.upper(), "editor")
    create_user(site, "sam@desk.example", "twelve chars", "editor")  # exactly 12: fine


def test_the_people_page_names_the_rule_and_keeps_the_form(client: Client, site: Site) -> None:
    token = admin_at_desk(client, site)
    bad = client.post(
        "/editor/people",
        data={"csrf": token, "name": "Rui", "email": "rui@desk.example", "role": "editor"}
        | {"password": "rui@desk.example"},
    )
    assert bad.status_code == 422 and "cannot be the email address" in bad.text
    assert 'value="Rui"' in bad.text and 'value="rui@desk.example"' in bad.text
