"""A running announcer: pack, fallback, player and output wired together.

This is what ``signage announce`` runs, and what a screen PC with speakers
(``signage display ... --announce``) can run beside its drawing loop::

    from audio.service import start_announcer
    voice = start_announcer(config, zone=screen.floor)      # HallConfig or None
    ...  on every hub message:  voice.handle(message)       # from any thread; never raises
    voice.stop()

What a caller may rely on: starting never fails for want of a sound card or a
voice pack. Without a pack every word is said by espeak-ng; without a sound
card announcements go to ``wav_dir`` as WAV files, or to the log, while the
card is retried in the background of each announcement. SDL's silent ``dummy``
audio driver (``SDL_AUDIODRIVER=dummy``) counts as no card: it would swallow
every announcement.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .announcer import Announcer
from .assemble import Assembler
from .engines import EspeakEngine
from .errors import PackError
from .outputs import FallbackOutput, LogOutput, MixerOutput, WavOutput
from .phrases import hall_tokens
from .player import Player
from .voicepack import VoicePack

if TYPE_CHECKING:
    from signage.config.model import HallConfig

log = logging.getLogger(__name__)

DEFAULT_PACKS = Path("voicepacks")


class AnnouncerService:
    """An :class:`~audio.announcer.Announcer` feeding a started :class:`~audio.player.Player`."""

    def __init__(self, announcer: Announcer, player: Player, assembler: Assembler) -> None:
        self.announcer = announcer
        self.player = player
        self.assembler = assembler

    def handle(self, message: Any) -> None:
        """Take one hub message, timed now."""
        self.announcer.handle(message, time.time())

    def stop(self) -> None:
        self.player.stop()


def load_pack(path: Path) -> VoicePack | None:
    """The pack at ``path``, or None (logged) if there is none."""
    try:
        pack = VoicePack.load(path)
    except PackError as exc:
        log.warning("%s; every word will be said by espeak-ng (build a pack: signage voicepack build)", exc)
        return None
    log.info("voice pack %s: %d clips by %s", path, len(pack), pack.engine)
    return pack


def start_announcer(config: HallConfig | None, *, hall_id: str | None = None, zone: str | None = None,
                    pack_dir: str | Path | None = None, wav_dir: str | Path | None = None) -> AnnouncerService:
    """Load the pack (default ``voicepacks/<hall id>``), open the sound card, start the player."""
    hall = hall_id or (config.hall.id if config is not None else "hall")
    pack = load_pack(Path(pack_dir) if pack_dir else DEFAULT_PACKS / hall)
    # voice.rate: espeak-ng's speed for what the pack lacks (a pack's clips are kept as they are)
    assembler = Assembler(pack, EspeakEngine.at_rate(config.voice.rate if config is not None else 1.0))
    if config is not None:
        made = assembler.warm(hall_tokens(config))  # so the first call pays nothing
        if made:
            log.info("%d clips not in the pack were made with espeak-ng", made)
    fallback = WavOutput(wav_dir) if wav_dir else LogOutput()
    mixer = MixerOutput(silent_is_absent=True)  # SDL_AUDIODRIVER=dummy: no card, so WAVs, not silence
    mixer.ready()  # open the device now rather than on the first call
    player = Player(assembler, FallbackOutput(mixer, fallback)).start()
    return AnnouncerService(Announcer(player.submit, config=config, zone=zone), player, assembler)
