"""Where media files live: a local folder (the embedded default), or an S3-compatible bucket
that every node of a cluster shares.

Files are written once under a new random name and never rewritten, so a store needs only
to put, get and delete whole files. Whether a file may be shown to a reader is decided by
the database (storage/queries.py), never by the store.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from liveblog.errors import LiveblogError
from liveblog.settings import Settings


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


class MediaStore(Protocol):
    def put(self, name: str, data: bytes, content_type: str) -> None: ...
    def get(self, name: str) -> StoredFile | None: ...
    def delete(self, name: str) -> None: ...
    def names(self) -> list[str]: ...


def _safe(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith(".") or len(name) > 200:
        raise LiveblogError(f"not a media file name: {name!r}")
    return name


class LocalMediaStore:
    """A folder on this machine (``LIVEBLOG_MEDIA_DIR``)."""

    TYPES: ClassVar[dict[str, str]] = {
        ".jpg": "image/jpeg",
        ".png": "image/png",
        ".webp": "image/webp",
    }

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / _safe(name)
        partial = path.with_name(f".{path.name}.part")
        partial.write_bytes(data)
        partial.replace(path)  # readers never see half a file

    def get(self, name: str) -> StoredFile | None:
        path = self.folder / _safe(name)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        return StoredFile(data, self.TYPES.get(path.suffix.lower(), "application/octet-stream"))

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.folder / _safe(name)).unlink()

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_file() and p.name[0] != ".")


class S3MediaStore:
    """A bucket of an S3-compatible service (AWS S3, MinIO, Ceph, Garage, ...), through boto3.

    Credentials come the way boto3 finds them: ``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY``, a profile, or the machine's role.
    """

    def __init__(
        self, bucket: str, *, endpoint_url: str = "", region: str = "", prefix: str = ""
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3),
        )

    def _key(self, name: str) -> str:
        return self.prefix + _safe(name)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(name), Body=data, ContentType=content_type
        )

    def get(self, name: str) -> StoredFile | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body = answer["Body"]
        try:
            data = body.read()
        finally:
            body.close()
        return StoredFile(data, answer.get("ContentType") or "application/octet-stream")

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def names(self) -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            found += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
        return sorted(found)


def media_store(settings: Settings) -> MediaStore:
    """The store the settings name: S3 when ``LIVEBLOG_S3_BUCKET`` is set, else the folder."""
    if settings.s3_bucket:
        return S3MediaStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            prefix=settings.s3_prefix,
        )
    return LocalMediaStore(settings.media_dir)
