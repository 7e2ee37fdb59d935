"""``signage display``, ``signage preview`` and ``signage bench render``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _lang(text: str) -> str:
    from ..languages import tag_problem

    problem = tag_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a size (expected WxH, e.g. 1920x1080)') from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text}: each side from 16 to 8192 pixels")
    return w, h


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = sub.add_parser("display", help="show one screen of a hall, fed by the hub (fullscreen by default)")
    p.add_argument("--hub", required=True, metavar="URL", help="the hub's websocket address, e.g. ws://hub:8765")
    p.add_argument("--token", default="", metavar="T", help="the screens' token from the hub's tokens file")
    p.add_argument("--screen", required=True, metavar="ID", help="the screen's id in the hall file")
    p.add_argument("--hall", metavar="ID", help="the hall id (default: the last part of the hub URL's path)")
    p.add_argument("--windowed", action="store_true", help="a window instead of the full screen")
    p.add_argument("--size", type=_size, metavar="WxH", help="window or panel size (default: the screen's)")
    p.add_argument("--fps", type=int, default=60, help="frames per second (default 60)")
    p.add_argument("--rotate", type=int, choices=(90, 270), default=90,
                   help="for a portrait screen on a landscape output: which way the panel is turned")
    p.add_argument("--assets", type=Path, metavar="DIR", help="where image paths of the hall file are relative to")
    p.add_argument("--png-dir", type=Path, metavar="DIR", help="also write the picture to DIR/SCREEN.png (headless runs)")
    p.add_argument("--png-every", type=float, default=5.0, metavar="S", help="seconds between those PNGs (default 5)")
    p.add_argument("--announce", action="store_true",
                   help="this PC has speakers: chime and speak the calls too (like signage announce)")
    p.add_argument("--zone", metavar="ZONE", help="with --announce: the floor or zone it speaks in "
                   "(default: the screen's zone, else its floor)")
    p.add_argument("--pack", metavar="DIR", help="with --announce: voice pack (default voicepacks/<hall id>)")
    p.add_argument("--wav-dir", metavar="DIR", help="with --announce: without a sound device, write WAVs here")
    p.set_defaults(run=run_display)

    p = sub.add_parser("preview", help="render one frame of a screen to a PNG (no display needed)")
    p.add_argument("file", metavar="HALL.yaml", help="the hall file")
    p.add_argument("--screen", metavar="ID", help="screen id (default: every screen, OUT is then a folder)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG to write (a folder when several screens)")
    p.add_argument("--state", choices=("sample", "empty", "live"), default="sample",
                   help="sample: a busy hall (default); empty: a hall that just opened; live: ask --hub")
    p.add_argument("--hub", metavar="URL", help="for --state live")
    p.add_argument("--token", default="", metavar="T", help="for --state live")
    p.add_argument("--lang", type=_lang, metavar="TAG",
                   help="language, a BCP 47 tag: zh-Hans, zh-Hant, zh-TW, en, es... (default: the screen's first)")
    p.add_argument("--size", type=_size, metavar="WxH", help="render at another resolution")
    p.add_argument("--notice", metavar="TEXT", help="show an urgent notice (banner) with this text")
    p.add_argument("--fullscreen-notice", metavar="TEXT", help="show a full-screen urgent notice")
    p.add_argument("--offline", action="store_true", help="show the badge of a screen that lost the hub")
    p.add_argument("--texts", type=Path, metavar="FILE.json",
                   help="also write every text drawn: a JSON array of {widget, lang, text, rect, glyph_px} "
                        "(with --screen)")
    p.set_defaults(run=run_preview)

    p = bench.add_parser("render", help="CPU time per frame of the wall screens (1080p, 4K, strip)")
    p.add_argument("--hall", type=Path, default=None, metavar="FILE", help="default: layouts/zhongshan.yaml")
    p.add_argument("--frames", type=int, default=600, help="steady-state frames per case (default 600)")
    p.set_defaults(run=run_bench)


def run_display(args: argparse.Namespace) -> int:
    from .app import DisplayApp, hall_from_url

    hall = args.hall or hall_from_url(args.hub)
    if not hall:
        print("signage display: say which hall (--hall ID), or give it in the URL (ws://hub:8765/HALL)",
              file=sys.stderr)
        return 2
    app = DisplayApp(args.hub, args.token, hall, args.screen, windowed=args.windowed, size=args.size,
                     fps=args.fps, rotate=args.rotate, assets=args.assets, png_dir=args.png_dir,
                     png_every=args.png_every)
    if not args.announce:
        return app.run()
    # The voice is the audio part's (floor 1), which the display may not import: the
    # entry point (signage/cli.py) hands its starter in as a default of this command.
    start_voice = getattr(args, "start_voice", None)
    if start_voice is None:
        print("signage display: --announce needs the audio part, and this command line has none",
              file=sys.stderr)
        return 2
    voice = start_voice(hall_id=hall, zone=args.zone, pack_dir=args.pack, wav_dir=args.wav_dir)
    speak_too(app.client, voice, args.screen, zoned=args.zone is not None)
    try:
        return app.run()
    finally:
        voice.stop()


def speak_too(client, voice, screen_id: str, *, zoned: bool) -> None:
    """Hand every hub message to ``voice`` as well as to the screen (on the client's thread).

    ``voice`` is what ``args.start_voice`` returned (an ``audio.service.AnnouncerService``):
    it has ``handle(message)``, ``stop()`` and ``announcer.zone``.

    Without a zone given, the announcer speaks for where this screen hangs: its
    zone, else its floor, learnt from the hall file in the first ``welcome``.
    """
    to_screen = client.on_message

    def both(message: dict) -> None:
        to_screen(message)
        if not zoned and message.get("type") == "welcome":
            screens = (message.get("config") or {}).get("screens") or []
            me = next((s for s in screens if isinstance(s, dict) and s.get("id") == screen_id), {})
            voice.announcer.zone = me.get("zone") or me.get("floor")
        voice.handle(message)

    client.on_message = both


def run_preview(args: argparse.Namespace) -> int:
    from ..config import load_hall
    from .preview import live_view, render_preview, save_preview

    result = load_hall(args.file)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if result.config is None:
        return 1
    config = result.config
    screens = [args.screen] if args.screen else [s.id for s in config.screens]
    unknown = [s for s in screens if config.screen(s) is None]
    if unknown or not screens:
        print(f"signage preview: no screen {unknown[0] if unknown else ''} in {args.file} "
              f"(screens: {', '.join(s.id for s in config.screens) or 'none'})", file=sys.stderr)
        return 1
    if args.texts and not args.screen:
        print("signage preview: --texts needs --screen ID", file=sys.stderr)
        return 2
    view = None
    if args.state == "live":
        if not args.hub:
            print("signage preview: --state live needs --hub URL", file=sys.stderr)
            return 2
        hello = {"type": "hello", "v": 1, "role": "screen", "hall": config.hall.id, "token": args.token,
                 "screen": screens[0], "client": "signage preview"}
        try:
            view = live_view(args.hub, hello)
        except RuntimeError as exc:
            print(f"signage preview: {exc}", file=sys.stderr)
            return 1
    elif args.state == "empty":
        from ..view import HallView

        view = HallView(config=config)
    for screen_id in screens:
        v = view
        if args.notice or args.fullscreen_notice:
            from ..view import sample_view
            from .preview import preview_time

            v = v or sample_view(config, preview_time(config))
            first = (config.hall.languages or ["zh-Hans"])[0]  # the text is in the hall's first language
            v.notice = {"text": {first: args.fullscreen_notice or args.notice},
                        "style": "fullscreen" if args.fullscreen_notice else "banner"}
        texts: list[dict] | None = [] if args.texts else None
        renderer = render_preview(config, screen_id, view=v, lang=args.lang, size=args.size,
                                  base_dir=Path(args.file).resolve().parent, connected=not args.offline,
                                  texts=texts)
        if args.texts and texts is not None:
            import json

            from .measure import export_records

            args.texts.parent.mkdir(parents=True, exist_ok=True)
            args.texts.write_text(json.dumps(export_records(texts), ensure_ascii=False, indent=1) + "\n", "utf-8")
        out = Path(args.out)
        if len(screens) > 1 or out.suffix.lower() != ".png":
            out = out / f"{config.hall.id}-{screen_id}{'-' + args.lang if args.lang else ''}.png"
        print(save_preview(renderer, out))
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from .bench import bench_render

    return bench_render(args.hall, args.frames)
