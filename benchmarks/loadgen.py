"""A small HTTP/1.1 load generator: keep-alive connections on loopback, latencies per request.

It runs in its own process (``python -m benchmarks.loadgen URL ...``) so that it does not share
the server's CPU time slice by slice; it prints one JSON line with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit


def _request(method: str, target: str, host: str, headers: list[str], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *headers]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(
    url: str, request: bytes, deadline: float, latencies: list[float], statuses: dict[int, int]
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def run(
    url: str,
    method: str,
    headers: list[str],
    body: bytes,
    connections: int,
    seconds: float,
) -> dict[str, object]:
    """Load ``url`` for ``seconds`` with ``connections`` keep-alive connections."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = _request(method, target, parts.netloc, headers, body)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(_worker(url, request, deadline, latencies, statuses) for _ in range(connections))
    )
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else 0.0,
        "statuses": statuses,
    }


def main() -> None:
    """Command line: URL, then -X METHOD, -H header (repeat), -d body, -c conns, -t seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("-X", "--method", default="GET")
    parser.add_argument("-H", "--header", action="append", default=[])
    parser.add_argument("-d", "--data", default="")
    parser.add_argument("-c", "--connections", type=int, default=16)
    parser.add_argument("-t", "--seconds", type=float, default=5.0)
    args = parser.parse_args()
    import uvloop

    result = uvloop.run(
        run(args.url, args.method, args.header, args.data.encode(), args.connections, args.seconds)
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
