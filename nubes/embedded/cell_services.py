"""The cell-level services of the embedded cloud: per cell, one cell
conductor and the fake compute hosts, all on the cell's in-process bus."""
from __future__ import annotations

import contextlib
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from nubes.cells.targeting import CellDatabases
from nubes.common import rpc
from nubes.compute.agent import ComputeAgent
from nubes.compute.virt import load_driver
from nubes.conductor.cell.process import CellConductor
from nubes.placement.client import PlacementClient

CONDUCTOR_WAIT = 30.0  # seconds a host waits for its cell conductor


def host_names(cell_name: str, count: int) -> list[str]:
    """``cell1-compute1`` ...: unique across cells, and the node name too."""
    return [f"{cell_name}-compute{i}" for i in range(1, count + 1)]


def start(conf, cells: list, databases: CellDatabases, hosts_per_cell: int, closers: list,
          *, say=print, agents: list[ComputeAgent] | None = None) -> None:
    """Start every cell's conductor and hosts.  What stops each thing is
    appended to ``closers`` as soon as it runs, in start order (the caller
    runs them in reverse: hosts before the conductors and buses they talk
    to), so a start cut short by Ctrl-C still stops what it began.  The hosts'
agents are appended to ``agents`` when given (tests reach their drivers)."""
    placement = PlacementClient.from_conf(conf)
    agents = [] if agents is None else agents      # the caller's list, filled as they start
    for cell in cells:
        transport = rpc.from_conf(conf, cell.transport_url)
        closers.append(transport.close)
        conductor = CellConductor(conf, databases.get(cell.database_connection), transport,
                                  host=f"{cell.name}-conductor").start()
        closers.append(conductor.stop)
        agents += [ComputeAgent(conf, host, transport=transport, placement=placement,
                                driver=load_driver(conf, host, transport=transport))
                   for host in host_names(cell.name, hosts_per_cell)]
    if not agents:
        return
    say(f"nubes: starting {len(agents)} {conf.compute_driver} compute hosts ...")
    closers.append(lambda: stop_all(agents))
    # A KeyboardInterrupt that lands while the pool starts its threads
    # leaves a start running that nobody waits for, racing the stop: while
    # the hosts start, Ctrl-C asks them to give up instead, and is raised
    # once every start has returned.
    with _ctrl_c_deferred(lambda: [a.stop_requested.set() for a in agents]) as interrupted:
        with ThreadPoolExecutor(min(8, len(agents))) as pool:
            futures = [pool.submit(a.start, conductor_wait=CONDUCTOR_WAIT) for a in agents]
    if interrupted:
        raise KeyboardInterrupt
    for future in futures:
        future.result()


@contextlib.contextmanager
def _ctrl_c_deferred(on_interrupt):
    """Within the block, SIGINT calls ``on_interrupt`` rather than raising;
    yields a list that holds the signal once one came."""
    interrupted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield interrupted   # only the main thread may set handlers (or gets signals)
        return

    def handler(signum, _frame):
        interrupted.append(signum)
        on_interrupt()
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)

def stop_all(agents: list[ComputeAgent]) -> None:
    """Stop the hosts side by side: each may wait (a bounded time) for a
    periodic run under way, and those waits must not add up."""
    with ThreadPoolExecutor(min(16, len(agents))) as pool:
        list(pool.map(lambda agent: agent.stop(), agents))
