"""Demo data: replacing it removes the transfers someone made on demo calls (they would block deleting them)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from hotline.calls.models import Call
from hotline.calls.operations import transfer_call
from hotline.demo.generator import DemoOptions, generate
from hotline.extensions import db
from hotline.transfers.models import Transfer


def _generate(**overrides):
    # Drawn up to a day of 2015: every region then has an open call (a finished year may have none).
    return generate(DemoOptions(**{"years": [2015], "scale": 0.02, "seed": 7, "progress": lambda _m: None,
                                   "today": date(2015, 12, 7), **overrides}))


def test_replacing_demo_data_removes_transfers_of_demo_calls(ctx, create_user):
    from hotline.accounts.models import User

    operator = db.session.get(User, create_user("operator", "430000").id)
    first = _generate()
    call = db.session.scalar(sa.select(Call).where(Call.status == "open").order_by(Call.id).limit(1))
    transfer_call(call, "430200", None, actor=operator, expected_version=call.version)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
    again = _generate(replace=True)
    assert again.replaced["transfers"] == 1
    assert again.replaced["calls"] == first.counts["calls"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0
