"""A webhook receiver that answers 204 at once: ``python -m benchmarks.sink PORT``.

It runs in its own process so that it does not compete with the benchmark for the GIL, and it
does nothing but read each request and answer (keeping the connection open, as a web server
does), so the worker is what gets measured.
"""

from __future__ import annotations

import asyncio
import sys

_ANSWER = b"HTTP/1.1 204 No Content\r\n\r\n"


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            writer.write(_ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(port: int) -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
