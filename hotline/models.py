"""Import every model module so metadata is complete (migrations, tests)."""

from hotline.accounts.models import ApiToken, LoginFailure, User, UserSession  # noqa: F401
from hotline.calls.models import Call, Caller  # noqa: F401
from hotline.core.models import AuditEvent, RefCounter  # noqa: F401
from hotline.reference.models import Channel, IpType, Region, RequestType  # noqa: F401
