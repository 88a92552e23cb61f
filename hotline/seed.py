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
    # A database migrated only part of the way (a migration test's older schema) has no knowledge base yet: it gets
    # the starter answers at the first `flask seed` after the migration that adds them.
    counts["standard_answers"] = seed_answers() if _has_table("standard_answers") else 0
    return counts


def _has_table(name: str) -> bool:
    from sqlalchemy import inspect

    from hotline.extensions import db

    with db.engine.connect() as conn:
        return inspect(conn).has_table(name)
