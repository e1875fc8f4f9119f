"""The command line: ``liveblog serve`` (the default), init, user, token, import, export,
archive, demo.

Every command that touches the database gets it from ``_site()``, which migrates it first,
so each one works on a brand-new database. ``demo`` makes its own fresh database, and
``db revision`` writes a migration file without opening the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from liveblog.errors import LiveblogError
from liveblog.settings import SERVE_HOST, SERVE_PORT, Settings
from liveblog.site import Site
from liveblog.states import SiteRole


class _DefaultGroup(click.Group):
    """A group whose default command is ``serve``, so a bare ``liveblog`` starts the server."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in ("--help", "-h", "--version")):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


def _site(settings: Settings | None = None) -> Site:
    """The configured site, with its database migrated (created, on a fresh one)."""
    site = Site.from_settings(settings or Settings.from_env())
    site.db.migrate()
    return site


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="liveblog")
def cli() -> None:
    """liveblog: live blogs for newsrooms. With no command, `serve` runs."""


@cli.command()
@click.option("--host", default=SERVE_HOST, show_default=True)
@click.option("--port", default=SERVE_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the reader pages and the API (migrates the database first)."""
    from liveblog.server import check_workers, run

    settings = Settings.from_env()
    check_workers(settings, workers)
    _site(settings).db.dispose()
    run(settings, host=host, port=port, workers=workers)


@cli.command()
@click.option(
    "--to",
    "publish_url",
    required=True,
    help="nchan's publisher location; each event goes to URL/<slug>.",
)
@click.option(
    "--poll",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 60),
    help="Seconds between looks at the log when no wake-up comes.",
)
def relay(publish_url: str, poll: float) -> None:
    """Feed an edge fan-out engine (nginx + nchan) from the event log (docs/scaling.md)."""
    import asyncio
    import signal

    from liveblog.realtime.relay import Relay

    if not publish_url.startswith(("http://", "https://")):
        raise LiveblogError(f"--to must be an http:// or https:// URL, not {publish_url!r}")
    relayer = Relay(_site(), publish_url, poll_seconds=poll)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"relaying events to {relayer.publish_url}/<slug>")
        await relayer.run(stop)

    asyncio.run(main())
    click.echo(f"relay stopped after {relayer.published} events")


@cli.command()
def worker() -> None:
    """Deliver webhooks and notifications from the event log (docs/worker.md), for
    servers started with LIVEBLOG_WORKER=off; any number may run."""
    import asyncio
    import signal

    from liveblog.worker import Worker

    site = _site()
    runner = Worker(site)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await site.bus.start()
        runner.start()
        click.echo(f"worker: following the event log ({len(runner.jobs)} jobs)")
        try:
            await stop.wait()
        finally:
            await runner.stop()
            await site.bus.stop()

    asyncio.run(main())
    click.echo(f"worker stopped after dispatching {runner.dispatched} events")


@cli.command()
def init() -> None:
    """Create or upgrade the database schema."""
    site = _site()
    click.echo(f"database ready: {site.db.url.render_as_string(hide_password=True)}")


@cli.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([role.value for role in SiteRole]), required=True)
@click.option("--name", default="", help="Display name (default: from the email).")
def user_create(email: str, role: str, name: str) -> None:
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    from liveblog.actions.users import create_user

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    create_user(_site(), email, password, role, name)
    click.echo(f"created {role} {email.strip().lower()}")


@cli.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--user", "email", required=True, help="The user's email.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token_create(email: str, name: str) -> None:
    """Print a new API token for a user (shown once; only its hash is kept)."""
    from liveblog.actions.users import create_token

    click.echo(create_token(_site(), email, name))


@token.command("revoke")
@click.argument("value")
def token_revoke(value: str) -> None:
    """Revoke an API token."""
    from liveblog.actions.users import revoke_token

    revoke_token(_site(), value)
    click.echo("revoked")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LiveblogError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError:
        raise LiveblogError(f"{path}: not UTF-8 text") from None


@cli.command("prune-events")
@click.option(
    "--keep",
    default=1000,
    show_default=True,
    type=click.IntRange(1, None),
    help="Events to keep per blog; readers further behind reload the page.",
)
def prune_events_command(keep: int) -> None:
    """Trim the event log of every blog to its latest events."""
    from liveblog.actions.events import prune_events

    click.echo(f"removed {prune_events(_site(), keep)} events")


@cli.group()
def media() -> None:
    """Manage media files (uploaded photos)."""


@media.command("prune")
@click.option(
    "--older-than",
    "hours",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, None),
    help="Leave alone what was stored less than this many hours ago.",
)
def media_prune(hours: float) -> None:
    """Remove media rows and files that no post shows (a deleted post keeps its photos)."""
    from datetime import timedelta

    from liveblog.actions.media import prune_media

    pruned = prune_media(_site(), timedelta(hours=hours))
    click.echo(f"removed {pruned.rows} media rows and {pruned.files} files")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", default=None, help="Use this slug instead of the file's.")
def import_(file: Path, slug: str | None) -> None:
    """Load a blog from a liveblog-exchange/1 JSON file (or what `import-text --json`
    wrote); prints its reader URL."""
    from liveblog.textimport.result import IMPORT_FORMAT

    data = _read_json(file)
    if isinstance(data, dict) and data.get("format") == IMPORT_FORMAT and "blog" in data:
        data = data["blog"]  # what `import-text --json` wrote: the blog and its report
    _import(file, data, slug, "file")


def _import(file: Path, data: object, slug: str | None, source: str, say: Any = click.echo) -> None:
    """Imports exchange data into the configured site and prints the reader URL."""
    from liveblog.actions.exchange import import_blog

    site = _site()
    try:
        blog = import_blog(site, data, slug=slug, source=source)
    except LiveblogError as exc:
        raise LiveblogError(f"{file}: {exc.message}") from None
    say(blog["url"])


@cli.command("import-text")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print what was found; import nothing.")
@click.option(
    "--json",
    "json_out",
    default=None,
    metavar="OUT|-",
    help="Also write the whole result (the blog in the exchange format and the report, "
    "line by line) as JSON to this file, or to standard output with '-'.",
)
@click.option(
    "--report-only", is_flag=True, help="Print only the report; import nothing, write nothing."
)
@click.option("--slug", default=None, help="The new blog's slug (default: from its title).")
def import_text(
    file: Path, dry_run: bool, json_out: str | None, report_only: bool, slug: str | None
) -> None:
    """Rebuild a live blog from its flattened text (a page saved with select all, copy)."""
    from liveblog.actions.exchange import parse_exchange
    from liveblog.textimport import parse_text

    if report_only and (json_out is not None or slug is not None or dry_run):
        raise LiveblogError("--report-only prints the report alone: drop --json, --slug, --dry-run")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LiveblogError(f"{file}: not UTF-8 text") from None
    result = parse_text(text)
    if report_only:
        click.echo(result.report(), nl=False)
        return
    parse_exchange(result.blog)  # what we would import must be valid before anything happens
    to_stdout = json_out == "-"
    # With --json -, standard output carries the JSON alone; the rest goes to stderr.
    say = (lambda line: click.echo(line, err=True)) if to_stdout else click.echo
    if not to_stdout:
        click.echo(result.report())
    if json_out is not None:
        document = json.dumps(result.document(), ensure_ascii=False, indent=2) + "\n"
        if to_stdout:
            click.echo(document, nl=False)
        else:
            try:
                Path(json_out).write_text(document, "utf-8")
            except OSError as exc:
                raise LiveblogError(f"{json_out}: {exc.strerror or exc}") from None
            say(f"wrote {json_out}")
    if dry_run:
        say("dry run: nothing imported")
        return
    _import(file, result.blog, slug, "text", say)


@cli.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def export(slug: str, output: Path | None) -> None:
    """Write a blog in the exchange format, every field included."""
    from liveblog.exchange import export_blog

    text = json.dumps(export_blog(_site(), slug), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command()
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def archive(slug: str, directory: Path) -> None:
    """Write a static copy of a blog into DIRECTORY (new or empty): its pages, permalinks,
    photos, feeds, CSS and scripts, with relative links, for any static host."""
    from liveblog.archive import write_archive

    click.echo(write_archive(_site(), slug, directory).summary())


@cli.group()
def audit() -> None:
    """Read and prune the audit log (who did what, when, from where)."""


@audit.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--since", default=None, help="Only entries at or after this ISO time (UTC if no zone)."
)
def audit_export(fmt: str, since: str | None) -> None:
    """Write the audit log, newest first, to standard output (at most 100,000 entries)."""
    from datetime import UTC, datetime

    from liveblog.actions import SYSTEM
    from liveblog.actions import audit as audit_log

    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since.strip())
        except ValueError:
            raise LiveblogError(
                "--since must be an ISO time such as 2026-11-30 or 2026-11-30T18:00Z, "
                f"not {since!r}"
            ) from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    rows = audit_log.entries(_site(), SYSTEM, audit_log.Filters(since=start))
    chunks = audit_log.csv_lines(rows) if fmt == "csv" else audit_log.json_chunks(rows)
    for chunk in chunks:
        click.echo(chunk, nl=False)


@audit.command("prune")
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.IntRange(1, 100_000),
    help="Delete entries older than this many days.",
)
def audit_prune(days: int) -> None:
    """Delete audit-log entries older than DAYS days (by default they are kept forever)."""
    from liveblog.actions import SYSTEM
    from liveblog.actions import audit as audit_log

    count = audit_log.prune(_site(), SYSTEM, days)
    click.echo(f"deleted {count} audit-log entries older than {days} days")


@cli.group()
def webhooks() -> None:
    """Webhook deliveries (docs/webhooks.md)."""


@webhooks.command("prune")
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.IntRange(1, 100_000),
    help="Delete deliveries delivered more than this many days ago.",
)
def webhooks_prune(days: int) -> None:
    """Delete the delivered webhook deliveries older than DAYS days from the delivery log
    (failed and pending ones stay: they may still be sent)."""
    from datetime import timedelta

    from liveblog.actions.deliveries import prune

    count = prune(_site(), timedelta(days=days))
    click.echo(f"deleted {count} webhook deliveries delivered more than {days} days ago")


@cli.command()
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Replay this exchange file instead of the demo blog.",
)
@click.option(
    "--interval",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between live posts.",
)
@click.option("--host", default=SERVE_HOST, show_default=True)
@click.option("--port", default=SERVE_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--database",
    default="var/demo.db",
    show_default=True,
    type=click.Path(path_type=Path),
    help="SQLite file, made afresh.",
)
def demo(source: Path | None, interval: float, host: str, port: int, database: Path) -> None:
    """Serve a demo blog on a fresh SQLite file and publish its later posts live."""
    from liveblog.demo.run import run_demo

    data = _read_json(source) if source else None
    run_demo(data, interval=interval, host=host, port=port, database=database)


@cli.group()
def db() -> None:
    """Database migrations (the schema is migrated by every command that uses it)."""


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does, in a line.")
def db_revision(message: str) -> None:
    """Write a new, empty migration after the latest one, for you to fill in (from a
    checkout: it goes into src/liveblog/storage/migrations/versions/)."""
    from liveblog.storage.migrate import new_revision

    click.echo(f"wrote {new_revision(message)}")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("liveblog: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "liveblog"
        message = " ".join(exc.format_message().split())
        click.echo(f"{where}: error: {message} (see --help)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"liveblog: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except LiveblogError as exc:
        click.echo(f"liveblog: error: {exc.message}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = (str(cause).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"liveblog: database error: {reason}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"liveblog: error: {exc}", err=True)
        sys.exit(1)
