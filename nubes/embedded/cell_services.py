"""The cell-level services of the embedded cloud: per cell, one cell
conductor and the fake compute hosts, all on the cell's in-process bus."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nubes.cells.targeting import CellDatabases
from nubes.common import rpc
from nubes.compute.agent import ComputeAgent
from nubes.conductor.cell.process import CellConductor
from nubes.placement.client import PlacementClient

CONDUCTOR_WAIT = 30.0  # seconds a host waits for its cell conductor


def host_names(cell_name: str, count: int) -> list[str]:
    """``cell1-compute1`` ...: unique across cells, and the node name too."""
    return [f"{cell_name}-compute{i}" for i in range(1, count + 1)]


def start(conf, cells: list, databases: CellDatabases, hosts_per_cell: int, *, say=print) -> list:
    """Start every cell's conductor and hosts; returns the functions that
    stop them (in start order)."""
    closers: list = []
    placement = PlacementClient.from_conf(conf)
    agents: list[ComputeAgent] = []
    for cell in cells:
        transport = rpc.from_conf(conf, cell.transport_url)
        conductor = CellConductor(conf, databases.get(cell.database_connection), transport,
                                  host=f"{cell.name}-conductor").start()
        closers.append(conductor.stop)
        closers.append(transport.close)
        agents += [ComputeAgent(conf, host, transport=transport, placement=placement)
                   for host in host_names(cell.name, hosts_per_cell)]
    if agents:
        say(f"nubes: starting {len(agents)} fake compute hosts ...")
        with ThreadPoolExecutor(min(8, len(agents))) as pool:
            started = list(pool.map(lambda a: a.start(conductor_wait=CONDUCTOR_WAIT), agents))
        # Agents stop before the conductors and buses they talk to.
        closers = [agent.stop for agent in started] + closers
    return closers
