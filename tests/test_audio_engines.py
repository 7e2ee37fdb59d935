"""Engines: espeak-ng for real; gTTS only against a fake of its endpoint on 127.0.0.1.

No test here may reach the internet: the ``no_internet`` fixture refuses any
connection that is not to the loopback address (and records where it went).
"""

import base64
import json
import re
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from audio import RATE
from audio.engines import DiskCache, EspeakEngine, GttsEngine, decode_audio, make_engine
from audio.errors import EngineError
from audio.pcm import prepare_clip, read_wav
from audio.phrases import hall_tokens
from audio.voicepack import VoicePack, build_pack

# A 0.4 s, 440 Hz tone, 24 kHz mono MP3 (32 kbit/s), made once with LAME: what
# Google's endpoint answers is an MP3 like this one, base64 in a JSON line.
TONE_MP3 = base64.b64decode("".join([
        "//NAxAATeKosAVtIAYmpmWzQBuMCAgxYeMcCAaNmhGxhwmai/nO1J0cebafmFgRkBQZAGCQGgnLJ",
        "oA1jsTa+5bvgYBAEBQKBQSIECNGjRo5h4YAAAAAB4eHj9FhQqBeo4YA4XLwmA0D/80LEDRcIwlAB",
        "nngAtmFmFCZIqdJhUg5GccK0Y2QKBnSd/GgOG6YCAGxtHgPGFYBYZ6YzBg9AuvmGKHIws4DaLSX7",
        "Fts9qSKJr//pr+M9gQdKZEKne7KgIs3/i1W8wswAQAFBAAKFAET/80DEDBc4kigB3xAAMC5A0jA1",
        "RFgwaMNSMN1BYjClRloyScfIPNrTFzJghz8IGUDAgwGowOkEOMCLAIzAWAEkwCkAsMABAEQcAU4Z",
        "d//31KI0Mf0ZfV+63//7v//U3rdyCSUAAwvE2//zQsQKEAiSJAD3xEwCALgEAYwB0AQMBwAVz6RE",
        "qQwSIAVBwDcLADKcTVn7ldzf//i9d35Sr/s/t/7vf9P11/uu2fRVxWSCkgOpgbImkAQBYwAAAHMA",
        "cAEzAbwGI+dtT7OQhoFG0SDScP/zQMQlD1hWJAB/+CS1eBJRd19BTFU/27fpr/q/6PR/+yxtmn1q",
        "zjMJIgdjA8hMcwAIAXMADACDAHQBQwG4BvPlgXODjwfAxqEgqmc1GB5u4d+8+xd3Tq/+z+3R+737",
        "f9fq//oq1jq7//NCxEIPkFIkAH/4JAUQAAmIal0YAoCxgBAEmAOAC5gNoD0fGqyumCNgEgCAaQ4A",
        "WTNalFJi7r//wmWY/9dSv87/Zp/d7tmz6tVXf7Ppx1utBI6AAYkiV5gDALmAKAQYA6AMGA2AQ58H",
        "//NAxF8RAJIkAPfETA21GCLAFJgGoAAHACqXTQYvN1sf//D6LujVX/ff/bo/d/7Pr/3X7foqyxyq",
        "wEMABmLWqQYB4DhgFAHmATAEZgP4FQf6PC+mCfgHBgHwAOEAESBrFoEmJnL9f7z/80LEdhDQkiQA",
        "98RMJpa/8rr/3K/Zpq93s27PqqX993b/Rccqs1AI6AEYwimpgIAOmAWAcYBOASGA+AWp/N0dMYJ0",
        "AfmAegBAQAOojM1gebrY/p/aH0Tv5apX7r12+3/W72/Z9da/tv3/80DEjhHokiAA98RMnp6fqcsa",
        "1WAhgAMxnVIDATAcMAwA8wCYApMB7AwD9hZb0wTUBCMA8ACwcAPIis2kExVy/X+8FpY/pytav9yv",
        "2a/rd57Zs+rUu/Pe1np0Vscsa0AjIARjaKGmAv/zQsShEnCSIAD3xEyANmAaAcYBOAVGA8AZp+RE",
        "94YJgAjmAdgBgKAHUKmayObrY/p/wdpS78tr/feuz26vrd7tuz69W/db/9P1Vcsa1WAhQAExy09D",
        "AZAaMA4A8wCYAtMB3A1j7eaas//zQMSzEriSIAD3xEwErATDAOAA8FADSFLNpBQVcv1/rBWLae6N",
        "Gv/OK/Zrr63e/7PlKe/+z+lCxyxpoBGQADHgTdMBoBswDwDjAJwC4wHQDhPpWrhDBJAFEwDcAQAw",
        "AygOZLI7tNj+//NCxMMSSJIgAPfETJ/eFtVd+mtX7rV/t/1u92zZ8vKr+27b6Eaa+qpMQU1Fqqqt",
        "Vmo63IQACmPumEYCoDBgEAImAPAGJgN4HYfJHammCOgKxgGgAmBgBZDVxr0ukM/gqK7M/aGyrH/o",
        "//NAxNUSKJIgAPfETKlfvsV+zR9f3/Z8pVV56/+hOioSAGhYAYMAPADwQATGAYAEhgAgAEYQsGbm",
        "DfAUxgWoD+YPMESGJmnE5ykTisZw2L5mDSBBhgM4G+YDYBdGAJgQZgA4BsYAWAH/80LE5xLQkiAA",
        "98RMxe0iABwUAEFky5iO6dytouI/ilKcsBcy2GGmD+TqiWU2qFerFOvtzC+cXbgzvIDfJK+ixokd",
        "+8hyS2rPNEvSHIJg2BAcCwsGjQONFg4aAgWFw4aAgkFVmjUVgWv/80DE8RMQkiAA98RMFRVGvS5j",
        "EuLrWoz6f/TVAANZhJlIGAwA6YAAVeWJrnjQnzXWkY4hSJkFGh3Kp21GzmjeK+Ysw8hkTh2cpj0o",
        "I0guARoYMHkoAYKCVs+GKgL3zCWoCAQAA//srf/zQsT/LIk2JAFfeABTtPWI0prz/c//9yIpD+sJ",
        "VGpmMxn///p43bllSkzrZZflW3////+t5554WOfjVZEXyiwcYHXNO8S/11nicdOa//1pNExBTUU0",
        "LjCqqqqqqqqqqqqqqqqqqqqqqv/zQMSoI/l+FAGe2ACqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "qqqqqqqqqqqq//NCxHMAAANIAcAAAKqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
]))
TONE_HZ = 440.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def no_internet(monkeypatch):
    """Refuse every connection that is not to this machine; list the refused hosts."""
    import urllib3.util.connection as conn

    refused: list[str] = []
    real = conn.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in LOOPBACK:
            refused.append(host)
            raise ConnectionRefusedError(f"test guard: no internet ({host})")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(conn, "create_connection", guarded)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return refused


class FakeGoogle:
    """A stand-in for translate.google.com's batchexecute endpoint.

    Answers like the real one (a JSON line holding the base64 MP3), records
    what was asked, and can be told to fail the first ``fail`` requests.
    """

    def __init__(self, fail: int = 0, status: int = 500) -> None:
        self.asked: list[tuple[str, str]] = []
        self.fail = fail
        self.status = status
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                freq = urllib.parse.parse_qs(body)["f.req"][0]
                rpc = json.loads(freq)[0][0]
                text, lang = json.loads(rpc[1])[:2]
                fake.asked.append((text, lang))
                if fake.fail > 0:
                    fake.fail -= 1
                    self.send_response(fake.status)
                    self.end_headers()
                    return
                audio = base64.b64encode(TONE_MP3).decode()
                line = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None, "generic"]],
                                  separators=(",", ":"))
                payload = f")]}}'\n\n{len(line)}\n{line}\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/_/TranslateWebserverUi/data/batchexecute"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_google(no_internet):
    fake = FakeGoogle()
    yield fake
    fake.close()


@pytest.fixture
def black_hole():
    """A port that accepts connections (the kernel does) and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"http://127.0.0.1:{s.getsockname()[1]}/_/TranslateWebserverUi/data/batchexecute"
    s.close()


def dominant_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


# --- espeak-ng, for real ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang, text", [("zh-Hans", "请 A 零二三 号到 三号窗口 办理"),
                                        ("en", "Ticket A 0 2 3, please go to window 3"),
                                        ("yue", "請 A 零二三 號到 十二號窗口辦理")])
def test_espeak_speaks_every_voice_language(lang, text):
    samples, rate = EspeakEngine().synthesize(text, lang)
    assert rate == RATE
    assert samples.dtype == np.float32
    seconds = len(samples) / rate
    assert 1.0 < seconds < 8.0
    assert np.abs(samples).max() > 0.1


def test_espeak_reads_more_digits_for_longer():
    e = EspeakEngine()
    one = e.synthesize("零", "zh-Hans")[0]
    three = e.synthesize("零 二 三", "zh-Hans")[0]
    assert len(three) > 2 * len(prepare_clip(one, RATE))


def test_espeak_is_safe_from_many_threads():
    e = EspeakEngine()
    texts = [("zh-Hans", "十二"), ("en", "please go to window"), ("yue", "號窗口辦理"), ("zh-Hans", "请")]
    alone = {t: e.synthesize(t[1], t[0])[0] for t in texts}
    results: dict = {}

    def work(i: int) -> None:
        lang, text = texts[i % len(texts)]
        results[i] = (texts[i % len(texts)], e.synthesize(text, lang)[0])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 16
    for key, samples in results.values():
        # The same words, never a mix of two (espeak-ng varies by a few samples run to run).
        assert abs(len(samples) - len(alone[key])) < 0.03 * len(alone[key])


def test_espeak_refuses_unknown_languages_and_survives_odd_text():
    e = EspeakEngine()
    with pytest.raises(EngineError):
        e.synthesize("hello", "klingon")
    samples, _ = e.synthesize("\x00\x1b[31m<speak>x</speak>", "en")  # control characters dropped
    assert len(samples) > 0
    assert len(e.synthesize("   ", "en")[0]) == 0


def test_make_engine():
    assert make_engine("espeak").name == "espeak"
    assert make_engine("gtts").name == "gtts"
    with pytest.raises(EngineError):
        make_engine("festival")


# --- decoding ------------------------------------------------------------------------------------------

def test_decode_mp3_and_wav():
    x, rate = decode_audio(TONE_MP3)
    assert 0.35 < len(x) / rate < 0.6
    assert abs(dominant_hz(x, rate) - TONE_HZ) < 15
    from audio.pcm import wav_bytes

    y, r2 = decode_audio(wav_bytes((np.ones(100) * 1000).astype(np.int16), 16000))
    assert r2 == 16000 and len(y) == 100
    with pytest.raises(EngineError):
        decode_audio(b"not audio at all" * 10)


# --- gTTS against the fake --------------------------------------------------------------------------------

def test_gtts_asks_the_endpoint_and_decodes(fake_google, tmp_path):
    engine = GttsEngine(endpoint=fake_google.url, cache=DiskCache(tmp_path))
    samples, rate = engine.synthesize("号窗口办理", "zh-Hans")
    assert fake_google.asked == [("号窗口办理", "zh-CN")]
    assert abs(dominant_hz(samples, rate) - TONE_HZ) < 15
    engine.synthesize("Ticket", "en")
    engine.synthesize("請", "yue")
    assert fake_google.asked[1:] == [("Ticket", "en"), ("請", "yue")]


def test_gtts_cache_is_keyed_by_engine_language_and_text(fake_google, tmp_path):
    cache = DiskCache(tmp_path)
    engine = GttsEngine(endpoint=fake_google.url, cache=cache)
    first = engine.fetch("三", "zh-Hans")
    again = GttsEngine(endpoint=fake_google.url, cache=cache).fetch("三", "zh-Hans")
    assert first == again == TONE_MP3
    assert len(fake_google.asked) == 1                      # the second came from the cache
    engine.fetch("三", "yue")                               # another language: asked again
    assert len(fake_google.asked) == 2
    assert cache.path("gtts", "zh-Hans", "三") != cache.path("espeak", "zh-Hans", "三")
    assert not list(tmp_path.rglob("*.part"))                # no half-written answers left


def test_gtts_retries_with_backoff(no_internet, tmp_path):
    fake = FakeGoogle(fail=2)
    waits: list[float] = []
    try:
        engine = GttsEngine(endpoint=fake.url, retries=3, backoff=0.5, sleep=waits.append)
        assert engine.fetch("号到", "zh-Hans") == TONE_MP3
    finally:
        fake.close()
    assert len(fake.asked) == 3 and waits == [0.5, 1.0]


def test_gtts_gives_up_after_its_retries(no_internet):
    fake = FakeGoogle(fail=10, status=503)
    try:
        engine = GttsEngine(endpoint=fake.url, retries=2, sleep=lambda s: None)
        with pytest.raises(EngineError, match="after 2 attempts"):
            engine.fetch("号到", "zh-Hans")
    finally:
        fake.close()


def test_gtts_times_out_on_a_black_hole(no_internet, black_hole):
    """Bounded: gTTS's own default would wait forever (and this test with it, until pytest's timeout);
    each attempt gives up at its timeout, and the error comes after the last one."""
    engine = GttsEngine(endpoint=black_hole, timeout=(0.3, 0.3), retries=2, sleep=lambda s: None)
    with pytest.raises(EngineError, match="after 2 attempts"):
        engine.fetch("号到", "zh-Hans")


def test_gtts_never_reaches_google_in_tests(no_internet):
    engine = GttsEngine(retries=1, timeout=(0.5, 0.5))  # the real endpoint: the guard stops it
    with pytest.raises(EngineError):
        engine.fetch("号到", "zh-Hans")
    assert no_internet and all(re.match(r"translate\.google\.", h) for h in no_internet)


def test_pack_built_by_gtts_from_the_fake(fake_google, tmp_path):
    from pathlib import Path

    from signage.config import load_hall

    config = load_hall(Path(__file__).resolve().parent.parent / "layouts" / "zhongshan.yaml").config
    tokens = sorted(hall_tokens(config))[:12]
    report = build_pack(tokens, GttsEngine(endpoint=fake_google.url, cache=DiskCache(tmp_path / "cache")),
                        tmp_path / "pack", halls=[config.hall.id])
    assert report.clips == 12 and not report.failed
    pack = VoicePack.load(tmp_path / "pack")
    assert pack.engine == "gtts" and not pack.missing(tokens)
    clip = pack.get(*tokens[0])
    assert abs(dominant_hz(clip.astype(np.float32), RATE) - TONE_HZ) < 15  # resampled to 22.05 kHz, same pitch
    samples, rate = read_wav((tmp_path / "pack" / "manifest.json").parent.joinpath(
        json.loads((tmp_path / "pack" / "manifest.json").read_text())["clips"][0]["file"]))
    assert rate == RATE and len(samples) == len(pack.get(*tokens[0]))
