"""Transfer test helpers: users by side, a transferred call, logged-in web clients."""

from __future__ import annotations

import pytest

from hotline.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def side(create_user):
    """The people of a transfer: the province hotline operator, the receiving 株洲 officer and supervisor, a
    长沙 officer (another region)."""

    class Side:
        op = create_user("operator", "430000", username="hotline-op")
        zz = create_user("officer", "430200", username="zz-officer")
        zz_sup = create_user("supervisor", "430200", username="zz-sup")
        cs = create_user("officer", "430100", username="cs-officer")

    return Side


@pytest.fixture
def transfer_of(app, side, create_call):
    """``transfer_of(to="430200", **call_fields) -> (call_id, transfer_id)``: logged and transferred by the
    operator."""
    from hotline.accounts.models import User
    from hotline.calls.models import Call
    from hotline.calls.operations import transfer_call

    def factory(to: str = "430200", **fields):
        call = create_call(actor=side.op, **fields)
        with app.app_context():
            row = db.session.get(Call, call.id)
            transfer_call(row, to, None, actor=db.session.get(User, side.op.id), expected_version=row.version)
            db.session.commit()
            return call.id, row.transfers[-1].id

    return factory


@pytest.fixture
def web(app):
    """``web(user) -> client``: a fresh client logged in as ``user``, UI in English."""

    def factory(user):
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client

    return factory


@pytest.fixture
def attached(app):
    """``attached(user)``: the user loaded in the current session (inside an app context)."""
    from hotline.accounts.models import User

    return lambda user: db.session.get(User, user.id)
