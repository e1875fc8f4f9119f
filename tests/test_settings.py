"""Settings come from LIVEBLOG_* variables and .env, and every one of them is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from liveblog.errors import LiveblogError
from liveblog.settings import SERVE_HOST, SERVE_PORT, SETTINGS, Settings
from tests.conftest import ROOT

DEPLOYMENT = ROOT / "docs" / "deployment.md"


def test_environment_and_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nLIVEBLOG_SITE_NAME='Harbour News'\nLIVEBLOG_BASE_URL=http://a/\n")
    settings = Settings.from_env({"LIVEBLOG_BASE_URL": "https://news.example/"}, dotenv)
    assert settings.site_name == "Harbour News"
    assert settings.base_url == "https://news.example"  # the environment wins over .env
    assert settings.database_url.startswith("sqlite:///")


def test_dotenv_is_read_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As docs/deployment.md says: `.env` of the folder the command runs in, under the
    environment, over the defaults."""
    (tmp_path / ".env").write_text(
        "LIVEBLOG_HEARTBEAT_SECONDS=7.5\nLIVEBLOG_REPLAY_LIMIT=40\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"LIVEBLOG_REPLAY_LIMIT": "60"})
    assert settings.heartbeat_seconds == 7.5  # from .env
    assert settings.replay_limit == 60  # the environment wins
    assert settings.poll_seconds == Settings().poll_seconds == 5.0  # the default
    monkeypatch.chdir(tmp_path.parent)
    assert Settings.from_env({}).heartbeat_seconds == 15.0  # no .env here


def test_secret_key_stays_out_of_reprs() -> None:
    settings = Settings.from_env({"LIVEBLOG_SECRET_KEY": "hunter2-hunter2"}, None)
    assert "hunter2" not in repr(settings)
    assert settings.secret_key.reveal() == "hunter2-hunter2"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HEARTBEAT_SECONDS", "0"),
        ("POLL_SECONDS", "soon"),
        ("HEAD_TTL_SECONDS", "-1"),
        ("REPLAY_LIMIT", "0"),
        ("BROADCAST_SLICE", "1.5"),
        ("STREAM_BUFFER_KB", "0"),
        ("DB_POOL_SIZE", "0"),
    ],
)
def test_a_wrong_tuning_value_is_a_one_line_error(name: str, value: str) -> None:
    with pytest.raises(LiveblogError, match=f"LIVEBLOG_{name} must be"):
        Settings.from_env({f"LIVEBLOG_{name}": value}, None)


def test_every_field_has_one_declaration() -> None:
    """Each field of Settings is filled by exactly one SettingSpec, and its default is
    that spec's default read the same way as the environment would be."""
    fields = [f.name for f in dataclasses.fields(Settings)]
    assert sorted(fields) == sorted(spec.attr for spec in SETTINGS)
    assert len({spec.name for spec in SETTINGS}) == len(SETTINGS)
    made, read = Settings(), Settings.from_env({}, None)
    for spec in SETTINGS:
        if spec.name != "SECRET_KEY":  # random per run
            assert getattr(made, spec.attr) == getattr(read, spec.attr), spec.name
    assert made.base_url == f"http://{SERVE_HOST}:{SERVE_PORT}"


def _documented_defaults() -> dict[str, str]:
    """The settings table of docs/deployment.md: variable -> default, as written."""
    rows = re.findall(
        r"^\| `LIVEBLOG_([A-Z0-9_]+)` \| ([^|]*) \|", DEPLOYMENT.read_text("utf-8"), re.M
    )
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_with_its_default() -> None:
    documented = _documented_defaults()
    assert sorted(documented) == sorted(spec.name for spec in SETTINGS)
    for spec in SETTINGS:
        written = documented[spec.name]
        if spec.name == "SECRET_KEY":
            assert (spec.default, written) == ("", "random per run")
        elif spec.default == "":
            assert written == "(empty)", spec.name
        else:
            assert written == f"`{spec.default}`", spec.name


def test_the_commands_listen_where_the_default_base_url_points() -> None:
    """`serve` and `demo` take their default address from settings.py, as BASE_URL does."""
    from liveblog.cli import demo, serve

    for command in (serve, demo):
        defaults = {param.name: param.default for param in command.params}
        assert (defaults["host"], defaults["port"]) == (SERVE_HOST, SERVE_PORT), command.name
    assert Settings().base_url == f"http://{SERVE_HOST}:{SERVE_PORT}"
