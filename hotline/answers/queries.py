"""Read side of standard answers: search (Chinese bigrams, ranked), lists, usage figures."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from flask import abort
from sqlalchemy import Select, and_, func, select

from hotline.answers.models import AnswerStatus, StandardAnswer, StandardAnswerVersion
from hotline.calls.models import Call
from hotline.core.text import cjk_tokens, clean_text
from hotline.extensions import db

_WORD = re.compile(r"[0-9a-z]+")
#: A suggestion needs this many of the query's terms in the answer (one shared character pair is noise).
MIN_SUGGESTION_HITS = 2


def get_answer_or_404(answer_id: int) -> StandardAnswer:
    if not 0 < answer_id < 2**63:
        abort(404)
    answer = db.session.get(StandardAnswer, answer_id)
    if answer is None:
        abort(404)
    return answer


def get_version(answer_id: int, version: int) -> StandardAnswerVersion | None:
    return db.session.scalar(select(StandardAnswerVersion).where(
        StandardAnswerVersion.answer_id == answer_id, StandardAnswerVersion.version == version))


def query_terms(q: str | None) -> list[str]:
    """What a query is matched on: the bigrams of its Chinese runs (one character for a one-character run) and its
    Latin words and numbers, as the documents are tokenized (hotline.core.text)."""
    q = clean_text(q)
    if not q:
        return []
    folded = unicodedata.normalize("NFKC", q).casefold()
    terms = cjk_tokens(q).split()
    terms += [w for w in _WORD.findall(folded) if w not in terms]
    return terms[:64]


def _base(status: str | None, category: str | None) -> Select:
    stmt = select(StandardAnswer)
    if status:
        stmt = stmt.where(StandardAnswer.status == status)
    if category:
        stmt = stmt.where(StandardAnswer.category == category)
    return stmt


def search_answers(q: str | None, *, limit: int = 5, status: str | None = AnswerStatus.active.value,
                   category: str | None = None, min_hits: int = 1) -> list[StandardAnswer]:
    """The answers that share the most terms with ``q``, best first (ties: the most recently reviewed, then the
    oldest answer). ``min_hits`` drops answers sharing fewer terms (for suggestions while a summary is typed).

    Scored in Python over an inverted index of the answers' terms (term → answers), kept per process while the
    knowledge base is unchanged (:func:`_term_index`): a knowledge base is a few thousand answers at most. On
    PostgreSQL the answers' tsvectors are stored out of line (TOAST); testing a summary's 10–60 terms against them
    in SQL decompressed each matching answer's vector once per term (30–150 ms at 1,000 answers, bench/answers.py).
    """
    terms = query_terms(q)
    if not terms:
        return []
    postings, reviewed = _term_index(_base(status, category))
    scores: Counter[int] = Counter()
    for term in dict.fromkeys(terms):
        scores.update(postings.get(term, ()))
    ranked = sorted((-score, -reviewed[answer_id], answer_id) for answer_id, score in scores.items()
                    if score >= min_hits)
    ids = [answer_id for *_, answer_id in ranked[:limit]]
    found = ({a.id: a for a in db.session.scalars(select(StandardAnswer).where(StandardAnswer.id.in_(ids)))}
             if ids else {})
    return [found[i] for i in ids if i in found]


#: The answers' inverted term index per filter, while the knowledge base is unchanged (its row count and latest
#: ``updated_at`` are the same): (stamp, {term: (answer ids)}, {answer id: reviewed_on ordinal}).
_TERM_INDEX: dict[str, tuple[tuple, dict[str, tuple[int, ...]], dict[int, int]]] = {}


def _term_index(stmt: Select) -> tuple[dict[str, tuple[int, ...]], dict[int, int]]:
    stamp = tuple(db.session.execute(select(func.count(), func.max(StandardAnswer.updated_at))
                                     .select_from(StandardAnswer)).one())
    key = str(stmt.compile(compile_kwargs={"literal_binds": True}))
    hit = _TERM_INDEX.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1], hit[2]
    if db.engine.dialect.name == "postgresql":
        tokens = func.array_to_string(func.tsvector_to_array(StandardAnswer.search_vector), " ")
    else:
        tokens = StandardAnswer.search_vector  # the token text itself
    rows = db.session.execute(stmt.with_only_columns(StandardAnswer.id, tokens, StandardAnswer.reviewed_on)).all()
    lists: dict[str, list[int]] = {}
    reviewed: dict[int, int] = {}
    for answer_id, text_, reviewed_on in rows:
        reviewed[answer_id] = reviewed_on.toordinal()
        for term in set((text_ or "").split()):
            lists.setdefault(term, []).append(answer_id)
    postings = {term: tuple(ids) for term, ids in lists.items()}
    if len(_TERM_INDEX) > 32:
        _TERM_INDEX.clear()
    _TERM_INDEX[key] = (stamp, postings, reviewed)
    return postings, reviewed


def suggest_answers(summary: str | None, limit: int = 5) -> list[StandardAnswer]:
    """Active answers for a summary being typed: at least two shared terms when the summary has two or more."""
    terms = query_terms(summary)
    return search_answers(summary, limit=limit, min_hits=min(MIN_SUGGESTION_HITS, len(terms)))


def list_answers(*, q: str | None = None, category: str | None = None, status: str | None = None,
                 limit: int = 200) -> list[StandardAnswer]:
    """The list page: ranked by the search when ``q`` is given, else by category and question."""
    if clean_text(q):
        return search_answers(q, limit=limit, status=status, category=category)
    stmt = _base(status, category).order_by(StandardAnswer.category, StandardAnswer.question, StandardAnswer.id)
    return list(db.session.scalars(stmt.limit(limit)))


def answer_usage(answer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Call).where(Call.answer_id == answer_id)) or 0


def most_used_answers(start, end, *, region_filter=None, limit: int = 10) -> list[tuple[StandardAnswer, int]]:
    """The standard answers given most on calls received in [start, end) (UTC instants)."""
    uses = func.count(Call.id).label("uses")
    stmt = (select(StandardAnswer, uses).join(Call, Call.answer_id == StandardAnswer.id)
            .where(Call.received_at >= start, Call.received_at < end)
            .group_by(StandardAnswer.id).order_by(uses.desc(), StandardAnswer.id).limit(limit))
    if region_filter is not None:
        stmt = stmt.where(region_filter)
    return [(answer, count) for answer, count in db.session.execute(stmt).all()]


def unanswered_consultations(start, end, *, region_filter=None, limit: int = 20) -> tuple[int, list[Call]]:
    """Consultations of [start, end) answered without a standard answer (the gaps to write next): how many, and the
    newest ``limit`` of them."""
    where = and_(Call.request_type == "consultation", Call.decision == "answered", Call.answer_id.is_(None),
                 Call.received_at >= start, Call.received_at < end)
    if region_filter is not None:
        where = and_(where, region_filter)
    total = db.session.scalar(select(func.count()).select_from(Call).where(where)) or 0
    calls = list(db.session.scalars(select(Call).where(where).order_by(Call.received_at.desc(), Call.id.desc())
                                     .limit(limit)))
    return total, calls


