"""Users are created at a county: the admin form offers the region tree (each 市州, its counties under it), and a
市州's administrator may create users of its own region and its counties, nobody else's."""

from __future__ import annotations

import re

from hotline.accounts.models import User
from hotline.extensions import db

STRONG = "Kx8#vLq2!mZr9Tw"


def _new_user(client, username: str, region: str):
    return client.post("/admin/users/new", data={
        "username": username, "display_name": username, "role": "officer", "region_code": region,
        "password": STRONG, "is_active": "y"})


def test_the_region_select_is_a_tree(app, client, create_user, login):
    login(create_user("admin", "430000"))
    html = client.get("/admin/users/new").get_data(as_text=True)
    select = html[html.index('id="region_code"'):]
    select = select[:select.index("</select>")]
    codes = re.findall(r'value="(\d{6})"', select)
    assert codes[0] == "430000" and len(codes) == 137
    # 长沙, then its nine counties, then 株洲.
    start = codes.index("430100")
    assert codes[start + 1:start + 11] == ["430102", "430103", "430104", "430105", "430111", "430112", "430121",
                                           "430181", "430182", "430200"]


def test_a_prefecture_admin_creates_users_of_its_counties_only(app, client, create_user, login):
    login(create_user("admin", "430100"))
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="430102"' in html and 'value="430202"' not in html
    assert _new_user(client, "fr.officer", "430102").status_code == 302
    assert _new_user(client, "hd.officer", "430202").status_code == 422  # 株洲's 荷塘区: not below 长沙
    with app.app_context():
        assert db.session.query(User).filter_by(username="fr.officer").one().region_code == "430102"
        assert db.session.query(User).filter_by(username="hd.officer").one_or_none() is None
    # The county's user is on 长沙's user list; a county admin sees only its own county's users.
    assert "fr.officer" in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    login(create_user("admin", "430103", username="tx-admin"))
    assert "fr.officer" not in client.get("/admin/users").get_data(as_text=True)
    assert _new_user(client, "tx.officer", "430102").status_code == 422
