"""HTTP servers of the embedded cloud: one waitress server per API, each on
its own thread, all stopped together."""
from __future__ import annotations

import logging
import threading
import time

import requests
import waitress.server
import waitress.task

LOG = logging.getLogger(__name__)
STOP_WAIT = 5.0  # seconds stop() waits in all for requests under way
# waitress refuses bodies past 1 GiB by default: image data (a volume
# uploaded to an image) is larger.  The apps bound their own bodies (JSON:
# [api] max_request_body_size; image data: [image_store] max_image_size).
MAX_BODY = 1 << 40


class Servers:
    def __init__(self):
        self._servers: list[tuple[str, object, threading.Thread]] = []

    def serve(self, name: str, app, host: str, port: int, *, threads: int = 8) -> str:
        """Start serving ``app``; returns its base URL.  A taken port is an
        error that names the option to change."""
        # Our own dispatcher, its worker threads started once the port is
        # ours (waitress's own starts them first: a taken port leaked them).
        dispatcher = waitress.task.ThreadedTaskDispatcher()
        try:
            server = waitress.server.create_server(app, host=host, port=port, threads=threads,
                                                   ident=f"nubes-{name}",
                                                   max_request_body_size=MAX_BODY,
                                                   _dispatcher=dispatcher)
        except OSError as exc:
            raise RuntimeError(f"cannot listen on {host}:{port} for {name} ({exc.strerror}); "
                               f"pass --{name}-port with a free port") from None
        dispatcher.set_thread_count(threads)
        thread = threading.Thread(target=server.run, name=f"http-{name}", daemon=True)
        thread.start()
        self._servers.append((name, server, thread))
        return f"http://{host}:{server.effective_port}"

    @staticmethod
    def wait_until_answering(urls: list[str], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for url in urls:
            while True:
                try:
                    requests.get(url, timeout=2)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{url} did not answer within {timeout:.0f}s") from None
                    time.sleep(0.05)

    def stop(self, timeout: float = STOP_WAIT) -> None:
        """Close every server's sockets at once, then wait, ``timeout``
        seconds in all, for their loops and the requests under way (a
        request still running after that is left to its daemon thread)."""
        servers, self._servers = list(reversed(self._servers)), []
        for _name, server, _thread in servers:
            def close_all(server=server):
                for channel in list(server._map.values()):
                    channel.close()
            try:
                server.trigger.pull_trigger(close_all)
            except OSError:
                # The loop's wake-up pipe is already gone (the loop ended on
                # an error): close the channels from here instead.
                close_all()
        deadline = time.monotonic() + timeout
        for name, server, thread in servers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            server.task_dispatcher.shutdown(timeout=max(0.1, deadline - time.monotonic()))
            LOG.info("%s stopped", name)
