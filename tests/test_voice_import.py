"""A hall's own voice: `voicepack phrases` lists what to record, `voicepack import` makes the
recordings into a pack the announcer speaks from, espeak-ng saying what was not recorded.

The recordings are made here: tones and noise of a phrase's length with silence around,
written with soundfile; no sound card, no microphone.
"""

import json
import re
import time
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from audio import RATE
from audio.announcer import Announcer
from audio.assemble import Assembler
from audio.engines import EspeakEngine
from audio.phrases import hall_tokens
from audio.recorded import (EDGE_SECONDS, MAX_SECONDS, hall_phrases, import_recordings, loudness, make_clip,
                            slug)
from audio.voicepack import VoicePack
from signage.cli import main
from signage.config import load_hall

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "layouts"
HALL = str(LAYOUTS / "zhongshan.yaml")
ZHONGSHAN = load_hall(HALL).config
NOW = 1_795_000_000.0
SAMPLES = ["zhongshan", "zhenhai", "riverside", "nanming"]


# --- recordings made here ---------------------------------------------------------------------

def recording(seconds=0.6, rate=RATE, freq=440.0, amp=0.3, pad=(0.4, 0.5), channels=1, noise=1e-4, kind="tone",
              seed=0):
    """``seconds`` of sound (a tone, or noise) with silence (a faint noise floor) before and after."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    if kind == "tone":
        sound = amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)
    else:
        sound = amp * np.clip(rng.standard_normal(n) / 3, -1, 1)
    x = np.concatenate([np.zeros(int(pad[0] * rate)), sound, np.zeros(int(pad[1] * rate))])
    x = x + noise * rng.standard_normal(len(x))
    data = np.repeat(x[:, None], channels, axis=1) if channels > 1 else x
    return data.astype(np.float32)


def record(folder: Path, clips, skip=(), ext="wav", **kw):
    """A file for every clip but those in ``skip``, each at another pitch and level."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(clips):
        if c.key in skip:
            continue
        amp = [0.05, 0.2, 0.6, 0.9][i % 4]
        kind = "noise" if i % 3 == 2 else "tone"
        data = recording(freq=220.0 + 37 * i, amp=amp, kind=kind, seed=i, **kw)
        sf.write(str(folder / f"{c.key}.{ext}"), data, kw.get("rate", RATE))


@pytest.fixture(scope="module")
def clips():
    return hall_phrases([ZHONGSHAN])


def every_call(config, zone=None):
    """Every call and recall the announcer makes for the hall: each service at each window."""
    out = []
    a = Announcer(out.append, config=config, zone=zone)
    a.handle({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "announcer", "seq": 1,
              "replay": False, "snapshot": {"recent_calls": []}}, NOW)
    seq = 1
    for s in config.services:
        for w in config.windows:
            for kind in ("ticket_called", "ticket_recalled"):
                seq += 1
                number = f"{s.prefix}{seq * 7919 % 1000:03d}"
                a.handle({"type": "event", "seq": seq, "event": {
                    "type": kind, "at": NOW, "window": w.number,
                    "ticket": {"id": f"t{seq}", "number": number, "service": s.id, "class": "normal"}}}, NOW)
    for digits in ("0123", "4567", "89"):  # every digit in every language
        seq += 1
        a.handle({"type": "event", "seq": seq, "event": {
            "type": "ticket_called", "at": NOW, "window": config.windows[0].number,
            "ticket": {"id": f"t{seq}", "number": config.services[0].prefix + digits,
                       "service": config.services[0].id, "class": "normal"}}}, NOW)
    return out


# --- the list of phrases ------------------------------------------------------------------------

def with_service_names():
    """Zhongshan saying the service's name in its own templates, and one more floor."""
    data = ZHONGSHAN.model_dump(by_alias=True, exclude_none=True)
    data["voice"]["templates"] = {"call": {"zh-Hans": "请 {ticket} 号到 {window} 号窗口办理{service}",
                                           "en": "Ticket {ticket}, {service}, window {window}"}}
    data["floors"].append({**data["floors"][0], "id": "B1", "level": -1, "name": {"zh-Hans": "地下一层"}})
    for w in data["windows"]:
        if w["number"] >= 9:
            w["floor"] = "B1"
    return type(ZHONGSHAN).model_validate(data)


@pytest.mark.parametrize("name", SAMPLES + ["service names"])
def test_every_clip_of_every_call_is_in_the_list(name):
    config = with_service_names() if name == "service names" else load_hall(LAYOUTS / f"{name}.yaml").config
    listed = {c.token: c.key for c in hall_phrases([config])}
    assert set(listed) == hall_tokens(config)  # the pack builder's set, no more, no less
    zones = [None] + [f.id for f in config.floors]
    spoken = set()
    for zone in zones:
        for ann in every_call(config, zone):
            spoken |= {(s.lang, s.text) for p in ann.phrases for s in p.segments}
    assert spoken and spoken <= set(listed), spoken - set(listed)
    keys = list(listed.values())
    assert len(set(k.casefold() for k in keys)) == len(keys)  # one file name, one clip
    for key in keys:
        assert re.fullmatch(r"[\w-]+\.[\w-]+", key), key  # no space, slash, colon, comma, dot in the name


def test_keys_say_what_each_clip_is(clips):
    by_key = {c.key: c for c in clips}
    assert by_key["zh-Hans.digit-0"].text == "零"
    assert by_key["zh-Hans.window-11"].text == "十一"
    assert by_key["zh-Hans.请"].text == "请"
    assert by_key["en.please-go-to-window"].text == "please go to window"
    assert by_key["en.letter-a"].text == "A"
    assert "en.window-3" in by_key["en.digit-3"].aliases  # English "3": a digit and window 3, one clip
    zhenhai = {c.key: c for c in hall_phrases([load_hall(LAYOUTS / "zhenhai.yaml").config])}
    assert zhenhai["yue.floor-2f"].text == "二樓" and zhenhai["en.floor-2f"].text == "floor 2"
    named = {c.key: c.text for c in hall_phrases([with_service_names()])}
    assert named["en.service-id-card"] == "Resident ID card" and named["zh-Hans.service-id-card"] == "身份证办理"
    assert named["zh-Hans.floor-b1"] == "地下一层" and named["en.floor-b1"] == "basement 1"
    riverside = {c.key: c.text for c in hall_phrases([load_hall(LAYOUTS / "riverside.yaml").config])}
    assert riverside["es.digit-0"] == "cero" and riverside["es.window-12"] == "doce"
    assert slug("once again, please go to") == "once-again-please-go-to"
    assert slug("号窗口办理，过号需重新排队") == "号窗口办理-过号需重新排队"


def test_the_phrases_command_prints_key_language_text(capsys):
    assert main(["voicepack", "phrases", "--hall", HALL]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(r) == 3 for r in rows)
    assert {(lang, text) for _, lang, text in rows} == hall_tokens(ZHONGSHAN)
    assert ["zh-Hans.请", "zh-Hans", "请"] in rows and ["en.digit-0", "en", "0"] in rows
    assert rows[0][1] == "zh-Hans" and rows[-1][1] == "en"  # the voice's order


# --- the import -----------------------------------------------------------------------------------

def test_a_whole_recording_becomes_a_pack_the_announcer_speaks_from(tmp_path, clips, capsys):
    record(tmp_path / "rec", clips)
    out = tmp_path / "pack"
    assert main(["voicepack", "import", str(tmp_path / "rec"), "--hall", HALL, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"{len(clips)} of {len(clips)} clips recorded for zhongshan at -16 LUFS; 0 said by espeak-ng" in said
    pack = VoicePack.load(out)
    assert not pack.problems and len(pack) == len(clips) and pack.recorded == hall_tokens(ZHONGSHAN)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["engine"] == "recorded" and manifest["missing"] == []
    assert {e["key"] for e in manifest["clips"]} == {c.key for c in clips}
    for entry in manifest["clips"]:  # read back by another decoder than the pack's own (libsndfile)
        data, rate = sf.read(str(out / entry["file"]), dtype="int16")
        info = sf.info(str(out / entry["file"]))
        assert rate == RATE and info.channels == 1 and info.subtype == "PCM_16"
        assert np.array_equal(data, pack.get(entry["lang"], entry["text"]))
    assert main(["voicepack", "check", "--hall", HALL, "--pack", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"recorded: {len(clips)} of {len(clips)} clips the hall needs" in said and "0 missing" in said


def test_silence_is_trimmed_to_a_few_ms(tmp_path, clips):
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(str(rec / "en.ticket.wav"), recording(seconds=0.7, pad=(0.9, 1.3), amp=0.4), RATE)
    sf.write(str(rec / "en.digit-1.wav"), recording(seconds=0.45, pad=(0.25, 0.05), kind="noise", amp=0.5), RATE)
    import_recordings(rec, clips, tmp_path / "pack")
    pack = VoicePack.load(tmp_path / "pack")
    for text, sound in (("Ticket", 0.7), ("1", 0.45)):
        got = len(pack.get("en", text)) / RATE
        assert abs(got - (sound + 2 * EDGE_SECONDS)) < 0.004, (text, got)


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_every_clip_is_brought_to_one_loudness(tmp_path, clips, target):
    record(tmp_path / "rec", clips)
    report = import_recordings(tmp_path / "rec", clips, tmp_path / "pack", lufs=target)
    assert not report.refused and len(report.recorded) == len(clips)
    pack = VoicePack.load(tmp_path / "pack")
    meter = pyloudnorm.Meter(RATE)
    levels = []
    for c in clips:
        x = pack.get(c.lang, c.text).astype(np.float64) / 32768.0
        assert len(x) > 0.4 * RATE  # long enough for R128's blocks: measured as it is
        levels.append(meter.integrated_loudness(x))
    assert max(abs(level - target) for level in levels) < 1.0, levels
    # the recordings were 25 dB apart
    assert max(report.lufs.values()) - min(report.lufs.values()) < 1.0


def test_a_short_clip_is_measured_looped(tmp_path):
    made = make_clip(recording(seconds=0.12, amp=0.05)[:, None], RATE, lufs=-16.0)
    assert len(made.samples) < 0.2 * RATE and abs(made.lufs + 16.0) < 1.0
    assert abs(loudness(np.tile(made.samples / 32768.0, 10), RATE) + 16.0) < 1.0


def test_a_48_khz_stereo_recording_is_resampled_and_mixed_down(tmp_path, clips):
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(str(rec / "en.please-go-to-window.flac"), recording(seconds=1.0, rate=48000, freq=500.0, channels=2),
             48000)
    report = import_recordings(rec, clips, tmp_path / "pack")
    (line,) = report.converted
    assert "en.please-go-to-window.flac" in line and "2 channels mixed to mono" in line
    assert "48000 Hz resampled to 22050 Hz" in line
    x = VoicePack.load(tmp_path / "pack").get("en", "please go to window")
    assert abs(len(x) / RATE - (1.0 + 2 * EDGE_SECONDS)) < 0.004
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    assert abs(np.argmax(spectrum) * RATE / len(x) - 500.0) < 3.0  # the same pitch at the new rate


def test_ogg_and_mp3_are_read(tmp_path, clips):
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(str(rec / "en.digit-2.ogg"), recording(rate=44100), 44100)
    sf.write(str(rec / "en.digit-3.mp3"), recording(rate=44100), 44100, format="MP3")
    report = import_recordings(rec, clips, tmp_path / "pack")
    assert set(report.recorded) == {"en.digit-2", "en.digit-3"} and not report.refused


def test_without_mp3_support_an_mp3_is_refused_with_a_sentence(tmp_path, clips, monkeypatch):
    import builtins
    import shutil

    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(str(rec / "en.digit-3.mp3"), recording(rate=44100), 44100, format="MP3")
    sf.write(str(rec / "en.digit-4.wav"), recording(), RATE)
    monkeypatch.setattr(sf, "available_formats", lambda: {"WAV": "WAV", "FLAC": "FLAC"})
    monkeypatch.setattr(shutil, "which", lambda name: None)
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "audioread" else real_import(name, *a, **k))
    report = import_recordings(rec, clips, tmp_path / "pack")
    (sentence,) = report.refused
    assert sentence.startswith("en.digit-3.mp3: MP3 needs ffmpeg")
    assert list(report.recorded) == ["en.digit-4"]


def test_a_missing_clip_is_said_by_espeak_ng_in_the_call(tmp_path, clips, capsys):
    record(tmp_path / "rec", clips, skip={"zh-Hans.号到", "en.digit-2"})
    out = tmp_path / "pack"
    assert main(["voicepack", "import", str(tmp_path / "rec"), "--hall", HALL, "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert "missing: zh-Hans.号到\tzh-Hans\t号到\t(said by espeak-ng)" in said
    assert "missing: en.digit-2\ten\t2\t(said by espeak-ng)" in said
    assert "2 said by espeak-ng" in said
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {m["key"] for m in manifest["missing"]} == {"zh-Hans.号到", "en.digit-2"}

    assert main(["voicepack", "check", "--hall", HALL, "--pack", str(out)]) == 1
    said = capsys.readouterr().out
    assert f"recorded: {len(clips) - 2} of {len(clips)} clips the hall needs" in said
    assert "missing: '号到' (zh-Hans), falls back to espeak-ng (record zh-Hans.号到)" in said

    pack = VoicePack.load(out)
    queued = []  # "请 A 零二三 号到 三 号窗口办理", then "Ticket A 0 2 3, please go to window 3"
    ann = Announcer(queued.append, config=ZHONGSHAN)
    ann.handle({"type": "welcome", "v": 1, "hall": "zhongshan", "role": "announcer", "seq": 1, "replay": False,
                "snapshot": {"recent_calls": []}}, NOW)
    (call,) = ann.handle({"type": "event", "seq": 2, "event": {
        "type": "ticket_called", "at": NOW, "window": 3,
        "ticket": {"id": "t2", "number": "A023", "service": "id-card", "class": "normal"}}}, NOW)
    assembler = Assembler(pack, EspeakEngine())
    speech = assembler.speech(list(call.phrases))
    segments = [(s.lang, s.text) for p in call.phrases for s in p.segments]
    assert ("zh-Hans", "号到") in segments and ("en", "2") in segments
    assert assembler.fallbacks == 2 and assembler.lost == 0  # one espeak-ng clip each
    assert assembler.hits == len(segments) - 2
    espeak = assembler.clip("zh-Hans", "号到")
    for clip in (pack.get("zh-Hans", "请"), pack.get("en", "Ticket"), espeak):  # recorded and espeak-ng, in it
        head = clip[200:264]
        windows = np.lib.stride_tricks.sliding_window_view(speech, len(head))
        assert (windows == head).all(axis=1).any()


def test_bad_input_one_sentence_each_and_the_rest_is_built(tmp_path, clips, capsys):
    rec = tmp_path / "rec"
    record(rec, clips, skip={"en.digit-1", "en.digit-5", "en.digit-6", "en.digit-7", "en.ticket",
                             "en.please-go-to-window"})
    (rec / "en.digit-1.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage" + bytes(range(256)) * 4)
    (rec / "en.digit-5.flac").write_bytes(b"\x00" * 3000)
    sf.write(str(rec / "en.digit-6.wav"), np.zeros(int(10 * 60 * 8000), dtype=np.int16), 8000)  # 10 minutes
    sf.write(str(rec / "en.digit-7.wav"), np.zeros(RATE, dtype=np.float32), RATE)  # silence
    sf.write(str(rec / "en.ticket.wav"), recording(rate=48000, channels=2), 48000)  # converted, said
    sf.write(str(rec / "en.plese-go-to-window.wav"), recording(), RATE)  # a typo: named for no phrase
    sf.write(str(rec / "en.digit-8.flac"), recording(), RATE)  # a second recording of en.digit-8
    (rec / "notes.txt").write_text("take 3 was best")
    out = tmp_path / "pack"
    started = time.perf_counter()
    assert main(["voicepack", "import", str(rec), "--hall", HALL, "--out", str(out)]) == 1
    assert time.perf_counter() - started < 20
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.out.splitlines()

    def line(start):
        found = [x for x in lines if x.startswith(start)]
        assert len(found) == 1, (start, lines)
        return found[0]

    assert "not a readable audio file" in line("refused: en.digit-1.wav: ")
    assert "record or export it again" in line("refused: en.digit-5.flac: ")
    assert f"600 s long; a clip is at most {MAX_SECONDS:.0f} s" in line("refused: en.digit-6.wav: ")
    assert "silent" in line("refused: en.digit-7.wav: ")
    assert "2 channels mixed to mono; 48000 Hz resampled to 22050 Hz" in line("converted: en.ticket.wav: ")
    assert "did you mean en.please-go-to-window.wav?" in line("unused: en.plese-go-to-window.wav: ")
    assert "another recording of en.digit-8 is used (en.digit-8.wav)" in line("unused: en.digit-8.flac: ")
    assert "not a recording" in line("unused: notes.txt: ")
    for key in ("en.digit-1", "en.digit-5", "en.digit-6", "en.digit-7", "en.please-go-to-window"):
        assert line(f"missing: {key}\t").endswith("(said by espeak-ng)")
    assert f"{len(clips) - 5} of {len(clips)} clips recorded" in lines[-1]
    assert "5 said by espeak-ng; 4 files refused; 3 files unused" in lines[-1]

    pack = VoicePack.load(out)  # the rest is there and whole
    assert not pack.problems and len(pack) == len(clips) - 5 and pack.get("en", "Ticket") is not None
    assert main(["voicepack", "check", "--hall", HALL, "--pack", str(out)]) == 1
    said = capsys.readouterr().out
    assert "en: 5 missing, said by espeak-ng meanwhile" in said


def test_an_empty_file_and_an_absurd_sample_rate_are_refused(tmp_path, clips):
    rec = tmp_path / "rec"
    rec.mkdir()
    sf.write(str(rec / "en.digit-0.wav"), np.zeros(0, dtype=np.int16), RATE)
    sf.write(str(rec / "en.digit-1.wav"), recording(rate=RATE), RATE)
    data = bytearray((rec / "en.digit-1.wav").read_bytes())
    data[24:28] = (1000).to_bytes(4, "little")  # the header says 1000 Hz
    (rec / "en.digit-1.wav").write_bytes(bytes(data))
    sf.write(str(rec / "en.digit-2.wav"), recording(), RATE)
    report = import_recordings(rec, clips, tmp_path / "pack")
    assert report.refused == [
        "en.digit-0.wav: empty: nothing to use; it is said by espeak-ng until recorded again",
        "en.digit-1.wav: its header says 1000 Hz, no recording's rate (4000-768000 Hz): record or export it again"]
    assert list(report.recorded) == ["en.digit-2"]


def test_nothing_to_import_is_a_sentence(tmp_path, clips, capsys):
    assert main(["voicepack", "import", str(tmp_path / "nowhere"), "--hall", HALL,
                 "--out", str(tmp_path / "p")]) == 1
    assert "no folder of recordings" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["voicepack", "import", str(tmp_path / "empty"), "--hall", HALL, "--out", str(tmp_path / "p")]) == 1
    assert f"0 of {len(clips)} clips recorded" in capsys.readouterr().out
    assert len(VoicePack.load(tmp_path / "p")) == 0  # a pack all of whose words espeak-ng says
    assert main(["voicepack", "import", str(tmp_path / "empty"), "--hall", HALL, "--out", str(tmp_path / "p"),
                 "--lufs", "3"]) == 2


def test_mp3_by_ffmpeg_or_audioread_when_libsndfile_cannot(tmp_path, clips, monkeypatch):
    import shutil
    import sys
    import types

    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "en.digit-3.mp3").write_bytes(b"ID3 not really")
    tone = recording(seconds=0.5)
    fake = tmp_path / "ffmpeg"  # prints the decoded samples, as `ffmpeg -f f32le -` does
    np.save(tmp_path / "tone.npy", tone)
    fake.write_text(f"#!{sys.executable}\nimport sys, numpy\n"
                    f"sys.stdout.buffer.write(numpy.load({str(tmp_path / 'tone.npy')!r}).astype('<f4').tobytes())\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sf, "available_formats", lambda: {"WAV": "WAV"})
    monkeypatch.setattr(shutil, "which", lambda name: str(fake) if name == "ffmpeg" else None)
    monkeypatch.setitem(sys.modules, "audioread", None)  # not installed
    report = import_recordings(rec, clips, tmp_path / "pack")
    assert list(report.recorded) == ["en.digit-3"] and not report.refused

    class Opened:  # audioread's file: 16-bit buffers, rate, channels, duration
        samplerate, channels, duration = 16000, 2, 0.9

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def __iter__(self):
            x = (recording(seconds=0.5, rate=16000, channels=2) * 32767).astype("<i2")
            yield x.tobytes()

    monkeypatch.setitem(sys.modules, "audioread", types.SimpleNamespace(audio_open=lambda path: Opened()))
    report = import_recordings(rec, clips, tmp_path / "pack2")
    assert list(report.recorded) == ["en.digit-3"] and not report.refused
    assert "2 channels mixed to mono; 16000 Hz resampled to 22050 Hz" in report.converted[0]
    Opened.duration = 600.0
    report = import_recordings(rec, clips, tmp_path / "pack3")
    assert "600 s long" in report.refused[0]


def test_the_announcer_speaks_a_call_from_an_imported_pack(tmp_path, clips, monkeypatch):
    """`signage announce`'s service on a recorded pack with two clips missing: they are made by
    espeak-ng once at start, as loud as the recordings, and the call is written (no sound card)."""
    from test_audio_player import FlakyMixer

    from audio import service
    from audio.outputs import MixerOutput
    from audio.pcm import read_wav

    record(tmp_path / "rec", clips, skip={"zh-Hans.号到", "en.digit-2"})
    import_recordings(tmp_path / "rec", clips, tmp_path / "pack", lufs=-20.0, halls=["zhongshan"])
    monkeypatch.setattr(service, "MixerOutput", lambda **kw: MixerOutput(FlakyMixer(failures=10**6), **kw))
    voice = service.start_announcer(ZHONGSHAN, pack_dir=tmp_path / "pack", wav_dir=tmp_path / "wavs")
    try:
        assert voice.assembler.pack.recorded and voice.assembler.fallbacks == 2  # warmed: the two missing
        voice.handle({"type": "welcome", "v": 1, "hall": "zhongshan", "role": "announcer", "seq": 1,
                      "replay": False, "snapshot": {"recent_calls": []}})
        voice.handle({"type": "event", "seq": 2, "event": {
            "type": "ticket_called", "at": time.time(), "window": 3,
            "ticket": {"id": "t2", "number": "A023", "service": "id-card", "class": "normal"}}})
        assert voice.player.wait_idle(60)
    finally:
        voice.stop()
    assert voice.assembler.fallbacks == 2 and voice.assembler.lost == 0 and voice.assembler.hits > 10
    (wav,) = (tmp_path / "wavs").glob("*.wav")
    samples, rate = read_wav(wav.read_bytes())
    assert rate == RATE and len(samples) > 3 * RATE
    for lang, text in (("zh-Hans", "号到"), ("en", "2")):  # espeak-ng at the recordings' loudness
        assert abs(loudness(voice.assembler.clip(lang, text) / 32768.0, RATE) + 20.0) < 1.0
