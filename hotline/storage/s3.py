"""An S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, moto's server…) through boto3.

Credentials come from the environment as boto3 reads them (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
a profile, an instance role); the URL names the bucket, endpoint and region only. A file is staged in a temporary
file while its SHA-256 is computed, then uploaded with the hash as object metadata (``x-amz-meta-sha256``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from hotline.storage import (
    CHUNK_SIZE,
    SPOOL_BYTES,
    FileMissing,
    HashingReader,
    Storage,
    StorageError,
    Stored,
    check_key,
)

#: Parts of 5 MiB (S3's smallest) sent one at a time: a large file is never held in memory (boto3's default, ten
#: threads of 8 MiB parts, held 40 MiB for a 20 MiB file).
MULTIPART_BYTES = 5 * 1024 * 1024


def _transfer_config():
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES,
                          max_concurrency=1, use_threads=False)


class S3Storage(Storage):
    name = "s3"

    def __init__(self, bucket: str, *, endpoint: str | None = None, region: str | None = None, prefix: str = ""):
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = None

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint, region_name=self.region or "us-east-1",
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                              s3={"addressing_style": "path"}))
        return self._client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _missing(exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, source) -> Stored:
        name = self._name(key)
        reader = HashingReader(source)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as staged:
            for chunk in reader.chunks():
                staged.write(chunk)
            staged.seek(0)
            try:
                self.client.upload_fileobj(staged, self.bucket, name, ExtraArgs={
                    "Metadata": {"sha256": reader.sha256}, "ContentType": "application/octet-stream"},
                    Config=_transfer_config())
            except Exception as exc:
                raise StorageError(f"upload to {self.describe()} failed: {type(exc).__name__}") from exc
        return Stored(key, reader.size, reader.sha256)

    def _head(self, key: str) -> dict:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if self._missing(exc):
                raise FileMissing(key) from None
            raise StorageError(f"{self.describe()}: {type(exc).__name__}") from exc

    def open(self, key: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as exc:
            if self._missing(exc):
                raise FileMissing(key) from None
            raise StorageError(f"{self.describe()}: {type(exc).__name__}") from exc
        return self._chunks(body)

    @staticmethod
    def _chunks(body) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except FileMissing:
            return False
        return True

    def list_keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                name = item["Key"][len(self.prefix):]
                if "/" not in name:
                    yield name

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def stored_sha256(self, key: str) -> str | None:
        return self._head(key).get("Metadata", {}).get("sha256") or None
