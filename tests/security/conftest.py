"""Security test fixtures: a staff of every role in 长沙 (430100) and in 株洲 (430200), logged-in web clients and
bearer-token API clients per actor, and ``world``: real records of 长沙 made through the product's operations,
created only when a test asks for them (the database is reset after every test).

``world.call``, ``world.case``, ``world.attachment``, ``world.review``, ``world.task``, ``world.revision``,
``world.published`` (a published penalty decision), ``world.token`` (an API token of the 长沙 officer) and
``world.user`` (the 长沙 operator) are detached rows; ``world.phone`` and ``world.month`` are the values routes take.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from functools import cached_property

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from hotline.extensions import db
from tests.factories import PASSWORD

REGION = "430100"  # 长沙市
OTHER_REGION = "430200"  # 株洲市
COUNTY = "430102"  # 芙蓉区, a county of 长沙
SIBLING_COUNTY = "430103"  # 天心区, another county of 长沙
ROLES = ("operator", "officer", "supervisor", "admin")
#: A caller whose number and name the log and output tests look for.
CALLER_PHONE = "13812345678"
CALLER_NAME = "欧阳娜娜"
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class Staff:
    """Users made on first use: ``staff.operator`` … ``staff.admin`` of 长沙, ``staff.other["officer"]`` … of
    株洲, and ``staff.officers``: three 长沙 officers (enough to file a dispute), the first being ``staff.officer``."""

    def __init__(self, create_user, region: str = REGION, prefix: str = "cs", users: dict | None = None):
        self._create = create_user
        self._users: dict[tuple[str, str], object] = {} if users is None else users
        self.region, self.prefix = region, prefix
        self.other = _Region(self, OTHER_REGION, "zz")
        #: Users of 长沙's county 芙蓉区 and of its sibling 天心区.
        self.county = _Region(self, COUNTY, "fr")
        self.sibling = _Region(self, SIBLING_COUNTY, "tx")

    def get(self, role: str, region: str | None = None, prefix: str | None = None):
        region = region or self.region
        prefix = prefix or (self.prefix if region == self.region else {
            REGION: "cs", OTHER_REGION: "zz", COUNTY: "fr", SIBLING_COUNTY: "tx"}.get(region, region))
        key = (role, region)
        if key not in self._users:
            self._users[key] = self._create(role, region, username=f"{prefix}-{role}", display_name=f"{prefix}{role}")
        return self._users[key]

    def of(self, region: str, prefix: str) -> Staff:
        """The same staff seen from another region: ``of(COUNTY, "fr").officer`` is 芙蓉区's officer."""
        return Staff(self._create, region, prefix, self._users)

    def __getattr__(self, role: str):
        if role not in ROLES:
            raise AttributeError(role)
        return self.get(role)

    @cached_property
    def officers(self) -> list:
        return [self.officer, *(self._create("officer", self.region, username=f"{self.prefix}-officer{i}")
                                for i in (2, 3))]


class _Region:
    def __init__(self, staff: Staff, region: str, prefix: str):
        self.staff, self.region, self.prefix = staff, region, prefix

    def __getitem__(self, role: str):
        return self.staff.get(role, self.region, self.prefix)


@pytest.fixture
def staff(create_user):
    return Staff(create_user)


@pytest.fixture
def make_app(app):
    """``make_app(**config)``: another instance of the app — as another web process would be — on the same
    database and upload directory, with ``config`` overrides (a TestingConfig subclass). Its connections are closed
    after the test, before the database is reset."""
    from config import TestingConfig
    from hotline import create_app

    made = []

    def factory(**overrides):
        settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "HOTLINE_UPLOAD_DIR": app.config["HOTLINE_UPLOAD_DIR"], **overrides}
        other = create_app(type("SecondInstanceConfig", (TestingConfig,), settings))
        app.extensions["celery"].set_default()  # tasks keep running in the suite's app
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def login_client(app, user, password: str = PASSWORD):
    """A new test client (its own cookie jar) logged in through the real form."""
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, (user.username, response.status_code)
    return client


def issue_raw_token(app, user, name: str = "security") -> str:
    from hotline.accounts.models import User
    from hotline.accounts.operations import issue_token

    with app.app_context():
        _, raw = issue_token(db.session.get(User, user.id), name, actor=None)
        db.session.commit()
        return raw


class World:
    """Records of 长沙 (or of ``staff.region``: the county world is 芙蓉区's), each made on first use through the
    real operations and committed."""

    def __init__(self, app, staff):
        self.app = app
        self.staff = staff
        self.region = staff.region
        self.month = "2015-05"
        self.phone = CALLER_PHONE

    def _context(self):
        """An app context for making records; the users they need are made first (each user is made in an app
        context of its own, which must not nest inside this one's transaction)."""
        _ = self.staff.operator, self.staff.officers, self.staff.supervisor
        return self.app.app_context()

    def _user(self, user):
        from hotline.accounts.models import User

        return db.session.get(User, user.id)

    @staticmethod
    def _detach(row):
        db.session.refresh(row)
        db.session.expunge(row)
        return row

    @cached_property
    def answer(self):
        from hotline.answers.operations import create_answer

        with self._context():
            answer = create_answer({"question": "什么是假冒专利？", "answer": "在未授权的产品上标注专利标识等。",
                                    "category": "counterfeit", "basis": "专利法第六十八条"},
                                   actor=self._user(self.staff.supervisor))
            db.session.commit()
            return self._detach(answer)

    @cached_property
    def campaign(self):
        from hotline.campaigns.operations import create_campaign

        with self._context():
            campaign = create_campaign({"name": "长沙专项行动", "starts_on": "2015-03-01", "ends_on": "2015-11-30",
                                        "region_codes": [self.region]}, actor=self._user(self.staff.supervisor))
            db.session.commit()
            return self._detach(campaign)

    @cached_property
    def exhibition(self):
        from hotline.campaigns.operations import create_exhibition

        with self._context():
            exhibition = create_exhibition({"name": "长沙展会", "venue": "长沙国际会展中心", "starts_on": "2015-09-20",
                                            "ends_on": "2015-09-24", "region_code": self.region, "stationed": True},
                                           actor=self._user(self.staff.supervisor))
            db.session.commit()
            return self._detach(exhibition)

    @cached_property
    def call(self):
        from hotline.calls.operations import record_call

        with self._context():
            call = record_call({
                "received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone",
                "request_type": "complaint", "ip_type": "patent", "region_code": self.region,
                "caller_name": CALLER_NAME, "caller_phone": CALLER_PHONE, "accused_party": "长沙某某电器有限公司",
                "summary": "某公司销售的产品涉嫌假冒专利",
            }, actor=self._user(self.staff.operator))
            db.session.commit()
            return self._detach(call)

    @cached_property
    def transfer(self):
        """A call of 长沙 transferred by 长沙's operator to 长沙's office: both sides of the transfer are 长沙."""
        from hotline.calls.models import Call
        from hotline.calls.operations import record_call, transfer_call

        with self._context():
            call = record_call({
                "received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone",
                "request_type": "report", "ip_type": "patent", "region_code": self.region,
                "summary": "举报某店销售假冒专利产品",
            }, actor=self._user(self.staff.operator))
            db.session.commit()
            call = db.session.get(Call, call.id)
            transfer_call(call, self.region, None, actor=self._user(self.staff.operator), expected_version=call.version)
            db.session.commit()
            return self._detach(call.transfers[-1])

    def _new_case(self, **fields):
        from hotline.cases.operations import create_case

        data = {"case_type": "infringement_dispute", "region_code": self.region, "received_on": "2015-09-30",
                "source": "request", "summary": "请求人称被请求人制造销售的产品落入其专利保护范围",
                "requester_name": "长沙某某科技有限公司", "respondent_name": "株洲某某机械厂"}
        data.update(fields)
        return create_case(data, actor=self._user(self.staff.officer))

    @cached_property
    def case(self):
        with self._context():
            case = self._new_case()
            db.session.commit()
            return self._detach(case)

    @cached_property
    def attachment(self):
        from hotline.cases.attachments import store_attachment
        from hotline.cases.models import Case

        case_id = self.case.id
        with self._context():
            upload = FileStorage(io.BytesIO(PDF_BYTES), filename="证据.pdf", content_type="application/pdf")
            attachment = store_attachment(db.session.get(Case, case_id), upload, description=None,
                                          actor=self._user(self.staff.officer))
            db.session.commit()
            return self._detach(attachment)

    def _filed(self, **fields):
        from hotline.cases.operations import perform_action

        case = self._new_case(**fields)
        count = 2 if case.case_type == "counterfeit" else 3
        perform_action(case, "file", {"filed_on": case.received_on.isoformat(),
                                      "officer_ids": [u.id for u in self.staff.officers[:count]]},
                       actor=self._user(self.staff.officer), expected_version=case.version)
        return case

    @cached_property
    def supervision(self):
        """长沙's filed case under the province's supervision (a progress and a final report due)."""
        from datetime import date as date_

        from hotline.supervision.operations import designate

        province_user = self.staff.get("supervisor", "430000", "prov")
        with self._context():
            case = self._filed()
            province = self._user(province_user)
            supervision = designate(case, {"instructions": "限期查处，按时报告", "reports": [
                {"kind": "progress", "due_on": date_(2099, 1, 5)}, {"kind": "final", "due_on": date_(2099, 3, 5)}]},
                actor=province, expected_version=case.version)
            db.session.commit()
            return self._detach(supervision)

    @cached_property
    def assist(self):
        """A request for assistance (协查) from a 湘潭 case asked of 长沙: 长沙 is the assisting side (it reads,
        answers, declines and sends files); 株洲 is neither side. 长沙's officer has sent one file with it."""
        from datetime import timedelta as timedelta_

        from hotline.assists.operations import add_file, request_assist
        from hotline.cases.operations import create_case
        from hotline.core.clock import local_today

        xiangtan = self.staff.get("officer", "430300", "xt")
        with self._context():
            case = create_case({"case_type": "counterfeit", "region_code": "430300", "received_on": "2015-09-30",
                                "source": "inspection", "summary": "湘潭查获标注他人专利号的产品，生产者在长沙"},
                               actor=self._user(xiangtan))
            assist = request_assist(case, {"region_code": self.region, "request": "请协助调查生产者",
                                           "due_on": local_today() + timedelta_(days=30)}, actor=self._user(xiangtan))
            upload = FileStorage(io.BytesIO(PDF_BYTES), filename="调查笔录.pdf", content_type="application/pdf")
            add_file(assist, upload, description=None, actor=self._user(self.staff.officer))
            db.session.commit()
            return self._detach(assist)

    @property
    def assist_attachment_id(self) -> int:
        from hotline.assists.models import AssistFile

        with self.app.app_context():
            return db.session.scalar(select(AssistFile.attachment_id).where(AssistFile.assist_id == self.assist.id))

    @property
    def supervision_report_id(self) -> int:
        from hotline.supervision.models import SupervisionReport

        with self.app.app_context():
            return db.session.scalar(select(SupervisionReport.id).where(
                SupervisionReport.supervision_id == self.supervision.id).order_by(SupervisionReport.due_on))

    @cached_property
    def review(self):
        from hotline.cases.operations import perform_action
        from hotline.review.operations import draw_sample

        with self._context():
            case = self._filed()
            perform_action(case, "close", {"outcome": "mediated", "closed_on": "2015-10-20"},
                           actor=self._user(self.staff.officer), expected_version=case.version)
            reviews = draw_sample(region_code=self.region, year=2015, size=1, label="安全测试",
                                  actor=self._user(self.staff.supervisor), rng_seed=1)
            db.session.commit()
            return self._detach(reviews[0])

    @cached_property
    def published(self):
        """A counterfeit case of 长沙, penalized and published: on the public pages."""
        from hotline.cases.operations import perform_action

        with self._context():
            case = self._filed(case_type="counterfeit", received_on="2015-09-30", respondent_kind="organization")
            # The region's supervisor (not one of the case's officers) decides the penalty and its publication.
            supervisor = self._user(self.staff.supervisor)
            perform_action(case, "close", {"outcome": "penalized", "closed_on": "2015-10-20",
                                           "fine_amount": "5000.00"},
                           actor=supervisor, expected_version=case.version)
            perform_action(case, "publish", {"published_on": "2015-10-22"},
                           actor=supervisor, expected_version=case.version)
            db.session.commit()
            return self._detach(case)

    @cached_property
    def approval(self):
        """A pending extension request of the 长沙 officer on a filed case (the supervisor is not one of its
        officers, so may decide it)."""
        from hotline.approvals.operations import act_or_request

        with self._context():
            case = self._filed()
            approval = act_or_request(case, "extend", {"months": 1, "reason": "案情复杂"},
                                      actor=self._user(self.staff.officer), expected_version=case.version)
            db.session.commit()
            return self._detach(approval)

    @cached_property
    def task(self):
        from hotline.stats.compute import Month
        from hotline.stats.operations import start_rebuild

        with self._context():
            run = start_rebuild([Month.parse(self.month)], region_code=self.region,
                                actor=self._user(self.staff.supervisor))
            db.session.commit()
            return self._detach(run)

    @cached_property
    def revision(self):
        """A pending revision of 长沙's locked snapshot of ``month``."""
        from hotline.stats.compute import Month
        from hotline.stats.models import SnapshotRevision
        from hotline.stats.operations import get_snapshot, lock_month

        with self._context():
            month = Month.parse(self.month)
            snapshot = get_snapshot(month, self.region)
            lock_month(month, self.region, actor=self._user(self.staff.supervisor))
            data = dict(snapshot.data)
            data["calls"] = dict(data["calls"], total=data["calls"]["total"] + 1)
            revision = SnapshotRevision(snapshot=snapshot, data=data, computed_at=datetime.now(UTC))
            db.session.add(revision)
            db.session.commit()
            return self._detach(revision)

    @cached_property
    def token(self):
        """An API token of the 长沙 officer (another one than the officer's own client uses)."""
        from hotline.accounts.operations import issue_token

        with self._context():
            token, _ = issue_token(self._user(self.staff.officer), "to revoke", actor=None)
            db.session.commit()
            return self._detach(token)

    @cached_property
    def notification(self):
        """A notification of the 长沙 officer (only they may read or mark it)."""
        from hotline.notifications.models import Notification
        from hotline.notifications.operations import notify

        with self._context():
            [notification_id] = notify([self.staff.officer.id], "new_item", "转办 待签收", "/calls/1",
                                       key="new_item:security")
            db.session.commit()
            return self._detach(db.session.get(Notification, notification_id))

    @property
    def user(self):
        return self.staff.operator


@pytest.fixture
def world(app, staff):
    return World(app, staff)


@pytest.fixture
def county_world(app, staff):
    """The same records, of 长沙's county 芙蓉区 (430102), made by its own staff."""
    return World(app, staff.of(COUNTY, "fr"))
