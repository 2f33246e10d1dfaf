#!/usr/bin/python3
# bench/tornado_client.py: Python Tornado's AsyncHTTPClient as a load generator, the figure
# bench/httpclient_load is compared with (Debian's python3-tornado).
#
#   /usr/bin/python3 bench/tornado_client.py URL REQUESTS CONCURRENCY
#
# The same shape as httpclient_load: CONCURRENCY coroutines fetch URL in a loop until
# REQUESTS are done, on one SimpleAsyncHTTPClient with max_clients = CONCURRENCY. Tornado's
# simple client sends Connection: close, so every request opens a connection.
import resource
import sys
import time

from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop


def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def main(url, requests, concurrency):
    client = AsyncHTTPClient(force_instance=True, max_clients=concurrency)
    left = [requests]

    async def worker():
        while left[0] > 0:
            left[0] -= 1
            r = await client.fetch(url)
            assert r.code == 200

    c0, t0 = cpu(), time.monotonic()
    await __import__("asyncio").gather(*(worker() for _ in range(concurrency)))
    elapsed, used = time.monotonic() - t0, cpu() - c0
    print("tornado.py c%-4d %-10s %8d requests %7.3f s %10.1f req/s %7.1f us/request"
          % (concurrency, "close", requests, elapsed, requests / elapsed, used * 1e6 / requests))


if __name__ == "__main__":
    IOLoop.current().run_sync(lambda: main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
