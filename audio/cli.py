"""``signage voicepack build|check|phrases|import``, ``signage announce`` and ``signage bench voice``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

log = logging.getLogger("audio")

DEFAULT_PACKS = Path("voicepacks")  # the same default as audio.service


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = sub.add_parser("voicepack", help="prepare the voice clips of halls (build) or check a pack")
    vsub = p.add_subparsers(dest="voicepack", metavar="ACTION")
    b = vsub.add_parser("build", help="synthesise every clip a hall's announcements need")
    b.add_argument("--hall", action="append", required=True, metavar="FILE",
                   help="hall file (layouts/HALL.yaml); repeat to build one pack for several halls")
    b.add_argument("--engine", choices=("espeak", "gtts"), default="espeak",
                   help="espeak: offline (default); gtts: Google's voices, needs the internet while building")
    b.add_argument("--out", metavar="DIR", help=f"pack folder (default {DEFAULT_PACKS}/<hall id>)")
    b.add_argument("--cache", metavar="DIR", help="gTTS answer cache (default ~/.cache/hall-signage/tts)")
    b.add_argument("--endpoint", metavar="URL", help="gTTS: another endpoint than Google's (a mirror)")
    b.add_argument("--timeout", type=float, default=10.0, metavar="S", help="gTTS: read timeout per request")
    b.add_argument("--retries", type=int, default=3, metavar="N", help="gTTS: attempts per clip")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(run=run_build)
    c = vsub.add_parser("check", help="list the clips a pack lacks for a hall (they would be said by espeak-ng)")
    c.add_argument("--hall", required=True, metavar="FILE", help="the hall file whose words the pack must hold")
    c.add_argument("--pack", metavar="DIR", help=f"default {DEFAULT_PACKS}/<hall id>")
    c.set_defaults(run=run_check)
    ph = vsub.add_parser("phrases", help="list every clip a hall's announcements can need, to record: "
                                         "KEY<TAB>LANGUAGE<TAB>TEXT a line")
    ph.add_argument("--hall", action="append", required=True, metavar="FILE",
                    help="hall file; repeat for a pack that serves several halls")
    ph.set_defaults(run=run_phrases)
    im = vsub.add_parser("import", help="make recorded clips (KEY.wav|flac|ogg|mp3) into a voice pack; "
                                        "what is not recorded is said by espeak-ng")
    im.add_argument("dir", metavar="DIR", help="the folder of recordings, each named by its key "
                                               "(signage voicepack phrases)")
    im.add_argument("--hall", action="append", required=True, metavar="FILE",
                    help="hall file whose phrases the recordings are; repeat for several halls")
    im.add_argument("--out", metavar="PACK", help=f"pack folder (default {DEFAULT_PACKS}/<hall id>)")
    im.add_argument("--lufs", type=float, default=-16.0, metavar="L",
                    help="loudness of every clip, EBU R128 (default -16 LUFS)")
    im.set_defaults(run=run_import)
    p.set_defaults(run=lambda args: (p.print_help(), 2)[1])

    a = sub.add_parser("announce", help="speak the calls of a hall (chime and voice) from the hub")
    a.add_argument("--hub", required=True, metavar="URL", help="the hub, e.g. ws://hub:8765")
    a.add_argument("--token", default=os.environ.get("SIGNAGE_TOKEN", ""), metavar="T",
                   help="the announcer token (default $SIGNAGE_TOKEN)")
    a.add_argument("--zone", metavar="ZONE", help="the floor (or screens' zone) this announcer speaks in")
    a.add_argument("--hall", metavar="H", help="hall id or hall file (default: the only file in layouts/)")
    a.add_argument("--pack", metavar="DIR", help=f"voice pack (default {DEFAULT_PACKS}/<hall id>)")
    a.add_argument("--wav-dir", metavar="DIR", help="without a sound device, write each announcement here as WAV")
    a.add_argument("-v", "--verbose", action="store_true", help="a detailed log (DEBUG)")
    a.set_defaults(run=run_announce)

    bv = bench.add_parser("voice", help="call event -> first audio buffer and first syllable (pack vs espeak-ng); "
                                             "a burst of 10 calls in 10 s (longest wait, dropped); pack build time")
    bv.add_argument("--hall", default="layouts/zhongshan.yaml", metavar="FILE", help="default: layouts/zhongshan.yaml")
    bv.add_argument("--calls", type=int, default=200, metavar="N", help="calls measured (default 200)")
    bv.set_defaults(run=run_bench)


def _logging(verbose: bool = False) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _load(path: str):  # -> HallConfig | None, printing problems
    from signage.config import load_hall

    result = load_hall(path)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    return result.config


# --- voicepack -------------------------------------------------------------------------------

def _halls_and_pack(args: argparse.Namespace) -> tuple[list, Path] | int:
    """The halls of ``--hall`` and the pack folder (``--out``, else the one hall's own), or
    the exit status when a hall file is wrong (1) or several halls leave the pack unnamed (2)."""
    configs = [_load(h) for h in args.hall]
    if any(c is None for c in configs):
        return 1
    if args.out:
        return configs, Path(args.out)
    if len(configs) == 1:
        return configs, DEFAULT_PACKS / configs[0].hall.id
    print("several halls: say where the pack goes with --out", file=sys.stderr)
    return 2


def run_build(args: argparse.Namespace) -> int:
    from .engines import DiskCache, Engine, EspeakEngine, GttsEngine, default_cache_dir
    from .errors import PackError
    from .phrases import all_hall_tokens
    from .voicepack import build_pack

    halls = _halls_and_pack(args)
    if isinstance(halls, int):
        return halls
    configs, out = halls
    ids = [c.hall.id for c in configs]
    engine: Engine
    if args.engine == "gtts":
        engine = GttsEngine(cache=DiskCache(args.cache or default_cache_dir()), endpoint=args.endpoint,
                            timeout=(3.05, args.timeout), retries=args.retries)
    else:
        rates = sorted({c.voice.rate for c in configs})
        if len(rates) > 1:
            print(f"the halls' voice.rate differ ({', '.join(f'{r:g}' for r in rates)}); the pack is built at "
                  f"{rates[0]:g} (build one pack per hall for each its own)", file=sys.stderr)
        engine = EspeakEngine.at_rate(rates[0])
    tokens = all_hall_tokens(configs)
    try:
        report = build_pack(tokens, engine, out, halls=ids, progress=not args.quiet)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{out}: {report.clips} clips for {', '.join(ids)} by {report.engine} in {report.seconds:.2f} s")
    if report.failed:
        for lang, text, error in report.failed:
            print(f"  not made: {text!r} ({lang}): {error}", file=sys.stderr)
        print(f"{len(report.failed)} clips could not be made; announcements will say them with espeak-ng. "
              "Run the build again to fill them in.", file=sys.stderr)
        return 1
    return 0


def run_check(args: argparse.Namespace) -> int:
    from .engines import ESPEAK_VOICES
    from .errors import PackError
    from .phrases import hall_tokens
    from .voicepack import VoicePack

    config = _load(args.hall)
    if config is None:
        return 1
    path = Path(args.pack) if args.pack else DEFAULT_PACKS / config.hall.id
    try:
        pack = VoicePack.load(path)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    for p in pack.problems:
        print(p, file=sys.stderr)
    missing = pack.missing(hall_tokens(config))
    keys = {}
    if pack.recorded:  # a hall's own recordings: which are, which fall back (by key, to record them)
        from .recorded import hall_phrases

        keys = {c.token: c.key for c in hall_phrases([config])}
        needed = set(keys)
        print(f"recorded: {len(needed & pack.recorded)} of {len(needed)} clips the hall needs")
    for lang, text in sorted(missing):
        print(f"missing: {text!r} ({lang})" + (f", falls back to espeak-ng (record {keys[(lang, text)]})"
                                               if (lang, text) in keys else ""))
    for lang in sorted({lang for lang, _ in missing}):
        count = sum(1 for m in missing if m[0] == lang)
        if lang in ESPEAK_VOICES:
            print(f"{lang}: {count} missing, said by espeak-ng meanwhile")
        else:  # no offline voice: those words are not said at all (docs/audio.md, Languages)
            print(f"{lang}: {count} missing, and no offline voice speaks {lang}: record them "
                  f"(clips/{lang}/ in the pack) or build the pack with --engine gtts if it speaks {lang}")
    print(f"{path}: {len(pack)} clips ({pack.engine}); {len(missing)} missing for {config.hall.id}")
    return 1 if missing or pack.problems else 0


def run_phrases(args: argparse.Namespace) -> int:
    from .recorded import hall_phrases, phrase_lines

    configs = [_load(h) for h in args.hall]
    if any(c is None for c in configs):
        return 1
    try:
        for line in phrase_lines(hall_phrases(configs)):
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def run_import(args: argparse.Namespace) -> int:
    from .errors import PackError
    from .recorded import hall_phrases, import_recordings

    halls = _halls_and_pack(args)
    if isinstance(halls, int):
        return halls
    configs, out = halls
    ids = [c.hall.id for c in configs]
    if not -40.0 <= args.lufs <= -5.0:
        print(f"--lufs {args.lufs:g}: a loudness between -40 and -5 LUFS (speech is usually -16 to -23)",
              file=sys.stderr)
        return 2
    clips = hall_phrases(configs)
    try:
        report = import_recordings(args.dir, clips, out, lufs=args.lufs, halls=ids)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    print(f"{out}: {len(report.recorded)} of {len(clips)} clips recorded for {', '.join(ids)} "
          f"at {args.lufs:g} LUFS; {len(report.missing)} said by espeak-ng"
          + (f"; {len(report.refused)} files refused" if report.refused else "")
          + (f"; {len(report.unused)} files unused" if report.unused else ""))
    return 1 if report.missing or report.refused or report.unused else 0


# --- announce ----------------------------------------------------------------------------------

def _hall_arg(value: str | None):  # -> (hall id, HallConfig | None) or raises SystemExit
    if value and (value.endswith((".yaml", ".yml")) or Path(value).is_file()):
        config = _load(value)
        if config is None:
            raise SystemExit(1)
        return config.hall.id, config
    if value:
        return value, None
    found = sorted(Path("layouts").glob("*.yaml"))
    if len(found) == 1:
        config = _load(str(found[0]))
        if config is not None:
            return config.hall.id, config
    print("say which hall with --hall (an id or a hall file)", file=sys.stderr)
    raise SystemExit(2)


def run_announce(args: argparse.Namespace) -> int:
    from .announcer import hello_message
    from .service import start_announcer

    _logging(args.verbose)
    hall_id, config = _hall_arg(args.hall)
    try:
        from signage.hubclient import HubClient
    except ImportError:
        log.error("the hub client (signage/hubclient.py) is not installed")
        return 1
    voice = start_announcer(config, hall_id=hall_id, zone=args.zone, pack_dir=args.pack, wav_dir=args.wav_dir)

    def on_status(up: bool) -> None:
        log.info("hub %s: %s", args.hub, "connected" if up else "disconnected; reconnecting")

    client = HubClient(args.hub, hello_message(hall_id, args.token, args.zone),
                       on_message=voice.handle, on_status=on_status)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    client.start_thread()
    log.info("announcing for hall %s%s", hall_id, f", zone {args.zone}" if args.zone else "")
    try:
        done.wait()
    finally:
        client.stop()
        voice.stop()
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from .bench import bench_voice

    config = _load(args.hall)
    if config is None:
        return 1
    bench_voice(config, calls=max(10, args.calls), out=sys.stdout)
    return 0
