"""Subcommands of the hub side. Each module here owns its own ``register``."""

from __future__ import annotations

import argparse
import importlib

# serve | call, take, token, cancel | stats | simulate, bench wait | bench hub, engine, fanout | demo | bench soak
MODULES = ["server.web.serve", "server.hub.cli", "server.hub.config_cli", "server.reports.stats", "server.sim.cli", "server.tools.cli",
           "server.tools.demo", "server.tools.soak"]


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # not built yet
            raise
        module.register(sub, bench)
