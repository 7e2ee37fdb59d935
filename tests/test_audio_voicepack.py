"""The voice pack: built by espeak-ng for every sample hall, checked, loaded, repaired by fallback."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from audio import RATE
from audio.assemble import Assembler
from audio.engines import EspeakEngine
from audio.errors import EngineError, PackError
from audio.pcm import read_wav
from audio.phrases import Values, all_hall_tokens, call_phrases, hall_tokens
from audio.voicepack import MANIFEST, VoicePack, build_pack, clip_file
from signage.config import load_hall

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
HALLS = [r.config for r in (load_hall(p) for p in sorted(LAYOUTS.glob("*.yaml"))) if r.config is not None]


@pytest.fixture(scope="module")
def all_halls_pack(tmp_path_factory):
    """One pack for every sample hall in layouts/ (espeak-ng, for real)."""
    out = tmp_path_factory.mktemp("packs") / "all"
    report = build_pack(all_hall_tokens(HALLS), EspeakEngine(), out, halls=[c.hall.id for c in HALLS])
    return out, report


def test_pack_covers_every_token_of_every_sample_hall(all_halls_pack):
    out, report = all_halls_pack
    assert not report.failed
    pack = VoicePack.load(out)
    assert not pack.problems
    for config in HALLS:
        assert not pack.missing(hall_tokens(config)), config.hall.id
    assert sorted(pack.halls) == sorted(c.hall.id for c in HALLS)


def test_manifest_checksums_match_the_files(all_halls_pack):
    out, _ = all_halls_pack
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == 1 and manifest["engine"] == "espeak" and manifest["rate"] == RATE
    for entry in manifest["clips"]:
        data = (out / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        samples, rate = read_wav(data)
        assert rate == RATE
        assert abs(len(samples) / RATE - entry["seconds"]) < 0.002
        assert entry["file"] == clip_file(entry["lang"], entry["text"])


def test_clips_are_trimmed_faded_and_levelled(all_halls_pack):
    pack = VoicePack.load(all_halls_pack[0])
    for (lang, text), clip in pack.clips.items():
        x = clip.astype(np.float32) / 32768
        assert 0.05 < len(x) / RATE < 8, (lang, text)
        edge = int(0.003 * RATE)
        assert np.abs(x[:edge]).max() < 0.05 and np.abs(x[-edge:]).max() < 0.05  # fades: no click
        assert 0.3 < np.abs(x).max() <= 0.9  # one loudness for all, never clipped


def test_damaged_and_missing_clips_fall_back_to_espeak(tmp_path):
    tokens = [("zh-Hans", "请"), ("zh-Hans", "十二"), ("en", "Ticket")]
    build_pack(tokens, EspeakEngine(), tmp_path / "p")
    (tmp_path / "p" / clip_file("zh-Hans", "请")).write_bytes(b"RIFF garbage")
    (tmp_path / "p" / clip_file("en", "Ticket")).unlink()
    pack = VoicePack.load(tmp_path / "p")
    assert set(pack.clips) == {("zh-Hans", "十二")}
    assert len(pack.problems) == 2 and any("checksum" in p for p in pack.problems)
    a = Assembler(pack, EspeakEngine())
    assert a.clip("zh-Hans", "请") is not None and a.clip("en", "Ticket") is not None
    assert a.clip("zh-Hans", "十二") is not None
    assert (a.hits, a.fallbacks) == (1, 2)


def test_no_pack_and_not_a_pack(tmp_path):
    with pytest.raises(PackError):
        VoicePack.load(tmp_path / "nowhere")
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(PackError):
        VoicePack.load(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 99}))
    with pytest.raises(PackError):
        VoicePack.load(tmp_path)


def test_a_manifest_cannot_point_outside_the_pack(tmp_path):
    build_pack([("en", "Ticket")], EspeakEngine(), tmp_path / "p")
    manifest = json.loads((tmp_path / "p" / MANIFEST).read_text())
    (tmp_path / "secret.wav").write_bytes((tmp_path / "p" / manifest["clips"][0]["file"]).read_bytes())
    manifest["clips"][0]["file"] = "../secret.wav"
    (tmp_path / "p" / MANIFEST).write_text(json.dumps(manifest))
    assert len(VoicePack.load(tmp_path / "p")) == 0


class HalfBroken:
    """An engine that cannot say some words (a network that drops, an unknown word)."""

    name = "half"

    def __init__(self, bad: set[str]) -> None:
        self.bad = bad
        self.espeak = EspeakEngine()

    def synthesize(self, text, lang):
        if text in self.bad:
            raise EngineError("no answer")
        return self.espeak.synthesize(text, lang)


def test_build_goes_on_past_failures_and_replaces_the_old_pack(tmp_path):
    out = tmp_path / "p"
    build_pack([("en", "old")], EspeakEngine(), out)
    report = build_pack([("en", "Ticket"), ("en", "please go to window"), ("en", "3")],
                        HalfBroken({"3"}), out)
    assert report.clips == 2 and report.failed == [("en", "3", "no answer")]
    pack = VoicePack.load(out)
    assert set(pack.clips) == {("en", "Ticket"), ("en", "please go to window")}
    assert json.loads((out / MANIFEST).read_text())["failed"][0]["text"] == "3"
    assert not (tmp_path / "p.building").exists() and not (tmp_path / "p.old").exists()


def test_warm_makes_what_the_pack_lacks(tmp_path):
    config = HALLS[0]
    tokens = sorted(hall_tokens(config))
    build_pack(tokens[:5], EspeakEngine(), tmp_path / "p")
    a = Assembler(VoicePack.load(tmp_path / "p"), EspeakEngine())
    assert a.warm(tokens) == len(tokens) - 5
    before = a.fallbacks
    for phrase in call_phrases(config.voice, "call", Values("A023", config.windows[0].number), config.terms):
        a.phrase(phrase)
    assert a.fallbacks == before  # everything was ready
