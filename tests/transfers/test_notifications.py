"""Transfers tell the other side at each step: sent → the receiving office, returned and answered → the hotline,
reopened → the receiving office again; nobody is told of their own step, and a step is told once."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.notifications.models import Notification


def _told() -> list[tuple[int, str]]:
    return [(n.user_id, n.url) for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))]


def test_each_step_reaches_the_other_side(app, side, transfer_of, attached):
    from hotline.transfers.models import Transfer
    from hotline.transfers.operations import answer_transfer, callback_transfer, reopen_transfer, sign_transfer

    _call_id, transfer_id = transfer_of()
    with app.app_context():
        url = f"/transfers/{transfer_id}"
        assert sorted(_told()) == sorted([(side.zz.id, url), (side.zz_sup.id, url)])  # not 长沙, not the operator
        transfer = db.session.get(Transfer, transfer_id)
        sign_transfer(transfer, complex_matter=False, actor=attached(side.zz), expected_version=transfer.version)
        answer_transfer(transfer, {"outcome": "handled", "result": "已责令停止销售"}, actor=attached(side.zz),
                        expected_version=transfer.version)
        db.session.flush()
        assert _told()[-1] == (side.op.id, url)  # the hotline calls the caller back
        callback_transfer(transfer, {"reached": True, "satisfaction": "dissatisfied", "note": "不满意"},
                          actor=attached(side.op), expected_version=transfer.version)
        reopen_transfer(transfer, "来电人不满意，请重新处理", actor=attached(side.op),
                        expected_version=transfer.version)
        db.session.flush()
        told = _told()
        assert sorted(told[-2:]) == sorted([(side.zz.id, url), (side.zz_sup.id, url)])  # the second round
        assert len(told) == 5
        db.session.rollback()
