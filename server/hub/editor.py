"""The hall editor's hub side: versions of each hall file, and the manager commands that read,
check, edit, preview, publish and roll back a hall file (docs/editor.md).

* **Versions.** Every version of a hall file is kept in the event log's database
  (``config_versions``, :meth:`server.queue.store.EventStore.add_version`): its number, when, who
  (the token's actor, or ``file`` for an edit on disk), a one-line note, the sha256 of its bytes
  and the bytes. Version 1 is the file as the hub first loaded it; an edit on disk that the hub
  reloads (the watcher, ``reload``) is a version too; a publish or a rollback is a version and a
  ``config_published`` event, in one commit. Nothing is acknowledged before that commit.
* **Publishing** checks the draft as ``signage validate`` does (errors refuse it, warnings need
  ``accept_warnings``), refuses it with ``config_conflict`` and a diff when the file is no longer
  the one the draft started from (``base_hash``), writes it atomically (a temporary file in the
  same folder, fsync, rename, fsync of the folder), records the version, then reloads the hall
  as the watcher would: screens get the ``config`` push.
* **Drawing** (the legibility measure of a check, a preview) runs in one worker thread of its
  own: pygame is drawn from one thread at a time, and the hub's loop keeps serving meanwhile.

The hub answers these commands (:data:`server.hub.hub.HUB_COMMANDS`); only a manager of the hall
may send them (:data:`signage.protocol.ROLE_POLICY`).
"""

from __future__ import annotations

import asyncio
import base64
import difflib
import hashlib
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from signage import protocol as p
from signage.config.edit import EditError, edit_many
from signage.config.files import read_bounded
from signage.config.loader import MAX_FILE_BYTES, LoadResult, load_hall_text

from server.hub.hall import Client, HallRuntime, dumps, error_frame, ok_frame, write_all
from server.queue.store import StoreError

log = logging.getLogger(__name__)

MAX_DIFF_CHARS = 256 * 1024  # a conflict's diff, at most (cut with a note beyond)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_file(path: Path) -> bytes:
    """The hall file's bytes now (b"" when it cannot be read: its hash then matches no draft)."""
    try:
        return read_bounded(path, 16 * MAX_FILE_BYTES)
    except OSError:
        return b""


def as_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` as the file at ``path``: a temporary file beside it, fsync'd, renamed over it, and
    the folder fsync'd, so that after a power cut the file is the old one or the new one, whole."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dfd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def unified_diff(old: bytes, new: bytes, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(as_text(old).splitlines(keepends=True), as_text(new).splitlines(keepends=True),
                                 old_name, new_name)
    out = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    if len(out) > MAX_DIFF_CHARS:
        out = out[:MAX_DIFF_CHARS] + f"\n… cut at {MAX_DIFF_CHARS:,} characters\n"
    return out


def problem_dict(problem: Any) -> dict[str, Any]:
    return {"line": problem.line, "path": problem.path, "message": problem.message, "severity": problem.severity}


def check_text(text: str, path: Path, hall_id: str, measure: bool = True) -> tuple[LoadResult, list[dict[str, Any]]]:
    """The draft's problems as ``signage validate`` finds them for the file at ``path`` (its
    measured legibility too); never raises. Must run in the drawing thread (pygame)."""
    result = load_hall_text(text, str(path))
    problems = list(result.problems)
    if result.config is not None and result.config.hall.id != hall_id:
        from signage.config.problems import Problem

        line = next((n for n, row in enumerate(text.splitlines(), 1) if row.strip().startswith("id:")), 0)
        problems.append(Problem(str(path), line, "hall.id", f'the hall\'s id is "{hall_id}" on this hub; '
                                f'"{result.config.hall.id}" would be another hall (put the id back)'))
    if measure and result.config is not None and not any(x.severity == "error" for x in problems):
        try:
            from signage.cli_config import measured_problems

            problems = measured_problems(result.config, path, problems, text=text)
        except Exception as exc:  # the measure must never hide the other problems
            log.exception("measuring a draft failed")
            from signage.config.problems import Problem

            problems.append(Problem(str(path), 0, "screens", f"text sizes could not be measured ({exc})", "warning"))
    return LoadResult(result.config, problems, str(path)), [problem_dict(x) for x in problems]


def _summary(problems: list[dict[str, Any]], severity: str, limit: int = 10) -> str:
    chosen = [x for x in problems if x["severity"] == severity]
    lines = [f"line {x['line']}: {x['path'] + ': ' if x['path'] else ''}{x['message']}" if x["line"]
             else f"{x['path'] + ': ' if x['path'] else ''}{x['message']}" for x in chosen[:limit]]
    if len(chosen) > limit:
        lines.append(f"… and {len(chosen) - limit} more")
    return "\n".join(lines)


class Editor:
    """The editor's state in a hub: drafts in parts per connection, one lock per hall for
    publishing, the drawing thread."""

    def __init__(self, hub: Any) -> None:  # the server.hub.hub.Hub it belongs to (which imports this module)
        self.hub = hub
        self.drafts: dict[Client, tuple[str, int, dict[int, str]]] = {}  # client -> (key, count, parts)
        self.locks: dict[str, asyncio.Lock] = {}
        self.drawing = ThreadPoolExecutor(1, thread_name_prefix="editor-drawing")

    def lock(self, hall: HallRuntime) -> asyncio.Lock:
        if hall.id not in self.locks:
            self.locks[hall.id] = asyncio.Lock()
        return self.locks[hall.id]

    def forget(self, client: Client) -> None:
        self.drafts.pop(client, None)

    def close(self) -> None:
        self.drawing.shutdown(wait=False, cancel_futures=True)

    async def draw(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.drawing, fn, *args)

    # ------------------------------------------------------------------ versions
    def first_versions(self) -> None:
        """At start: each hall file as the hub loads it is a version (version 1 the first time;
        afterwards only if it changed while the hub was stopped)."""
        for hall in self.hub.halls.values():
            data = read_file(hall.path)
            latest = self.hub.store.version(hall.id)
            if latest is not None and latest[0]["hash"] == sha256(data):
                continue
            note = "the file as the hub first loaded it" if latest is None else "changed on disk while the hub was stopped"
            hall.durable.add_version(self._row("file", note, data, "file"))

    def _row(self, actor: str, note: str, data: bytes, source: str) -> dict[str, Any]:
        return {"at": self.hub.clock(), "actor": actor, "note": note, "hash": sha256(data), "source": source,
                "text": data}

    async def file_reloaded(self, hall: HallRuntime) -> None:
        """After a reload that took the file (the watcher, ``reload``): an edit on disk is a version."""
        async with self.lock(hall):
            data = await asyncio.to_thread(read_file, hall.path)
            latest = await asyncio.to_thread(self.hub.store.version, hall.id)
            if latest is not None and latest[0]["hash"] == sha256(data):
                return
            try:
                await asyncio.to_thread(hall.durable.add_version, self._row("file", "edited on disk", data, "file"))
            except StoreError as exc:
                log.error("hall %s: the version edited on disk was not recorded: %s", hall.id, exc)

    def current(self, hall: HallRuntime) -> tuple[bytes, str, int | None]:
        """The file's bytes now, their hash, and the version they are (None: not recorded yet)."""
        data = read_file(hall.path)
        digest = sha256(data)
        latest = self.hub.store.version(hall.id)
        return data, digest, (latest[0]["version"] if latest is not None and latest[0]["hash"] == digest else None)

    # ------------------------------------------------------------------ the draft of a command
    def _draft(self, client: Client, msg: Any) -> str | None:
        """The draft's text (``text`` or an assembled ``draft``); None after an error was sent."""
        if msg.text is not None:
            return msg.text
        if msg.draft is None:
            return None
        held = self.drafts.get(client)
        if held is None or held[0] != msg.draft:
            client.push(error_frame("unknown_draft", f'no draft "{p.escape_text(msg.draft)}" on this connection: '
                                                     "send its config_part messages first", msg.id))
            return None
        key, count, parts = held
        if len(parts) < count:
            missing = sorted(set(range(count)) - set(parts))
            client.push(error_frame("unknown_draft", f'the draft "{p.escape_text(key)}" lacks {len(missing)} of its '
                                                     f"{count} parts (first missing: {missing[0]})", msg.id))
            return None
        return "".join(parts[i] for i in range(count))

    def _sized(self, client: Client, msg: Any, text: str) -> bytes | None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            client.push(error_frame("bad_field", "the text is not valid Unicode (a lone surrogate): send it as UTF-8",
                                    msg.id))
            return None
        if len(data) > MAX_FILE_BYTES:
            client.push(error_frame("too_large", f"the draft is {len(data):,} bytes; a hall file is at most "
                                                 f"{MAX_FILE_BYTES:,} (nothing was written)", msg.id))
            return None
        return data

    # ------------------------------------------------------------------ answers
    def answer_part(self, client: Client, hall: HallRuntime, msg: p.ConfigPart) -> str:
        held = self.drafts.get(client)
        if held is None or held[0] != msg.draft or held[1] != msg.count:
            held = (msg.draft, msg.count, {})  # a new draft replaces the connection's last one
            self.drafts[client] = held
        parts = held[2]
        parts[msg.index] = msg.data
        size = sum(len(x.encode("utf-8", "surrogatepass")) for x in parts.values())
        if size > MAX_FILE_BYTES:
            self.drafts.pop(client, None)
            client.push(error_frame("too_large", f"the draft is over {MAX_FILE_BYTES:,} bytes after {len(parts)} "
                                                 f"parts; a hall file is at most {MAX_FILE_BYTES:,} (the draft is "
                                                 "dropped)", msg.id))
            return "refused"
        client.push(ok_frame(msg.id, {"draft": msg.draft, "received": len(parts), "count": msg.count}))
        return "ok"

    # Reading the file and the versions table happens in a thread: the log's lock may be held by a
    # commit's fsync, and the loop must not wait for it.
    def answer_get(self, client: Client, hall: HallRuntime, msg: p.ConfigGet) -> None:
        hall.spawn(self._read(client, hall, msg, self._get))

    def answer_history(self, client: Client, hall: HallRuntime, msg: p.ConfigHistory) -> None:
        hall.spawn(self._read(client, hall, msg, lambda h, m: (None, {"versions": self.hub.store.versions(h.id)})))

    def answer_version(self, client: Client, hall: HallRuntime, msg: p.ConfigVersion) -> None:
        hall.spawn(self._read(client, hall, msg, self._version))

    async def _read(self, client: Client, hall: HallRuntime, msg: Any, read: Any) -> None:
        refusal, result = await asyncio.to_thread(read, hall, msg)
        if refusal is not None:
            client.push(error_frame(*refusal, msg.id))
        else:
            client.push(ok_frame(msg.id, result))
        self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused" if refusal else "ok")

    def _get(self, hall: HallRuntime, msg: p.ConfigGet) -> tuple[None, dict[str, Any]]:
        data, digest, version = self.current(hall)
        return None, {"text": as_text(data), "hash": digest, "version": version, "size": len(data),
                      "file": hall.path.name}

    def _version(self, hall: HallRuntime, msg: p.ConfigVersion) -> tuple[tuple[str, str] | None, dict[str, Any]]:
        found = self.hub.store.version(hall.id, msg.version)
        if found is None:
            return ("unknown_version", f"hall {hall.id} has no version {msg.version} (config_history lists them)"), {}
        row, data = found
        before = self.hub.store.version(hall.id, msg.version - 1) if msg.version > 1 else None
        diff = unified_diff(before[1] if before else b"", data, f"version {msg.version - 1}" if before else "(none)",
                            f"version {msg.version}")
        return None, {**row, "text": as_text(data), "diff": diff}

    def answer_check(self, client: Client, hall: HallRuntime, msg: p.ConfigCheck) -> None:
        text = self._draft(client, msg)
        if text is None or self._sized(client, msg, text) is None:
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        hall.spawn(self._check(client, hall, msg, text))

    async def _check(self, client: Client, hall: HallRuntime, msg: Any, text: str) -> None:
        result, problems = await self.draw(check_text, text, hall.path, hall.id)
        errors = sum(x["severity"] == "error" for x in problems)
        warnings = sum(x["severity"] == "warning" for x in problems)
        client.push(ok_frame(msg.id, {"ok": errors == 0, "errors": errors, "warnings": warnings,
                                      "problems": problems}))
        self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="ok")

    def answer_edit(self, client: Client, hall: HallRuntime, msg: p.ConfigEdit) -> None:
        text = self._draft(client, msg)
        if text is None or self._sized(client, msg, text) is None:
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        hall.spawn(self._edit(client, hall, msg, text))

    async def _edit(self, client: Client, hall: HallRuntime, msg: p.ConfigEdit, text: str) -> None:
        try:
            new = await asyncio.to_thread(edit_many, text, [(e.path, e.value) for e in msg.edits])
        except EditError as exc:
            client.push(error_frame("bad_edit", str(exc), msg.id))
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        client.push(ok_frame(msg.id, {"text": new}))
        self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="ok")

    def answer_publish(self, client: Client, hall: HallRuntime, msg: p.ConfigPublish) -> None:
        text = self._draft(client, msg)
        data = None if text is None else self._sized(client, msg, text)
        if data is None:
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        hall.spawn(self._publish(client, hall, msg, data, None))

    def answer_rollback(self, client: Client, hall: HallRuntime, msg: p.ConfigRollback) -> None:
        hall.spawn(self._publish(client, hall, msg, None, msg.version))

    async def _publish(self, client: Client, hall: HallRuntime, msg: Any, data: bytes | None,
                       rollback_of: int | None) -> None:
        if data is None:  # a rollback: the old version's bytes
            found = await asyncio.to_thread(self.hub.store.version, hall.id, rollback_of)
            if found is None:
                client.push(error_frame("unknown_version", f"hall {hall.id} has no version {rollback_of} "
                                                           "(config_history lists them)", msg.id))
                self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
                return
            data = found[1]
        result = await self._publish_locked(client, hall, msg, data, rollback_of)
        self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result=result)

    async def _publish_locked(self, client: Client, hall: HallRuntime, msg: Any, data: bytes,
                              rollback_of: int | None) -> str:
        what = f"version {rollback_of}" if rollback_of is not None else "the draft"
        async with self.lock(hall):
            text = data.decode("utf-8", "surrogateescape")
            result, problems = await self.draw(check_text, text, hall.path, hall.id)
            errors = [x for x in problems if x["severity"] == "error"]
            warnings = [x for x in problems if x["severity"] == "warning"]
            if errors:
                client.push(dumps(p.Error.frame(
                    "config_invalid", f"{what} has {len(errors)} error{'s' * (len(errors) != 1)}; nothing was "
                    f"written:\n{_summary(problems, 'error')}", msg.id, problems=problems)))
                return "refused"
            if warnings and not msg.accept_warnings:
                client.push(dumps(p.Error.frame(
                    "config_warnings", f"{what} has {len(warnings)} warning{'s' * (len(warnings) != 1)}; nothing was "
                    f"written (send it again with accept_warnings: true to publish it anyway):\n"
                    f"{_summary(problems, 'warning')}", msg.id, problems=problems)))
                return "refused"
            current, digest, version = await asyncio.to_thread(self.current, hall)
            if msg.base_hash != digest:
                now = f"the file now (version {version})" if version is not None else "the file now (edited on disk)"
                client.push(dumps(p.Error.frame(
                    "config_conflict", f"{hall.path.name} changed since your draft was taken from it (another "
                    "manager published, or it was edited on disk); nothing was written. The diff goes from the file "
                    "as it is now to your draft: take the file again (config_get) and redo your change on it",
                    msg.id, diff=unified_diff(current, data, now, what), hash=digest)))
                return "conflict"
            try:
                await asyncio.to_thread(write_atomically, hall.path, data)
            except OSError as exc:
                client.push(error_frame("storage_error", f"{hall.path}: cannot write the file ({exc.strerror or exc}); "
                                                         "nothing changed", msg.id))
                return "storage_error"
            event: dict[str, Any] = {"type": "config_published", "at": self.hub.clock(), "request": msg.id,
                                     "actor": client.actor, "command": msg.type, "version": 0,
                                     "hash": sha256(data), "note": msg.note, "size": len(data)}
            if rollback_of is not None:
                event["rollback_of"] = rollback_of
            source = "rollback" if rollback_of is not None else "publish"
            try:
                async with hall.lock:
                    loop = asyncio.get_running_loop()
                    number, applied = await loop.run_in_executor(
                        hall.executor, hall.durable.add_version, self._row(client.actor, msg.note, data, source), event)
                    if applied is not None:
                        write_all(hall.clients.values(), b"".join(hall._frames(applied)))
                        hall._check_backlogs()
            except StoreError as exc:
                # The file is written: the hub takes it as an edit on disk (a version at its next reload).
                client.push(error_frame("storage_error", f"{exc} The file was written; its version was not "
                                                         "recorded", msg.id))
                return "storage_error"
        await self.hub._reload(hall, record_version=False)
        client.push(ok_frame(msg.id, {"version": number, "hash": sha256(data), "size": len(data),
                                      "warnings": len(warnings), **({"rollback_of": rollback_of} if rollback_of else {})}))
        log.info("hall %s: %s published version %d (%s)", hall.id, client.actor, number, p.escape_text(msg.note))
        return "ok"

    # ------------------------------------------------------------------ preview
    def answer_preview(self, client: Client, hall: HallRuntime, msg: p.ConfigPreview) -> None:
        if msg.text is None and msg.draft is None:
            text: str | None = as_text(read_file(hall.path))
        else:
            text = self._draft(client, msg)
        if text is None or self._sized(client, msg, text) is None:
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        live = None
        if msg.state == "live":
            from server.hub.hall import with_waiting_since

            live = {"snapshot": with_waiting_since(hall.durable.engine), "estimates": dict(hall.latest_estimates),
                    "seq": hall.durable.seq}
        hall.spawn(self._preview(client, hall, msg, text, live))

    async def _preview(self, client: Client, hall: HallRuntime, msg: p.ConfigPreview, text: str,
                       live: dict | None) -> None:
        try:
            out = await self.draw(render_draft, text, hall.path, msg.screen, live, self.hub.clock())
        except PreviewError as exc:
            client.push(error_frame("preview_failed", str(exc), msg.id))
            self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="refused")
            return
        client.push(ok_frame(msg.id, out))
        self.hub.metrics.commands.inc(hall=hall.id, command=msg.type, result="ok")


class PreviewError(Exception):
    pass


def render_draft(text: str, path: Path, screen_id: str, live: dict | None, now: float) -> dict[str, Any]:
    """One frame of ``screen_id`` as the draft would draw it: the PNG (base64), its size, and the
    texts drawn below the legibility rule with their rectangles. In the drawing thread."""
    result = load_hall_text(text, str(path))
    config = result.config
    if config is None:
        first = result.errors[0] if result.errors else None
        raise PreviewError(f"the draft cannot be drawn: it has errors ({first})" if first else
                           "the draft cannot be drawn: it has errors")
    screen = config.screen(screen_id)
    if screen is None:
        raise PreviewError(f'the draft has no screen "{screen_id}" (there are: '
                           f'{", ".join(s.id for s in config.screens)})')
    from signage.config.legibility import needed_mm, pixel_pitch_mm
    from signage.display.measure import start_pygame
    from signage.display.preview import preview_time, render_preview
    from signage.view import HallView

    why = start_pygame()
    if why is not None:
        raise PreviewError(f"the hub cannot draw offscreen ({why})")
    view = None
    if live is not None:
        view = HallView()
        view.apply({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "screen", "seq": live["seq"],
                    "replay": False, "snapshot": live["snapshot"],
                    "config": config.model_dump(mode="json", by_alias=True)}, now)
        if live["estimates"].get("services"):
            view.apply({"type": "estimates", "at": now, "services": live["estimates"]["services"]}, now)
    texts: list[dict] = []
    t0 = time.perf_counter()
    renderer = render_preview(config, screen_id, view=view, now=now if live is not None else preview_time(config),
                              base_dir=path.resolve().parent, texts=texts)
    png = renderer.screenshot_png()
    width, height = renderer.size
    pitch, need = pixel_pitch_mm(screen), needed_mm(screen)
    small = []
    for r in texts:
        if not any(ch.isalnum() for ch in r.get("text", "")):
            continue
        mm = r["glyph_px"] * pitch
        factor = r.get("emphasis", 1.0)
        if mm + 1e-6 < need * factor:
            small.append({"widget": r.get("widget", ""), "lang": r.get("lang", ""), "text": r["text"],
                          "rect": list(r["rect"]), "mm": round(mm, 1), "need_mm": round(need * factor, 1)})
    return {"screen": screen_id, "png": base64.b64encode(png).decode("ascii"), "width": width, "height": height,
            "bytes": len(png), "small": small, "texts": len(texts), "ms": round((time.perf_counter() - t0) * 1000, 1)}
