"""Case-file review UI (supervisors): samples and their progress, drawing a sample, the checklist of one file,
scores by region. A 市州 supervisor sees and samples only their region; another region's review is a 404."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from hotline.cases.forms import CASE_TYPE_LABELS, EVENT_KIND_LABELS, OUTCOME_LABELS
from hotline.cases.queries import case_events
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.permissions import Role, province_code, role_required
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.review import bp, logger
from hotline.review.forms import CATEGORY_LABELS, CATEGORY_ORDER, DrawSampleForm, score_form
from hotline.review.operations import MAX_LABEL_LENGTH, draw_sample, involvements, score_review, scoring_conflict
from hotline.review.queries import GRADES, get_review_or_404, list_reviews, list_samples, region_scores, sample_labels

STATUS_LABELS = {"pending": _l("In review"), "done": _l("Reviewed")}


@bp.before_request
def _no_store():
    # Internal pages about individual case files: never cached.
    g.no_store = True


def case_url(case_id: int) -> str | None:
    """Link to the case page, once the cases UI provides one."""
    try:
        return url_for("cases.detail", case_id=case_id)
    except BuildError:
        return None


def region_label(code: str | None) -> str:
    if code == province_code():
        return str(_l("All regions"))
    region = ref.region_map().get(code or "")
    return region.name if region else (code or "")


@bp.context_processor
def _helpers():
    return {
        "case_url": case_url,
        "region_label": region_label,
        "case_type_label": lambda code: CASE_TYPE_LABELS.get(code, code or ""),
        "outcome_label": lambda code: OUTCOME_LABELS.get(code, code or ""),
        "event_label": lambda code: EVENT_KIND_LABELS.get(code, code or ""),
        "review_status_label": lambda code: STATUS_LABELS.get(code, code or ""),
        "category_labels": CATEGORY_LABELS,
        "grades": GRADES,
    }


@bp.route("", methods=["GET", "POST"])
@role_required(Role.supervisor)
def index():
    """Samples and their progress; one sample's files (``?label=``); the form to draw a new sample."""
    form = DrawSampleForm(user=current_user)
    status = 200
    if form.validate_on_submit():
        try:
            reviews = draw_sample(region_code=form.region_code.data, year=form.year.data, size=form.size.data,
                                  label=form.label.data, actor=current_user)
        except (ValidationFailed, NotAllowed) as exc:
            db.session.rollback()
            form.populate_errors(exc.errors or {"region_code": [exc.message]})
            status = 422
        else:
            try:
                db.session.commit()
            except IntegrityError:
                # Another supervisor drew into the same sample at the same moment and took one of these files.
                db.session.rollback()
                form.form_errors.append(_("Someone else drew into this sample at the same time. Draw again."))
                status = 409
            else:
                logger.info("review sample drawn by user %s: %d files", current_user.id, len(reviews))
                if reviews:
                    flash(_("%(count)d case files drawn into “%(label)s”.", count=len(reviews),
                            label=reviews[0].sample_label), "success")
                    return redirect(url_for("review.index", label=reviews[0].sample_label))
                flash(_("No closed case of that year and region is left to draw into this sample."), "warning")
                return redirect(url_for("review.index"))
    elif request.method == "POST":
        status = 422
    label = (request.args.get("label") or "").strip()[:MAX_LABEL_LENGTH] or None
    reviews = list_reviews(current_user, label) if label else []
    return render_template("review/index.html", form=form, samples=list_samples(current_user),
                           selected_label=label, reviews=reviews,
                           conflicts=involvements(current_user, [r.case_id for r in reviews])), status


@bp.route("/export.xlsx")
@role_required(Role.supervisor)
def export():
    """One sample's files (``?label=``, those of the user's region, as on the page) as XLSX: case, type, region,
    closing date, review status, score and grade. A sample is at most a few hundred files."""
    from datetime import datetime

    from hotline.core.exports import audit_export, subtitle
    from hotline.core.xlsx import Column, write_xlsx, xlsx_response
    from hotline.templating import local_tz

    label = (request.args.get("label") or "").strip()[:MAX_LABEL_LENGTH]
    if not label:  # no sample chosen: the page to choose one
        return redirect(url_for("review.index"))
    regions = ref.region_map()
    rows = ((r.case.display_number, str(CASE_TYPE_LABELS.get(r.case.case_type, r.case.case_type)),
             regions[r.region_code].name if r.region_code in regions else r.region_code, r.case.closed_on,
             str(STATUS_LABELS.get(r.status, r.status)), r.score, r.grade)
            for r in list_reviews(current_user, label))
    columns = [Column(_("Case"), 24), Column(_("Type"), 16), Column(_("Region"), 10), Column(_("Closed"), 11, "date"),
               Column(_("Status"), 10), Column(_("Score"), 8, "money"), Column(_("Grade"), 8)]
    out, count = write_xlsx(_("Case-file review"), subtitle([f"{_('Sample')}：{label}"]), columns, rows)
    audit_export(current_user, "review", count, filters={"label": True})
    db.session.commit()
    return xlsx_response(out, f"review-{datetime.now(local_tz()):%Y%m%d-%H%M}.xlsx")


@bp.route("/<int:review_id>", methods=["GET", "POST"])
@role_required(Role.supervisor)
def detail(review_id: int):
    """One case file: the case summary and the checklist, grouped veto / form / content; submit to score. A
    supervisor who worked on or approved the case reads the checklist but is not offered to score it (403 if
    they submit anyway)."""
    review = get_review_or_404(review_id, current_user)
    conflict = scoring_conflict(review, current_user)
    form = score_form(review)
    status = 200
    if form.validate_on_submit():
        try:
            changes = score_review(review, form.scores_data(), actor=current_user)
        except NotAllowed as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = 403
        except ValidationFailed as exc:
            db.session.rollback()
            form.populate_errors(exc.errors or {"scores": [exc.message]})
            status = 422
        else:
            db.session.commit()
            if not changes:
                flash(_("Nothing changed."), "info")
            elif review.status == "done":
                flash(_("Review saved: %(score)s points, %(grade)s.", score=review.score, grade=review.grade),
                      "success")
            else:
                flash(_("Review saved. Items still to judge: %(count)d.",
                        count=sum(1 for s in review.scores if s.passed is None)), "success")
            return redirect(url_for("review.detail", review_id=review.id))
    elif request.method == "POST":
        status = 422
    groups = []
    for category in CATEGORY_ORDER:
        scores = sorted((s for s in review.scores if s.item.category == category),
                        key=lambda s: (s.item.sort_order, s.item.id))
        if scores:
            groups.append((category, scores))
    case = review.case
    return render_template("review/detail.html", review=review, case=case, form=form, groups=groups,
                           events=case_events(case), open_items=sum(1 for s in review.scores if s.passed is None),
                           conflict=conflict), status


@bp.route("/scores")
@role_required(Role.supervisor)
def scores():
    """Scores by region for a year (cases closed that year), optionally one sample: table and grade distribution."""
    today = local_today()
    year = request.args.get("year", type=int)
    if year is None:
        year = today.year - 1
    if not 2000 <= year <= today.year:
        abort(404)
    labels = sample_labels(current_user)
    label = request.args.get("label") or None
    if label is not None and label not in labels:
        label = None
    table = region_scores(year, label, region_code=current_user.region_code)
    return render_template("review/scores.html", table=table, year=year, years=range(today.year, 1999, -1),
                           selected_label=label, labels=labels, province=current_user.region_code == province_code())
