"""nubes up: the embedded cloud in one process, on SQLite files.

Until the cells issues land it serves placement alone.  It writes
``STATE/nubes.conf`` (usable with ``nubes-manage --config-file``) and
``STATE/clouds.yaml`` for the OpenStack clients, creates or upgrades the
schema, and serves until Ctrl-C.  A second start on the same state
directory keeps its data.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import threading

import waitress.server

from nubes.common import config, log
from nubes.placement import app as placement_app
from nubes.placement import schema_sync


def _write_config(state_dir: str) -> str:
    path = os.path.join(state_dir, "nubes.conf")
    if not os.path.exists(path):
        db_path = os.path.join(state_dir, "placement.sqlite")
        with open(path, "w") as f:
            f.write(textwrap.dedent(f"""\
                [DEFAULT]
                state_path = {state_dir}

                [api]
                auth_strategy = noauth2

                [placement_database]
                connection = sqlite:///{db_path}
                """))
    return path


def _write_clouds(state_dir: str, placement_url: str) -> str:
    path = os.path.join(state_dir, "clouds.yaml")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            # Written by `nubes up`.  Use with: export OS_CLIENT_CONFIG_FILE={path}
            clouds:
              nubes-placement:
                auth_type: admin_token
                auth:
                  endpoint: {placement_url}
                  token: admin
            """))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes", description="nubes embedded cloud")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the embedded cloud")
    up.add_argument("--state-dir", default=".nubes-state")
    up.add_argument("--placement-port", type=int, default=8778)
    up.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    conf_path = _write_config(state_dir)
    conf = config.load(config_files=[conf_path], prog="nubes")
    log.setup(conf)
    db = placement_app.database_from_conf(conf)
    print(f"nubes: placement database {conf.placement_database.connection}", flush=True)
    schema_sync.upgrade(db)
    application = placement_app.build(conf, db)
    server = waitress.server.create_server(application, host=args.host,
                                           port=args.placement_port, threads=8,
                                           ident="nubes-placement")
    url = f"http://{args.host}:{server.effective_port}"
    clouds = _write_clouds(state_dir, url)
    print(f"nubes: placement listening on {url}", flush=True)
    print(f"nubes: config {conf_path}", flush=True)
    print(f"nubes: clients: export OS_CLIENT_CONFIG_FILE={clouds}; "
          f"openstack --os-cloud nubes-placement resource provider list", flush=True)
    print("nubes: press Ctrl-C to stop", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    print("nubes: stopping", flush=True)
    server.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
