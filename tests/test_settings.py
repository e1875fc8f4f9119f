"""Settings come from LIVEBLOG_* variables and .env, and every one of them is documented."""

from __future__ import annotations

from pathlib import Path

from liveblog.settings import SETTINGS, Settings
from tests.conftest import ROOT


def test_environment_and_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nLIVEBLOG_SITE_NAME='Harbour News'\nLIVEBLOG_BASE_URL=http://a/\n")
    settings = Settings.from_env({"LIVEBLOG_BASE_URL": "https://news.example/"}, dotenv)
    assert settings.site_name == "Harbour News"
    assert settings.base_url == "https://news.example"  # the environment wins over .env
    assert settings.database_url.startswith("sqlite:///")


def test_secret_key_stays_out_of_reprs() -> None:
    settings = Settings.from_env({"LIVEBLOG_SECRET_KEY": "hunter2-hunter2"}, None)
    assert "hunter2" not in repr(settings)
    assert settings.secret_key.reveal() == "hunter2-hunter2"


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert f"LIVEBLOG_{spec.name}" in docs, spec.name
