"""The hub's broadcast in slices: every stream gets the event once, other work (the editor's
POST) runs between slices, and streams that join or leave meanwhile are handled right."""

from __future__ import annotations

import asyncio

from liveblog.realtime.hub import Hub
from liveblog.realtime.streams import BufferStream
from liveblog.site import Site


def test_a_large_broadcast_lets_other_work_run_between_slices(site: Site) -> None:
    async def scenario() -> None:
        hub = Hub(site.db, site.settings.with_changes(broadcast_slice=50))
        channel = hub.new_channel(blog_id=1, last_seq=0)
        streams = [BufferStream() for _ in range(50 * 3 + 17)]
        channel.streams.update(streams)
        joining = BufferStream()
        ran_during: list[int] = []
        left: list[BufferStream] = []

        def meanwhile() -> None:
            # Runs between two slices: some streams have the event, some not yet.
            ran_during.append(sum(1 for s in streams if s.buffered()))
            left.append(next(s for s in streams if not s.buffered()))
            channel.streams.discard(left[0])
            channel.streams.add(joining)

        asyncio.get_running_loop().call_soon(meanwhile)
        await hub._broadcast(channel, b"data: x\n\n")
        assert ran_during and 0 < ran_during[0] < len(streams)
        assert all(s.buffered() == len(b"data: x\n\n") for s in streams if s is not left[0])
        assert left[0].buffered() == 0, "a stream that left is not written to"
        assert joining.buffered() == 0, "one that joined had the event from the recent list"

    asyncio.run(scenario())


def test_a_small_broadcast_is_one_pass(site: Site) -> None:
    async def scenario() -> None:
        hub = Hub(site.db, site.settings)
        channel = hub.new_channel(blog_id=1, last_seq=0)
        streams = [BufferStream() for _ in range(10)]
        channel.streams.update(streams)
        order: list[str] = []
        asyncio.get_running_loop().call_soon(order.append, "other work")
        await hub._broadcast(channel, b"data: y\n\n")
        order.append("broadcast done")
        assert order == ["broadcast done"], "no turn of the loop for a handful of streams"
        assert all(s.buffered() for s in streams)

    asyncio.run(scenario())
