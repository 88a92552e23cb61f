"""Everything `flask seed` loads: reference data, the working-day calendar, deadline rule sets, the starter
standard answers. Idempotent."""

from __future__ import annotations


def seed_all() -> dict[str, int]:
    from hotline.answers.seed import seed_answers
    from hotline.deadlines.seed import seed_calendar, seed_rule_sets
    from hotline.reference.seed import seed_reference_data
    from hotline.review.data import seed_review_items

    counts = seed_reference_data()
    counts["calendar_days"] = seed_calendar()
    counts["deadline_rules"] = seed_rule_sets()
    counts["review_items"] = seed_review_items()
    counts["standard_answers"] = seed_answers()
    return counts
