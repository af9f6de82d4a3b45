"""nubes-compute: compute agents, one per host, on their cell's bus.

``--host H`` runs one host (default ``[DEFAULT] host``); ``--hosts N
--host-prefix P`` runs N fake hosts P1..PN in this process, each its own
RPC server (topic ``compute``, server = host), service record and
resource providers.  They reach the cell database through the cell
conductor (``[DEFAULT] transport_url``) and placement through
``[placement_client]``.  Stops on SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from nubes.cmd import service_main
from nubes.common import config, log, rpc
from nubes.compute.agent import AgentStopped, ComputeAgent
from nubes.compute.virt import load_driver
from nubes.placement.client import PlacementClient

START_WORKERS = 8  # hosts started at once


def host_names(args: argparse.Namespace, default: str) -> list[str]:
    if args.hosts is not None:
        return [f"{args.host_prefix}{i}" for i in range(1, args.hosts + 1)]
    return [args.host or default]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-compute",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--host", help="the one host to run (default: [DEFAULT] host)")
    which.add_argument("--hosts", type=int, metavar="N",
                       help="run N hosts named PREFIX1..PREFIXN")
    parser.add_argument("--host-prefix", default="compute-", metavar="PREFIX",
                        help="name prefix for --hosts (default: compute-)")
    args = parser.parse_args(argv)
    if args.hosts is not None and args.hosts < 1:
        parser.error("--hosts must be at least 1")
    conf = config.load(config_files=args.config_file, prog="nubes-compute")
    log.setup(conf)
    if service_main.missing("nubes-compute", conf, "transport_url", "placement_client"):
        return 1

    transport = rpc.from_conf(conf)
    placement = PlacementClient.from_conf(conf)
    agents = [ComputeAgent(conf, host, transport=transport, placement=placement,
                           driver=load_driver(conf, host, transport=transport))
              for host in host_names(args, conf.host)]
    # Hosts still waiting for a conductor give up on a signal.
    stop = service_main.stop_on_signals(
        lambda: [agent.stop_requested.set() for agent in agents], prog="nubes-compute",
        grace=conf.graceful_shutdown_timeout)
    started: list[ComputeAgent] = []
    code = 0
    try:
        with ThreadPoolExecutor(START_WORKERS) as pool:
            futures = {pool.submit(agent.start): agent for agent in agents}
        for future, agent in futures.items():
            try:
                future.result()
                started.append(agent)
            except AgentStopped:
                pass  # a signal came while it was starting: not a failure
            except Exception as exc:  # noqa: BLE001 - report every host that failed
                print(f"nubes-compute: host {agent.host} failed to start: {exc}",
                      file=sys.stderr)
                code = 1
        if started:
            print(f"nubes-compute: {len(started)} host(s) running on {transport!r}",
                  file=sys.stderr, flush=True)
            service_main.wait(stop)
    finally:
        # All at once: each may wait a little for work under way.
        with ThreadPoolExecutor(START_WORKERS) as pool:
            list(pool.map(lambda agent: agent.stop(), agents))
        stop.finished()
        placement.close()
        transport.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
