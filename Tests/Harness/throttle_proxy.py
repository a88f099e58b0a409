#!/usr/bin/env python3
"""A slow TCP relay on loopback, for tests that stop Rapport in the middle of a transfer.

Bytes are relayed in both directions at RATE bytes per second each way. When either side
closes (for example because the client process was killed), the other connection is closed at
once, so a half-sent SMTP DATA or a half-read IMAP FETCH is abandoned, never completed.
SIGUSR1 drops every open connection at once, discarding what is buffered: what a machine
crash does to a transfer. (A killed process alone does not: the kernel still sends what the
process had already written, so a test that kills Rapport sends SIGUSR1 right after.)
The running count of relayed bytes is written to STATUS as "up down" (client->server,
server->client) so the test can wait until a transfer is under way.

  python3 throttle_proxy.py --listen 20001 --upstream 20002 --rate 20000 --status /tmp/proxy.status
"""
import argparse, asyncio, os, signal

counts = {"up": 0, "down": 0}
open_writers = set()


def drop_all():
    for writer in list(open_writers):
        writer.transport.abort()
    open_writers.clear()


def write_status(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (counts["up"], counts["down"]))
    os.replace(tmp, path)


async def pump(reader, writer, direction, rate, status):
    chunk = max(1, rate // 20)
    try:
        while True:
            data = await reader.read(chunk)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            counts[direction] += len(data)
            write_status(status)
            await asyncio.sleep(len(data) / rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer, args):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", args.upstream)
    except OSError:
        client_writer.close()
        return
    open_writers.update([client_writer, server_writer])
    up = asyncio.ensure_future(pump(client_reader, server_writer, "up", args.rate, args.status))
    down = asyncio.ensure_future(pump(server_reader, client_writer, "down", args.rate, args.status))
    done, pending = await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    server_writer.close()
    client_writer.close()
    open_writers.discard(client_writer)
    open_writers.discard(server_writer)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--status", required=True)
    args = ap.parse_args()
    write_status(args.status)
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", args.listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, drop_all)
    print("proxy 127.0.0.1:%d -> %d at %d B/s" % (args.listen, args.upstream, args.rate), flush=True)
    await stop.wait()
    server.close()


asyncio.run(main())
