"""A fast HTTP receiver for the benchmarks: it answers every request at once and counts them
by the first segment of their path (``/hook/7`` counts as ``hook``).

Run as a process of its own (``python bench/_sink.py PORT STATUS``), so that the requests
the server sends do not compete with the benchmark for its interpreter. ``GET /counts``
answers the counts so far, as JSON. Standard library only.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter


class Sink:
    def __init__(self, status: int) -> None:
        self.counts: Counter[str] = Counter()
        self.answer = f"HTTP/1.1 {status} Done\r\ncontent-length: 0\r\n\r\n".encode()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                if method == "GET" and path == "/counts":
                    body = json.dumps(self.counts).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        + f"content-length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                else:
                    self.counts[path.strip("/").split("/", 1)[0]] += 1
                    writer.write(self.answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def main(port: int, status: int) -> None:
    sink = Sink(status)
    server = await asyncio.start_server(sink.serve, "127.0.0.1", port, backlog=1024)
    print(f"sink listening on {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 204))
