"""Import every model module so metadata is complete (migrations, tests)."""

from hotline.accounts.models import ApiToken, LoginFailure, User, UserSession  # noqa: F401
from hotline.answers.models import StandardAnswer, StandardAnswerVersion  # noqa: F401
from hotline.approvals.models import Approval  # noqa: F401
from hotline.calls.models import Call, Caller, NumberLookup  # noqa: F401
from hotline.cases.models import (  # noqa: F401
    Attachment,
    Case,
    CaseEvent,
    CaseExtension,
    CaseSuspension,
    OverdueRecord,
)
from hotline.core.models import AuditEvent, OutboxMessage, RefCounter, ScheduledRun  # noqa: F401
from hotline.deadlines.models import CalendarDay, DeadlineRule, RuleSet  # noqa: F401
from hotline.notifications.models import Notification, NotificationPreference  # noqa: F401
from hotline.reference.models import Channel, IpType, Region, RequestType  # noqa: F401
from hotline.review.models import CaseReview, CaseReviewScore, ReviewItem  # noqa: F401
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun  # noqa: F401
from hotline.storage.models import StoredFile, StoredFileChunk  # noqa: F401
from hotline.supervision.models import Supervision, SupervisionReport  # noqa: F401
from hotline.transfers.models import Transfer  # noqa: F401
