"""Display names tell users apart in case files, timelines and the audit log: one holding bidi controls (which make
it read in another order) or invisible characters, or copying another user's display name (whatever its case or
spacing), is refused — on the admin's create and edit forms (a field error, 422) and in the operations below them."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.accounts.models import User
from hotline.accounts.operations import create_user, update_user
from hotline.core.errors import ValidationFailed
from hotline.extensions import db

GOOD_PASSWORD = "a good long passphrase"
COPY = "Another user already has this display name; choose one that tells them apart."
HIDDEN = "No control, text-direction (bidi) or invisible characters."

#: Names that are refused whoever else exists: each character changes how a name reads or hides in it.
HOSTILE = [
    "\u202e张三",  # RIGHT-TO-LEFT OVERRIDE: 张三 reads backwards
    "admin\u202egnp.exe",
    "李四\u202d",  # LEFT-TO-RIGHT OVERRIDE
    "\u202b王五\u202c",  # embedding + POP DIRECTIONAL FORMATTING
    "\u2066赵六\u2069",  # LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
    "\u2067钱七", "\u2068孙八",
    "周\u200f九",  # RIGHT-TO-LEFT MARK
    "吴\u200e十",  # LEFT-TO-RIGHT MARK
    "\u061c郑一",  # ARABIC LETTER MARK
    "冯\u200b二",  # ZERO WIDTH SPACE
    "陈\ufeff三",  # BOM
    "褚\u00ad四",  # SOFT HYPHEN
    "卫\u2028五",  # LINE SEPARATOR
    "蒋\x07六",  # a C0 control
]
#: Spellings of an existing "Zhang Wei" (and of 科长) that copy it: case, spaces, full width.
COPIES = ["Zhang Wei", "zhang wei", "ZHANG WEI", "  Zhang   Wei ", "ZhangWei", "zhang\u3000wei", "Ｚｈａｎｇ Ｗｅｉ",
          "zhang\u00a0wei", "科 长", "科长"]


@pytest.fixture
def named(create_user):
    """Two users of 株洲 named "Zhang Wei" and 科长 (another region: names are unique province-wide)."""
    return [create_user("officer", "430200", display_name="Zhang Wei"),
            create_user("supervisor", "430200", display_name="科长")]


@pytest.fixture
def admin_client(app, create_user):
    admin = create_user("admin", "430000", username="hn-admin", display_name="省局管理员")
    client = app.test_client()
    client.post("/language/en")
    assert client.post("/login", data={"username": admin.username, "password": "correct horse battery staple"}
                       ).status_code == 302
    return client


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _new_user(**fields) -> dict:
    return {"username": "new-user", "display_name": "新用户", "role": "officer", "region_code": "430100",
            "password": GOOD_PASSWORD, "is_active": "y", **fields}


@pytest.mark.parametrize("name", HOSTILE)
def test_creating_a_user_with_bidi_or_invisible_characters_is_refused(app, admin_client, name):
    before = _count_users(app)
    response = admin_client.post("/admin/users/new", data=_new_user(display_name=name))
    assert response.status_code == 422
    assert HIDDEN in unescape(response.get_data(as_text=True))
    assert _count_users(app) == before


@pytest.mark.parametrize("name", COPIES)
def test_creating_a_user_with_another_users_display_name_is_refused(app, admin_client, named, name):
    before = _count_users(app)
    response = admin_client.post("/admin/users/new", data=_new_user(display_name=name))
    assert response.status_code == 422
    assert COPY in unescape(response.get_data(as_text=True))
    assert _count_users(app) == before


@pytest.mark.parametrize("name", [*HOSTILE[:4], *COPIES[:3], "省局管理员 "])
def test_renaming_a_user_to_a_hostile_or_copied_name_is_refused(app, admin_client, named, create_user, name):
    target = create_user("operator", "430100", display_name="王芳")
    response = admin_client.post(f"/admin/users/{target.id}", data={
        "display_name": name, "role": "operator", "region_code": "430100", "is_active": "y"})
    assert response.status_code == 422
    assert (HIDDEN if name in HOSTILE else COPY) in unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, target.id).display_name == "王芳"


def test_names_that_only_look_related_are_accepted(app, admin_client, named, create_user):
    """Another name, and a user keeping (or re-spacing) their own name, pass."""
    assert admin_client.post("/admin/users/new", data=_new_user(display_name="Zhang Wei 2")).status_code == 302
    assert admin_client.post("/admin/users/new", data=_new_user(username="li-na", display_name="Li Na")
                             ).status_code == 302
    zhang = named[0]
    for own in ("Zhang Wei", "zhang  wei"):
        response = admin_client.post(f"/admin/users/{zhang.id}", data={
            "display_name": own, "role": "officer", "region_code": "430200", "is_active": "y"})
        assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, zhang.id).display_name == "zhang  wei"


def test_the_operations_refuse_them_too(app, named):
    """Below the forms: the CLI and any later self-service page go through the same checks."""
    with app.app_context():
        for name, message in (("\u202e张三", HIDDEN), ("ZHANG WEI", COPY)):
            with pytest.raises(ValidationFailed) as failed:
                create_user(username="cli-user", display_name=name, password=GOOD_PASSWORD, role="officer",
                            region_code="430100", actor=None)
            assert failed.value.errors["display_name"] == [message]
        other = db.session.get(User, named[1].id)
        with pytest.raises(ValidationFailed) as failed:
            update_user(other, {"display_name": "zhang wei"}, actor=other)
        assert failed.value.errors["display_name"] == [COPY]
        db.session.rollback()


def test_the_key_ignores_case_spacing_and_width():
    from hotline.accounts.operations import display_name_key

    assert display_name_key("  Ｚｈａｎｇ\u3000WEI ") == display_name_key("zhangwei") == "zhangwei"
    assert display_name_key("张 伟") == display_name_key("张伟") != display_name_key("张玮")
