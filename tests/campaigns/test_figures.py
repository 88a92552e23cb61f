"""Monthly statistics count campaigns and fairs: cases filed in the month that count in a campaign, calls at a
fair (linked to a fair record or naming one, as before fairs were records)."""

from __future__ import annotations

from datetime import date

from hotline.extensions import db
from tests.stats.builders import add_call, add_case, beijing

CHANGSHA, ZHUZHOU = "430100", "430200"


def test_a_month_counts_campaign_cases_and_calls_at_fairs(app):
    from hotline.campaigns.models import Campaign, Exhibition
    from hotline.reference.models import Region
    from hotline.stats.compute import Month, compute_month

    with app.app_context():
        campaign = Campaign(name="护航", starts_on=date(2015, 5, 1), ends_on=date(2015, 6, 30),
                            regions=[db.session.get(Region, CHANGSHA)])
        fair = Exhibition(name="矿博会", venue="郴州", starts_on=date(2015, 5, 10), ends_on=date(2015, 5, 12),
                          region_code=CHANGSHA, stationed=True)
        db.session.add_all([campaign, fair])
        db.session.flush()
        in_campaign = add_case(received_on=date(2015, 5, 4), filed_on=date(2015, 5, 6))
        in_campaign.campaigns = [campaign]
        add_case(received_on=date(2015, 5, 4), filed_on=date(2015, 5, 7))  # not in a campaign
        late = add_case(received_on=date(2015, 5, 20), filed_on=date(2015, 6, 2))  # filed in June
        late.campaigns = [campaign]
        add_call(beijing(2015, 5, 10), exhibition_id=fair.id)
        add_call(beijing(2015, 5, 11), exhibition_name="农博会")
        add_call(beijing(2015, 5, 11))
        db.session.commit()

        may = compute_month(Month(2015, 5))
        assert may[CHANGSHA]["cases"]["campaign"] == 1 and may[CHANGSHA]["cases"]["filed"] == 2
        assert may[CHANGSHA]["calls"]["exhibition"] == 2 and may[CHANGSHA]["calls"]["total"] == 3
        assert may["430000"]["cases"]["campaign"] == 1 and may[ZHUZHOU]["calls"]["exhibition"] == 0
        assert compute_month(Month(2015, 6))[CHANGSHA]["cases"]["campaign"] == 1
