"""Media stores: the local folder, and an S3-compatible bucket served over HTTP by a real
local S3 server (moto's standalone server), with the same behaviour."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveblog.errors import LiveblogError
from liveblog.settings import Settings
from liveblog.storage.mediastore import (
    LocalMediaStore,
    MediaStore,
    S3MediaStore,
    media_store,
)
from tests.servers import s3_server


@pytest.fixture(scope="module")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local S3-compatible server on a free port, for this module."""
    with s3_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def make_bucket(s3_url: str) -> str:
    import boto3

    name = f"liveblog-{secrets.token_hex(4)}"
    boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(tmp_path / "media")
    request.getfixturevalue("aws_env")
    s3_url = request.getfixturevalue("s3_url")
    return S3MediaStore(make_bucket(s3_url), endpoint_url=s3_url, region="us-east-1")


def test_put_get_delete_and_list(store: MediaStore) -> None:
    assert store.get("photo-1.jpg") is None
    store.put("photo-1.jpg", b"\xff\xd8jpeg bytes", "image/jpeg")
    store.put("photo-2.png", b"\x89PNG bytes", "image/png")
    got = store.get("photo-1.jpg")
    assert got is not None and got.data == b"\xff\xd8jpeg bytes"
    assert got.content_type == "image/jpeg"
    assert store.names() == ["photo-1.jpg", "photo-2.png"]
    store.delete("photo-1.jpg")
    store.delete("photo-1.jpg")  # deleting what is gone is no error
    assert store.get("photo-1.jpg") is None
    assert store.names() == ["photo-2.png"]


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b.jpg", ".hidden", "x" * 300])
def test_names_that_could_leave_the_store_are_refused(store: MediaStore, name: str) -> None:
    with pytest.raises(LiveblogError):
        store.put(name, b"data", "image/png")


def test_the_settings_choose_the_store(tmp_path: Path, aws_env: None, s3_url: str) -> None:
    local = media_store(Settings(media_dir=tmp_path / "m"))
    assert isinstance(local, LocalMediaStore) and local.folder == tmp_path / "m"
    bucket = make_bucket(s3_url)
    remote = media_store(Settings(s3_bucket=bucket, s3_endpoint_url=s3_url, s3_prefix="p/"))
    assert isinstance(remote, S3MediaStore)
    remote.put("photo-9.webp", b"RIFFwebp", "image/webp")
    # Another node, built from the same settings, sees the same file.
    other = media_store(Settings(s3_bucket=bucket, s3_endpoint_url=s3_url, s3_prefix="p/"))
    found = other.get("photo-9.webp")
    assert found is not None and found.data == b"RIFFwebp"
