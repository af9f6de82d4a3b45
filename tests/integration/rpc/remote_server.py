"""An RPC server in its own process, for the cross-process tests.

    python -m tests.integration.rpc.remote_server URL TOPIC HOST

Prints ``ready`` once listening and serves until its stdin closes.
"""
from __future__ import annotations

import logging
import sys

from nubes.common import rpc
from tests.integration.rpc.conftest import OPTIONS
from tests.integration.rpc.endpoints import Widgets


def main() -> int:
    url, topic, host = sys.argv[1:4]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    transport = rpc.get_transport(url, OPTIONS)
    server = rpc.RPCServer(transport, topic, host, [Widgets(host)]).start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin
    finally:
        server.stop()
        transport.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
