"""How long `kabar probe` takes for many targets that each answer after 200 ms, next to a
bare aiohttp loop fetching the same targets at the same concurrency.

    python3 bench/probe.py                  # 500 targets (target: <= 1.0 s, <= 1.2x bare)
    python3 bench/probe.py --targets 5000   # target: within 15 s, bounded memory

The targets are one asyncio server in a child process (so it does not share the probe's
CPU), with one path per target. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from generator.load.config import Component, Config, Probe, Site  # noqa: E402
from generator.probe import run_probes  # noqa: E402

DELAY = 0.2


def serve(pipe: Connection) -> None:
    """Answer every request after DELAY seconds; send the port through ``pipe``."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(DELAY)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
        pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


async def bare(urls: list[str], concurrency: int) -> int:
    """The least a client can do: one session, a semaphore, GET and read each URL."""
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one(url: str) -> bool:
            async with gate, session.get(url) as response:
                await response.read()
                return response.status == 200
        return sum(await asyncio.gather(*(one(url) for url in urls)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child,), daemon=True)
    server.start()
    port = parent.recv()
    probe = Probe  # one Probe per target: every target has its own URL
    components = tuple(
        Component(f"t{n}", f"Target {n}", probe=probe(
            "http", f"http://127.0.0.1:{port}/t{n}", timeout=timedelta(seconds=10)))
        for n in range(args.targets))
    config = Config(Site("Bench", "https://status.test/"), components)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start = time.perf_counter()
    run = run_probes(config, concurrency=args.concurrency)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    urls = [f"http://127.0.0.1:{port}/t{n}" for n in range(args.targets)]
    start = time.perf_counter()
    bare_ok = asyncio.run(bare(urls, args.concurrency))
    bare_wall = time.perf_counter() - start
    server.terminate()

    states: dict[str, int] = {}
    for result in run.results:
        states[str(result.state)] = states.get(str(result.state), 0) + 1
    latencies = sorted(r.latency_ms or 0 for r in run.results if r.state == "up")
    waves = -(-args.targets // args.concurrency)
    print(f"targets:        {args.targets} (each answers after {DELAY:.1f} s), "
          f"concurrency {args.concurrency}")
    counts = ", ".join(f"{n} {state}" for state, n in states.items())
    print(f"kabar probe:    {wall:.2f} s  ({counts})")
    print(f"bare aiohttp:   {bare_wall:.2f} s  ({bare_ok} answered 200)")
    print(f"ratio:          {wall / bare_wall:.2f}x the bare loop")
    print(f"floor:          {DELAY:.1f} s for one wave, {waves * DELAY:.1f} s for "
          f"{waves} wave(s) of {args.concurrency}")
    print(f"one at a time:  {args.targets * DELAY:.0f} s")
    if latencies:
        print(f"latency:        median {latencies[len(latencies) // 2]:.0f} ms, "
              f"max {latencies[-1]:.0f} ms (each from its own request's start)")
    print(f"peak memory:    {peak:.0f} MB during kabar probe (before the run: {before:.0f} MB)")


if __name__ == "__main__":
    main()
