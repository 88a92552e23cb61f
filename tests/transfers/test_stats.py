"""Transfer figures in the monthly snapshot: signed and answered (in time or not) for the receiving region, the
callers' satisfaction; additive keys that a locked month does not turn into a revision; shown on the pages."""

from __future__ import annotations

from datetime import date

from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.stats.compute import Month, compute_month
from hotline.transfers.models import Transfer

MAY = Month(2015, 5)
ZHUZHOU, CHANGSHA = "430200", "430100"


def _set(app, transfer_id, **values):
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        for k, v in values.items():
            setattr(t, k, v)
        db.session.commit()


def _may_transfers(app, transfer_of):
    _c, late = transfer_of()
    _c, on_time = transfer_of()
    _c, agency = transfer_of(to="市公安局")
    _c, june = transfer_of()
    # Signed late (due 05-05), answered in time, caller satisfied.
    _set(app, late, status="called_back", sign_due_on=date(2015, 5, 5), signed_on=date(2015, 5, 6),
         answer_due_on=date(2015, 7, 1), answered_on=date(2015, 5, 20), called_back_on=date(2015, 5, 22),
         reached=True, satisfaction="satisfied")
    # Signed in time, answered late, caller dissatisfied.
    _set(app, on_time, status="called_back", sign_due_on=date(2015, 5, 20), signed_on=date(2015, 5, 4),
         answer_due_on=date(2015, 5, 10), answered_on=date(2015, 5, 11), called_back_on=date(2015, 5, 12),
         reached=True, satisfaction="dissatisfied")
    # An agency's answer counts for the hotline (the province's own row); not reached: no satisfaction.
    _set(app, agency, status="called_back", answer_due_on=date(2015, 6, 1), answered_on=date(2015, 5, 8),
         called_back_on=date(2015, 5, 9), reached=False)
    _set(app, june, status="signed", sign_due_on=date(2015, 6, 20), signed_on=date(2015, 6, 2))


def test_monthly_figures_count_transfers_for_the_receiving_region(app, transfer_of):
    _may_transfers(app, transfer_of)
    with app.app_context():
        figures = compute_month(MAY)
    zz = figures[ZHUZHOU]["calls"]
    assert (zz["transfers_signed"], zz["transfers_signed_on_time"]) == (2, 1)
    assert (zz["transfers_answered"], zz["transfers_answered_on_time"]) == (2, 1)
    assert (zz["callers_satisfied"], zz["callers_basically_satisfied"], zz["callers_dissatisfied"]) == (1, 0, 1)
    other = figures["other"]["calls"]
    assert (other["transfers_answered"], other["transfers_answered_on_time"], other["callers_satisfied"]) == (
        1, 1, 0)
    assert figures[CHANGSHA]["calls"]["transfers_signed"] == 0
    province = figures[PROVINCE_CODE]["calls"]
    assert (province["transfers_signed"], province["transfers_answered"]) == (2, 3)
    # the existing figures keep their keys and values
    assert "transferred" in zz and "decided_in_time" in zz


def test_a_locked_month_without_the_transfer_figures_stays_locked(app, transfer_of, create_user):
    from hotline.accounts.models import User
    from hotline.stats.models import MonthlySnapshot
    from hotline.stats.operations import build_month, lock_month

    supervisor = create_user("supervisor", PROVINCE_CODE)
    with app.app_context():
        build_month(MAY)
        lock_month(MAY, PROVINCE_CODE, actor=db.session.get(User, supervisor.id))
        # As locked before this release: the snapshots had no transfer figures.
        for snapshot in db.session.scalars(db.select(MonthlySnapshot)):
            snapshot.data = {**snapshot.data, "calls": {k: v for k, v in snapshot.data["calls"].items()
                                                        if not k.startswith(("transfers_", "callers_"))}}
        db.session.commit()
        outcome = build_month(MAY)
        assert set(outcome.values()) == {"locked"}


def test_the_dashboard_and_the_yearly_page_show_the_transfer_figures(app, transfer_of, create_user, web):
    _may_transfers(app, transfer_of)
    officer = create_user("officer", ZHUZHOU)
    client = web(officer)
    monthly = client.get("/stats/monthly?month=2015-05")
    assert monthly.status_code == 200, monthly.status_code
    html = monthly.get_data(as_text=True)
    assert "Transfers signed for" in html and "Callers dissatisfied" in html
    yearly = client.get("/stats/yearly?year=2015")
    assert yearly.status_code == 200
    assert "Transfers answered" in yearly.get_data(as_text=True)
