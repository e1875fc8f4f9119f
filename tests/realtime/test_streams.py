"""A stream taken over from the HTTP server, opened after its reader has gone."""

from __future__ import annotations

import asyncio
import socket

import uvloop

from liveblog.actions import SYSTEM
from liveblog.actions.blogs import create_blog
from liveblog.realtime.hub import Hub
from liveblog.realtime.streams import BufferStream, TransportStream
from liveblog.schema import BlogFields
from liveblog.site import Site


async def _open_after_the_reader_left() -> bytes:
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    stream = TransportStream(transport, send_buffer=64 * 1024)  # type: ignore[arg-type]
    theirs.close()
    transport.abort()  # the reader went away between arriving and the stream opening
    await asyncio.sleep(0)
    stream.open(b"retry: 1000\n\n")  # must neither raise nor reach the closed socket
    return b"opened"


def test_opening_a_stream_whose_reader_has_gone_is_harmless() -> None:
    assert uvloop.run(_open_after_the_reader_left()) == b"opened"


def test_opening_a_stream_sends_its_head_and_first_bytes_in_one_write() -> None:
    async def run() -> bytes:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
        TransportStream(transport, send_buffer=64 * 1024).open(b"retry: 1000\n\n")  # type: ignore[arg-type]
        theirs.setblocking(False)
        received = b""
        while not received.endswith(b"retry: 1000\n\n"):
            await asyncio.sleep(0.01)
            try:
                received += theirs.recv(65536)
            except BlockingIOError:
                continue
        transport.close()
        theirs.close()
        return received

    received = uvloop.run(run())
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")


def test_a_reader_gone_before_it_joined_is_not_kept(site: Site) -> None:
    """Its connection's leave() ran before the hub added it: the hub must not add it."""
    create_blog(site, SYSTEM, BlogFields(title="Gone readers"))

    async def run() -> tuple[bool, int, int]:
        hub = Hub(site.db, site.settings)
        present, gone = BufferStream(), BufferStream()
        gone.close()
        found = await hub.follow("gone-readers", None, gone)
        await hub.follow("gone-readers", None, present)
        count = hub.reader_count()
        await hub.stop()
        return found, count, int(present.opened)

    found, count, opened = uvloop.run(run())
    assert found and opened == 1
    assert count == 1  # the reader still there, and only it
