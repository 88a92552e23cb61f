"""Transfers reach a 县 office like a 市州 one, and a 市州 office passes a transfer it received down to one of its
counties (下转): audited, in the county's inbox, 409 once the transfer is signed."""

from __future__ import annotations

import pytest

from hotline.core.errors import NotAllowed, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.transfers.models import Transfer


@pytest.fixture
def county(create_user):
    class County:
        lukou = create_user("officer", "430225", username="lk-officer")  # 炎陵县, a county of 株洲
        lukou_sup = create_user("supervisor", "430225", username="lk-sup")
        sibling = create_user("officer", "430223", username="yx-officer")  # 攸县, another county of 株洲

    return County


def _inbox(app, user) -> list:
    from hotline.accounts.models import User
    from hotline.inbox.queries import inbox_items

    with app.app_context():
        return [(i.kind, i.transfer_id) for i in inbox_items(db.session.get(User, user.id))
                if getattr(i, "transfer_id", None)]


def test_a_call_is_transferred_to_a_county_office(app, side, county, transfer_of, attached):
    from hotline.transfers.operations import sign_transfer

    call_id, transfer_id = transfer_of(to="430225")
    assert ("transfer_sign", transfer_id) in _inbox(app, county.lukou)
    assert not [t for t in _inbox(app, county.sibling) if t[1] == transfer_id]
    assert not [t for t in _inbox(app, side.zz) if t[1] == transfer_id]  # the 市州 sees it, but it is not its work
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        with pytest.raises(NotAllowed):
            sign_transfer(transfer, complex_matter=False, actor=attached(county.sibling),
                          expected_version=transfer.version)
        db.session.rollback()
        sign_transfer(transfer, complex_matter=False, actor=attached(county.lukou), expected_version=transfer.version)
        db.session.commit()
        assert transfer.status == "signed" and transfer.signed_by_id == county.lukou.id


def test_a_prefecture_passes_a_transfer_down_to_its_county(app, side, county, transfer_of, attached):
    from hotline.transfers.operations import pass_down_transfer, sign_transfer

    call_id, transfer_id = transfer_of(to="430200")
    assert ("transfer_sign", transfer_id) in _inbox(app, side.zz)
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        sign_due, version = transfer.sign_due_on, transfer.version
        # Not to another 市州's county, nor to the 市州 itself, nor by another region.
        for target in ("430102", "430200", "430000", "999999", None):
            with pytest.raises(ValidationFailed) as refused:
                pass_down_transfer(transfer, target, None, actor=attached(side.zz), expected_version=version)
            assert "region_code" in refused.value.errors
            db.session.rollback()
        with pytest.raises(NotAllowed):
            pass_down_transfer(transfer, "430225", None, actor=attached(side.op), expected_version=version)
        db.session.rollback()
        pass_down_transfer(transfer, "430225", "属炎陵县辖区", actor=attached(side.zz), expected_version=version)
        db.session.commit()
        assert (transfer.to_region_code, transfer.status, transfer.sign_due_on) == ("430225", "pending", sign_due)
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_type == "transfer",
                                                               AuditEvent.action == "pass_down")).one()
        assert event.changes == {"to_region_code": ["430200", "430225"]} and event.actor_id == side.zz.id
        assert event.note == "属炎陵县辖区"
    assert ("transfer_sign", transfer_id) in _inbox(app, county.lukou)
    assert not [t for t in _inbox(app, side.zz) if t[1] == transfer_id]
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        # The county cannot pass it further down (it has no counties); the 市州 still sees it.
        from hotline.transfers.operations import can_pass_down, sees_transfer

        assert not can_pass_down(attached(county.lukou), transfer)
        assert sees_transfer(attached(side.zz), transfer) and not sees_transfer(attached(county.sibling), transfer)
        sign_transfer(transfer, complex_matter=False, actor=attached(county.lukou), expected_version=transfer.version)
        db.session.commit()
        # Signed: too late to pass it down (409 naming the state).
        transfer.to_region_code = "430200"
        db.session.commit()
        with pytest.raises(StateError) as late:
            pass_down_transfer(transfer, "430223", None, actor=attached(side.zz), expected_version=transfer.version)
        assert late.value.status_code == 409 and "signed" in late.value.message


def test_pass_down_over_the_api_and_the_web(app, side, county, transfer_of, api, web):
    _call_id, transfer_id = transfer_of(to="430200")
    client = api(side.zz)
    version = client.get(f"/api/v1/transfers/{transfer_id}").get_json()["version"]
    stale = client.post(f"/api/v1/transfers/{transfer_id}/pass-down", json={"region_code": "430225",
                                                                            "version": version + 5})
    assert stale.status_code == 409
    wrong = client.post(f"/api/v1/transfers/{transfer_id}/pass-down", json={"region_code": "430102",
                                                                            "version": version})
    assert wrong.status_code == 422 and "region_code" in wrong.get_json()["errors"]
    assert api(county.sibling).post(f"/api/v1/transfers/{transfer_id}/pass-down",
                                    json={"region_code": "430225", "version": version}).status_code == 404
    done = client.post(f"/api/v1/transfers/{transfer_id}/pass-down", json={"region_code": "430225",
                                                                           "version": version})
    assert done.status_code == 200 and done.get_json()["to_region_code"] == "430225"
    # The county office reads it, signs it on the web.
    page = web(county.lukou).get(f"/transfers/{transfer_id}")
    assert page.status_code == 200 and "sign-form" in page.get_data(as_text=True)
    again = client.post(f"/api/v1/transfers/{transfer_id}/pass-down", json={"region_code": "430223",
                                                                            "version": done.get_json()["version"]})
    assert again.status_code == 403  # the transfer is now the county's: 株洲 is no longer its receiving office


def test_the_web_form_offers_the_counties_of_the_receiving_office(app, side, county, transfer_of, web):
    _call_id, transfer_id = transfer_of(to="430200")
    client = web(side.zz)
    html = client.get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert "pass-down-form" in html and 'value="430225"' in html and 'value="430102"' not in html
    with app.app_context():
        version = db.session.get(Transfer, transfer_id).version
    response = client.post(f"/transfers/{transfer_id}/pass-down",
                           data={"pass_down-region_code": "430225", "pass_down-version": version,
                                 "pass_down-note": "下转炎陵县"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Transfer, transfer_id).to_region_code == "430225"
    assert "pass-down-form" not in web(county.lukou).get(f"/transfers/{transfer_id}").get_data(as_text=True)
