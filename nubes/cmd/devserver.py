"""What the development API servers (nubes-api, nubes-placement-api,
nubes-image-api) share: their options, config loading, and waitress."""
from __future__ import annotations

import argparse
import sys

import waitress

from nubes.common import config, log


def parser(prog: str, doc: str, port: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    p.add_argument("--config-file", action="append", default=None,
                   help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=port)
    p.add_argument("--threads", type=int, default=8)
    return p


def load_conf(args: argparse.Namespace, prog: str):
    conf = config.load(config_files=args.config_file, prog=prog)
    log.setup(conf)
    return conf


def serve(application, args: argparse.Namespace, *, name: str, path: str = "") -> int:
    print(f"{name} listening on http://{args.host}:{args.port}{path}", file=sys.stderr,
          flush=True)
    waitress.serve(application, host=args.host, port=args.port, threads=args.threads,
                   ident=f"nubes-{name.split()[0]}")
    return 0
