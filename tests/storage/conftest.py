"""Storage fixtures: a real S3-compatible server (moto's standalone server, a subprocess on 127.0.0.1), an
evidence case, and ``use_storage(url)`` switching the app's STORAGE_URL for one test."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from hotline.extensions import db
from tests.conftest import _unavailable

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """``http://127.0.0.1:<port>`` of a moto S3 server started for this session (with CI set, a server that
    cannot start fails the run instead of skipping)."""
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not Path(binary).exists():
        _unavailable("moto_server (pip install 'moto[server]')", FileNotFoundError(binary))
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)],  # noqa: S603 - fixed argv
                               stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1).close()  # noqa: S310 - local test server
            break
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _unavailable("the moto S3 server", exc)
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def s3_url(s3_endpoint, monkeypatch):
    """A new, empty bucket's STORAGE_URL (credentials in the environment, as in production)."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return f"s3://{bucket}?endpoint={s3_endpoint}&region=us-east-1"


@pytest.fixture
def use_storage(app, monkeypatch, tmp_path):
    """``use_storage(url)``: the app stores evidence there for this test (a fresh local folder otherwise)."""
    monkeypatch.setitem(app.config, "HOTLINE_UPLOAD_DIR", str(tmp_path / "uploads"))

    def switch(url: str) -> str:
        monkeypatch.setitem(app.config, "STORAGE_URL", url)
        return url

    switch("file:")
    return switch


@pytest.fixture(params=["file", "db", "s3"])
def backend_url(request, tmp_path):
    """Each backend's STORAGE_URL in turn."""
    if request.param == "file":
        return f"file:{tmp_path / 'folder'}"
    if request.param == "db":
        return "db:"
    return request.getfixturevalue("s3_url")


@pytest.fixture
def officer(create_user):
    return create_user("officer", "430100")


@pytest.fixture
def case_id(app, officer):
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case

    with app.app_context():
        case = create_case({"case_type": "infringement_dispute", "region_code": "430100", "received_on": "2015-09-30",
                            "summary": "请求处理专利侵权纠纷"}, actor=db.session.get(User, officer.id))
        db.session.commit()
        return case.id


@pytest.fixture
def upload(app, officer, case_id):
    """``upload(data, name)`` → the committed attachment's id, stored through ``store_attachment``."""
    from werkzeug.datastructures import FileStorage

    from hotline.accounts.models import User
    from hotline.cases.attachments import store_attachment
    from hotline.cases.models import Case

    def do(data: bytes = PDF, name: str = "证据.pdf") -> int:
        with app.test_request_context():
            attachment = store_attachment(db.session.get(Case, case_id), FileStorage(io.BytesIO(data), filename=name),
                                          description=None, actor=db.session.get(User, officer.id))
            db.session.commit()
            return attachment.id

    return do


def download(app, attachment_id: int):
    """``open_attachment`` of the attachment: (status, body, headers); an HTTP error as its status and message."""
    from werkzeug.exceptions import HTTPException

    from hotline.cases.attachments import open_attachment
    from hotline.cases.models import Attachment

    with app.test_request_context():
        try:
            response = open_attachment(db.session.get(Attachment, attachment_id))
        except HTTPException as exc:
            return exc.code, exc.description, {}
        assert response.is_streamed, "downloads are a response generator"
        body = b"".join(response.response)
        response.close()
        return response.status_code, body, dict(response.headers)


os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
