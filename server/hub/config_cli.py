"""``signage config pull | publish | history | rollback``: the hall editor from the command line.

The command-line twin of the editor page (docs/editor.md): the same hub commands
(``config_get``, ``config_publish``, ``config_history``, ``config_rollback``) over one manager
connection. Exit status 0 (done), 1 (refused: errors, warnings without ``--yes``, a conflict;
nothing was written) or 2 (cannot reach the hub, or not allowed).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

from signage.config.loader import MAX_FILE_BYTES
from signage.protocol import MAX_DRAFT_PART, MAX_FRAME_BYTES, PROTOCOL_VERSION

from server.hub.cli import CliError, _only_hall


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--hub", default=os.environ.get("SIGNAGE_HUB", "ws://127.0.0.1:8765"),
                        help="hub address (default: $SIGNAGE_HUB or ws://127.0.0.1:8765)")
    common.add_argument("--token", default=os.environ.get("SIGNAGE_TOKEN"),
                        help="a manager's token (default: $SIGNAGE_TOKEN)")
    common.add_argument("--hall", default=os.environ.get("SIGNAGE_HALL"),
                        help="hall id (default: $SIGNAGE_HALL, or the hub's only hall)")
    common.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for the hub (a check measures every screen)")

    c = sub.add_parser("config", help="the hall file on the hub: pull, publish, history, rollback (docs/editor.md)",
                       description="Read and change the hall file a hub serves, as the editor page does: "
                                   "every publish is checked, kept as a version and followed by the screens.")
    actions = c.add_subparsers(dest="action", metavar="ACTION", required=True)
    pull = actions.add_parser("pull", parents=[common], help="print the hall file as it is now",
                              description="Print the hall file as the hub has it now; its version and hash "
                                          "go to standard error.")
    pull.add_argument("-o", "--output", type=Path, help="write it to this file instead")
    pull.set_defaults(run=run_pull)
    pub = actions.add_parser("publish", parents=[common], help="check a file on the hub and make it the hall file",
                             description="Check FILE as `signage validate` would, on the hub, and publish it: "
                                         "errors refuse it (exit 1, nothing written), warnings need --yes.")
    pub.add_argument("file", type=Path, metavar="FILE", help="the hall file to publish")
    pub.add_argument("--note", default="", help="one line: what changed and why (kept with the version)")
    pub.add_argument("--yes", action="store_true", help="publish although it has warnings")
    pub.add_argument("--base", metavar="HASH",
                     help="the hash `pull` printed: refuse (exit 1, with a diff) if the file changed since "
                          "(default: publish over the file as it is now)")
    pub.set_defaults(run=run_publish)
    his = actions.add_parser("history", parents=[common], help="the versions of the hall file, newest first",
                             description="One version a line, newest first: version, when, who, size, hash, note.")
    his.set_defaults(run=run_history)
    rb = actions.add_parser("rollback", parents=[common], help="make an old version the hall file again",
                            description="Publish VERSION again, byte for byte, as a new version (checked as a "
                                        "publish is).")
    rb.add_argument("version", type=int, metavar="VERSION", help="the version's number (see history)")
    rb.add_argument("--note", default="", help="one line: why")
    rb.add_argument("--yes", action="store_true", help="roll back although that version has warnings")
    rb.set_defaults(run=run_rollback)


class Session:
    """One manager connection: hello, then requests answered by id."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def request(self, command: dict[str, Any]) -> dict[str, Any]:
        rid = f"cli-{os.getpid()}-{next(self.ids)}"
        await self.ws.send(json.dumps({**command, "id": rid}, ensure_ascii=False))
        async for frame in self.ws:
            msg = json.loads(frame)
            if msg.get("type") in ("ok", "error") and msg.get("id") == rid:
                return msg
        raise CliError("the hub closed the connection")

    async def with_text(self, command: dict[str, Any], text: str) -> dict[str, Any]:
        """``command`` with the draft inline, or sent first as parts when it does not fit a frame."""
        inline = {**command, "text": text}
        if len(json.dumps(inline, ensure_ascii=False)) < MAX_FRAME_BYTES - 1024:
            return await self.request(inline)
        size = MAX_DRAFT_PART
        while size > 256:
            parts = [text[i:i + size] for i in range(0, len(text), size)] or [""]
            if all(len(json.dumps(x, ensure_ascii=False)) < MAX_FRAME_BYTES - 1024 for x in parts):
                break
            size //= 2
        key = f"cli-{os.getpid()}"
        for i, part in enumerate(parts):
            answer = await self.request({"type": "config_part", "draft": key, "index": i, "count": len(parts),
                                         "data": part})
            if answer["type"] == "error":
                return answer
        return await self.request({**command, "draft": key})


async def _session(args: argparse.Namespace, work: Any) -> Any:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, WebSocketException

    hall = args.hall or _only_hall(args.hub, min(args.timeout, 10.0))
    hello = {"type": "hello", "v": PROTOCOL_VERSION, "role": "manager", "hall": hall, "token": args.token,
             "client": "signage-config"}
    try:
        async with asyncio.timeout(args.timeout):
            async with connect(args.hub, max_size=16 * 1024 * 1024, compression=None) as ws:
                await ws.send(json.dumps(hello, ensure_ascii=False))
                async for frame in ws:
                    msg = json.loads(frame)
                    if msg.get("type") == "error":
                        raise CliError(f"the hub refused us: {msg.get('code')}: {msg.get('message')}")
                    if msg.get("type") == "welcome":
                        break
                return await work(Session(ws))
    except (OSError, WebSocketException, InvalidHandshake, TimeoutError) as exc:
        raise CliError(f"no answer from the hub at {args.hub}: {exc or type(exc).__name__}") from None


def _run(args: argparse.Namespace, work: Any) -> int:
    if not args.token:
        print("error: give a manager's token with --token (or $SIGNAGE_TOKEN)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_session(args, work))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _refused(answer: dict[str, Any], name: str) -> int:
    """Print a refusal for a person (the pointed problems against ``name``); exit status 1."""
    code, message = answer.get("code"), answer.get("message", "")
    problems = answer.get("problems")
    if problems:
        print(f"refused: {code}: {message.splitlines()[0]}", file=sys.stderr)
        for x in problems:
            if x["severity"] == "info":
                continue
            where = f"{name}:{x['line']}" if x["line"] else name
            tag = "warning: " if x["severity"] == "warning" else ""
            print(f"{where}: {x['path'] + ': ' if x['path'] else ''}{tag}{x['message']}", file=sys.stderr)
        if code == "config_warnings":
            print("publish it anyway with --yes", file=sys.stderr)
    else:
        print(f"refused: {code}: {message}", file=sys.stderr)
    if answer.get("diff"):
        sys.stderr.write(answer["diff"])
    return 1


def run_pull(args: argparse.Namespace) -> int:
    async def work(s: Session) -> int:
        answer = await s.request({"type": "config_get"})
        if answer["type"] == "error":
            return _refused(answer, "")
        r = answer["result"]
        if args.output:
            args.output.write_bytes(r["text"].encode("utf-8"))
        else:
            sys.stdout.write(r["text"])
            sys.stdout.flush()
        version = r["version"] if r["version"] is not None else "(edited on disk, not reloaded)"
        print(f"# {r['file']}: version {version}, {r['size']:,} bytes, hash {r['hash']}", file=sys.stderr)
        return 0

    return _run(args, work)


def run_publish(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        print(f"{args.file}:{line}: the file is not UTF-8 text (save it as UTF-8); nothing was sent", file=sys.stderr)
        return 1
    if len(data) > MAX_FILE_BYTES:  # the hub would refuse it too, after the upload
        print(f"refused: too_large: {args.file} is {len(data):,} bytes; a hall file is at most {MAX_FILE_BYTES:,} "
              "(nothing was sent)", file=sys.stderr)
        return 1

    async def work(s: Session) -> int:
        base = args.base
        if base is None:
            now = await s.request({"type": "config_get"})
            if now["type"] == "error":
                return _refused(now, str(args.file))
            base = now["result"]["hash"]
        answer = await s.with_text({"type": "config_publish", "base_hash": base, "note": args.note,
                                    "accept_warnings": args.yes}, text)
        if answer["type"] == "error":
            return _refused(answer, str(args.file))
        r = answer["result"]
        warned = f", {r['warnings']} warnings accepted" if r.get("warnings") else ""
        print(f"published version {r['version']} ({r['size']:,} bytes, hash {r['hash'][:12]}{warned})")
        return 0

    return _run(args, work)


def _when(at: float) -> str:
    return dt.datetime.fromtimestamp(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def run_history(args: argparse.Namespace) -> int:
    async def work(s: Session) -> int:
        answer = await s.request({"type": "config_history"})
        if answer["type"] == "error":
            return _refused(answer, "")
        for v in answer["result"]["versions"]:
            print(f"{v['version']}\t{_when(v['at'])}\t{v['actor']}\t{v['size']} bytes\t{v['hash'][:12]}\t{v['note']}")
        return 0

    return _run(args, work)


def run_rollback(args: argparse.Namespace) -> int:
    async def work(s: Session) -> int:
        now = await s.request({"type": "config_get"})
        if now["type"] == "error":
            return _refused(now, "")
        answer = await s.request({"type": "config_rollback", "version": args.version, "base_hash": now["result"]["hash"],
                                  "note": args.note, "accept_warnings": args.yes})
        if answer["type"] == "error":
            return _refused(answer, f"version {args.version}")
        r = answer["result"]
        print(f"rolled back: version {r['version']} is version {args.version} again ({r['size']:,} bytes, "
              f"hash {r['hash'][:12]})")
        return 0

    return _run(args, work)
