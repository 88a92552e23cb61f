"""The hand-written reference query for bench/stats_bench.py: one SQL statement computing every monthly figure
of hotline.stats.compute (call_figures + case_figures) per region, and its conversion to the same shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

#: One statement, two aggregates joined on the region. :start/:end are the Beijing month as UTC instants,
#: :first/:last its first and last day, :next_first the first day of the next month.
MONTH_SQL = """
WITH c AS (
    SELECT region_code,
           count(*) AS total,
           count(*) FILTER (WHERE request_type = 'consultation') AS rt_consultation,
           count(*) FILTER (WHERE request_type = 'report') AS rt_report,
           count(*) FILTER (WHERE request_type = 'complaint') AS rt_complaint,
           count(*) FILTER (WHERE request_type = 'aid_request') AS rt_aid_request,
           count(*) FILTER (WHERE request_type = 'other') AS rt_other,
           count(*) FILTER (WHERE channel = 'phone') AS ch_phone,
           count(*) FILTER (WHERE channel = 'wechat') AS ch_wechat,
           count(*) FILTER (WHERE channel = 'web') AS ch_web,
           count(*) FILTER (WHERE channel = 'email') AS ch_email,
           count(*) FILTER (WHERE channel = 'letter') AS ch_letter,
           count(*) FILTER (WHERE channel = 'visit') AS ch_visit,
           count(*) FILTER (WHERE channel = 'exhibition') AS ch_exhibition,
           count(*) FILTER (WHERE channel = 'transfer_12345') AS ch_transfer_12345,
           count(*) FILTER (WHERE channel = 'transfer_other') AS ch_transfer_other,
           count(*) FILTER (WHERE ip_type = 'patent') AS ip_patent,
           count(*) FILTER (WHERE ip_type = 'trademark') AS ip_trademark,
           count(*) FILTER (WHERE ip_type = 'copyright') AS ip_copyright,
           count(*) FILTER (WHERE ip_type = 'trade_secret') AS ip_trade_secret,
           count(*) FILTER (WHERE ip_type = 'geo_indication') AS ip_geo_indication,
           count(*) FILTER (WHERE ip_type = 'plant_variety') AS ip_plant_variety,
           count(*) FILTER (WHERE ip_type = 'ic_layout') AS ip_ic_layout,
           count(*) FILTER (WHERE ip_type = 'special_mark') AS ip_special_mark,
           count(*) FILTER (WHERE ip_type = 'criminal') AS ip_criminal,
           count(*) FILTER (WHERE ip_type = 'other') AS ip_other,
           count(*) FILTER (WHERE ip_type IS NULL) AS ip_none,
           count(*) FILTER (WHERE transferred_at IS NOT NULL) AS transferred,
           count(*) FILTER (WHERE decision = 'case_opened') AS case_opened,
           count(*) FILTER (WHERE decision = 'not_accepted') AS call_not_accepted,
           count(*) FILTER (WHERE decision = 'answered') AS answered,
           count(*) FILTER (WHERE status = 'closed') AS call_closed,
           count(*) FILTER (WHERE decided_on <= accept_due_on) AS decided_in_time,
           count(*) FILTER (WHERE decided_on IS NULL AND accept_due_on < :next_first) AS undecided_overdue,
           count(*) FILTER (WHERE request_type IN ('report', 'complaint')) AS reports_and_complaints
    FROM calls
    WHERE received_at >= :start AND received_at < :end
    GROUP BY region_code
), k AS (
    SELECT region_code,
           count(*) FILTER (WHERE received_on BETWEEN :first AND :last) AS received,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last) AS filed,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last
                            AND case_type IN ('infringement_dispute', 'other_dispute')) AS disputes,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last
                            AND case_type = 'infringement_dispute') AS infringement_disputes,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND case_type = 'other_dispute') AS other_disputes,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND case_type = 'counterfeit') AS counterfeit,
           count(*) FILTER (WHERE rejected_on BETWEEN :first AND :last) AS case_not_accepted,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last) AS case_closed,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'infringement_found')
               AS out_infringement_found,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'request_dismissed')
               AS out_request_dismissed,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'mediated') AS out_mediated,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'withdrawn') AS out_withdrawn,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'revoked') AS out_revoked,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'penalized') AS out_penalized,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'exempted') AS out_exempted,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND outcome = 'transferred_police')
               AS out_transferred_police,
           count(*) FILTER (WHERE filed_on <= :last AND (closed_on IS NULL OR closed_on > :last)) AS pending_end,
           count(*) FILTER (WHERE (filed_on <= :last AND (closed_on IS NULL OR closed_on > :last)
                                   AND close_due_on < :last)
                               OR (closed_on BETWEEN :first AND :last AND close_due_on IS NOT NULL
                                   AND closed_on > close_due_on)) AS overdue,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND transferred_judicial) AS transferred_judicial,
           count(*) FILTER (WHERE closed_on BETWEEN :first AND :last AND judicial_confirmation)
               AS judicial_confirmation,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND is_exhibition) AS exhibition,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND is_ecommerce) AS ecommerce,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND is_major) AS major,
           count(*) FILTER (WHERE filed_on BETWEEN :first AND :last AND foreign_related) AS foreign_related,
           coalesce(sum(amount_involved) FILTER (WHERE filed_on BETWEEN :first AND :last), 0) AS amount_involved,
           coalesce(sum(fine_amount) FILTER (WHERE closed_on BETWEEN :first AND :last), 0) AS fines,
           coalesce(sum(confiscated_amount) FILTER (WHERE closed_on BETWEEN :first AND :last), 0) AS confiscated
    FROM cases
    WHERE received_on BETWEEN :first AND :last OR rejected_on BETWEEN :first AND :last
       OR filed_on BETWEEN :first AND :last OR closed_on BETWEEN :first AND :last
       OR (filed_on <= :last AND (closed_on IS NULL OR closed_on > :last))
    GROUP BY region_code
)
SELECT coalesce(c.region_code, k.region_code) AS region, c.*, k.*
FROM c FULL JOIN k ON k.region_code = c.region_code
"""

REQUEST_TYPES = ("consultation", "report", "complaint", "aid_request", "other")
CHANNELS = ("phone", "wechat", "web", "email", "letter", "visit", "exhibition", "transfer_12345", "transfer_other")
IP_TYPES = ("patent", "trademark", "copyright", "trade_secret", "geo_indication", "plant_variety", "ic_layout",
            "special_mark", "criminal", "other")
OUTCOMES = ("infringement_found", "request_dismissed", "mediated", "withdrawn", "revoked", "penalized", "exempted",
            "transferred_police")
CASE_COUNTS = ("received", "filed", "disputes", "infringement_disputes", "other_disputes", "counterfeit",
               "pending_end", "overdue", "transferred_judicial", "judicial_confirmation", "exhibition", "ecommerce",
               "major", "foreign_related")


def params(month) -> dict[str, Any]:
    start, end = month.utc_bounds()
    return {"start": start, "end": end, "first": month.first_day, "last": month.last_day,
            "next_first": month.next().first_day}


def to_figures(rows) -> dict[str, dict[str, Any]]:
    """Rows of MONTH_SQL → {region: {"calls": {...}, "cases": {...}}}, shaped like compute_month's regions."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        r = row._mapping

        def n(key: str, r=r) -> int:
            return r[key] or 0  # None: the absent side of the full join
        calls = {
            "total": n("total"),
            "by_request_type": {code: n(f"rt_{code}") for code in REQUEST_TYPES},
            "by_channel": {code: n(f"ch_{code}") for code in CHANNELS},
            "by_ip_type": {**{code: n(f"ip_{code}") for code in IP_TYPES}, "unspecified": n("ip_none")},
            "phone_total": n("ch_phone"), "reports_and_complaints": n("reports_and_complaints"),
            "transferred": n("transferred"), "case_opened": n("case_opened"), "not_accepted": n("call_not_accepted"),
            "answered": n("answered"), "closed": n("call_closed"), "decided_in_time": n("decided_in_time"),
            "undecided_overdue": n("undecided_overdue"),
        }
        cases: dict[str, Any] = {key: n(key) for key in CASE_COUNTS}
        cases["not_accepted"] = n("case_not_accepted")
        cases["closed"] = n("case_closed")
        cases["mediated"] = n("out_mediated")
        cases["total"] = cases["filed"]
        cases["closed_by_outcome"] = {o: n(f"out_{o}") for o in OUTCOMES}
        for key in ("amount_involved", "fines", "confiscated"):
            cases[key] = str(Decimal(r[key] or 0).quantize(Decimal("0.01")))
        out[r["region"]] = {"calls": calls, "cases": cases}
    return out
