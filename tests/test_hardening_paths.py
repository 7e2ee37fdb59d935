"""Files named by the hall: inside its folder, regular, bounded; checked by validate and again when opened.

The cases of the issue: an absolute path, a path that goes up with ``..``, a
symbolic link out of the folder, a FIFO (which used to hang ``signage
preview`` for ever), a file too large; plus folders, pictures too large once
decoded and theme fonts, which follow the same rules.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import zlib
from pathlib import Path
from typing import Any, Callable

import pygame
import pytest

from hub_harness import LAYOUTS
from signage.cli import main
from signage.config import load_hall
from signage.config.assets import (MAX_FONT_BYTES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, AssetError, check_file,
                                   font_file, image_size, read_image)
from signage.display.preview import render_preview

BASE = (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")
TICKER = "      - {widget: ticker, rect: [0, 92, 100, 8]}\n"
LINE = BASE.splitlines().index(TICKER.rstrip("\n")) + 1  # the first ticker: it becomes the picture
WHERE = f"hall.yaml:{LINE}: screens[0].regions[4].options.path"
RED = (200, 30, 30)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_links = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


def png(path: Path, size: tuple[int, int] = (200, 100)) -> Path:
    picture = pygame.Surface(size)
    picture.fill(RED)
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(picture, str(path))
    return path


def hall(folder: Path, image: str | None = None, font: str | None = None) -> Path:
    """The sample hall in ``folder``, its main screen's ticker turned into a picture of ``image``."""
    text = BASE
    if image is not None:
        text = text.replace(TICKER, f"      - {{widget: image, rect: [0, 92, 100, 8], options: {{path: '{image}'}}}}\n", 1)
    if font is not None:
        text = text.replace("\nscreens:\n", "\nthemes:\n  mine:\n    background: '#000000'\n    panel: '#111111'\n"
                            "    text: '#ffffff'\n    muted: '#bbbbbb'\n    accent: '#ffcc00'\n    highlight: '#ffee88'\n"
                            f"    warning: '#ff6666'\n    font: '{font}'\n\nscreens:\n", 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hall.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    return [str(p).replace(str(path), "hall.yaml") for p in load_hall(path).problems if "options.path" in p.path
            or p.path.endswith(".font")]


def finishes(fn: Callable[[], Any], seconds: float = 10.0) -> Any:
    """``fn()``, or a failure if it has not returned within ``seconds`` (a FIFO opened for reading waits)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still waiting after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture(autouse=True)
def _pygame() -> None:
    if not pygame.get_init():
        pygame.display.init()


# --- validate -----------------------------------------------------------------------------

def test_a_picture_in_the_folder_or_below_is_fine(tmp_path: Path) -> None:
    png(tmp_path / "images" / "logo.png")
    assert problems(hall(tmp_path, "images/logo.png")) == []
    png(tmp_path / "logo.png")
    assert problems(hall(tmp_path, "logo.png")) == []


def test_a_missing_picture_is_a_warning(tmp_path: Path) -> None:
    assert problems(hall(tmp_path, "logo.png")) == [
        f'{WHERE}: warning: no file "logo.png" next to the hall file (paths are relative to it)']


def test_an_absolute_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hall(tmp_path, "/etc/hostname")
    assert problems(path) == [
        f'{WHERE}: "/etc/hostname" is an absolute path: name a file in the hall file\'s folder, '
        "relative to it (e.g. logo.png or images/logo.png)"]
    assert main(["validate", str(path)]) == 1
    assert "INVALID hall file" in capsys.readouterr().err
    for name in ("C:/logo.png", "~/logo.png"):
        assert "is an absolute path" in problems(hall(tmp_path, name))[0]


def test_going_up_is_refused(tmp_path: Path) -> None:
    png(tmp_path / "outside.png")
    assert problems(hall(tmp_path / "hall", "../outside.png")) == [
        f'{WHERE}: "../outside.png" goes up out of the hall file\'s folder (..): keep the file in the folder, '
        "or a folder inside it, and name it from there"]
    assert "goes up out of" in problems(hall(tmp_path / "hall", "images/../../outside.png"))[0]
    assert "write / between folders" in problems(hall(tmp_path / "hall", "images\\logo.png"))[0]


@needs_links
def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    secret = png(tmp_path / "elsewhere" / "secret.png")
    folder = tmp_path / "hall"
    folder.mkdir()
    (folder / "logo.png").symlink_to(secret)
    [problem] = problems(hall(folder, "logo.png"))
    assert problem.startswith(f'{WHERE}: "logo.png" is a link to {secret.resolve()}, outside the hall file\'s folder')
    assert problem.endswith("(copy the file into the folder instead of linking to it)")
    # A folder linked out of it, too.
    (folder / "images").symlink_to(secret.parent)
    assert "outside the hall file's folder" in problems(hall(folder, "images/secret.png"))[0]
    # A link that stays inside is fine.
    png(folder / "real" / "logo.png")
    (folder / "inside.png").symlink_to(Path("real") / "logo.png")
    assert problems(hall(folder, "inside.png")) == []


@needs_fifo
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "logo.png")
    path = hall(tmp_path, "logo.png")
    assert finishes(lambda: problems(path)) == [
        f'{WHERE}: "logo.png" is a FIFO (named pipe), not a file (name a picture file)']


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "logo.png").mkdir()
    assert problems(hall(tmp_path, "logo.png")) == [f'{WHERE}: "logo.png" is a folder, not a file (name a picture file)']


def test_a_picture_too_large_is_refused(tmp_path: Path) -> None:
    with open(tmp_path / "logo.png", "wb") as f:
        f.truncate(MAX_IMAGE_BYTES + 1)  # sparse: costs no disk
    assert problems(hall(tmp_path, "logo.png")) == [
        f'{WHERE}: "logo.png" is 8.0 MiB; a picture is at most 8.0 MiB (make it smaller)']


def huge_png(path: Path, w: int, h: int) -> Path:
    """A small file whose header says w x h (what a decompression bomb looks like before decoding)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
                     + struct.pack(">I", zlib.crc32(chunk)) + b"\0" * 64)
    return path


def test_a_picture_too_large_once_decoded_is_refused(tmp_path: Path) -> None:
    huge_png(tmp_path / "logo.png", 20000, 20000)
    assert problems(hall(tmp_path, "logo.png")) == [
        f'{WHERE}: "logo.png" is 20000 x 20000 pixels; a picture is at most {MAX_IMAGE_PIXELS:,} pixels '
        "(4096 x 4096): scale it down"]


def test_image_sizes_are_read_from_headers(tmp_path: Path) -> None:
    for ext in ("png", "bmp", "jpg"):
        picture = pygame.Surface((321, 123))
        pygame.image.save(picture, str(tmp_path / f"p.{ext}"))
        assert image_size((tmp_path / f"p.{ext}").read_bytes()) == (321, 123), ext
    assert image_size(b"GIF89a" + struct.pack("<HH", 640, 480)) == (640, 480)
    assert image_size(b"not a picture") is None
    assert image_size(b"\x89PNG\r\n\x1a\n") is None


def test_theme_fonts_follow_the_same_rules(tmp_path: Path) -> None:
    assert "is an absolute path" in problems(hall(tmp_path, font="/usr/share/fonts/x.ttc"))[0]
    assert "goes up out of" in problems(hall(tmp_path, font="../fonts/x.ttc"))[0]
    (tmp_path / "font.ttc").write_bytes(b"\0" * 100)
    assert problems(hall(tmp_path, font="font.ttc")) == []
    with open(tmp_path / "big.ttc", "wb") as f:
        f.truncate(MAX_FONT_BYTES + 1)
    [problem] = problems(hall(tmp_path, font="big.ttc"))
    assert problem.endswith('themes.mine.font: "big.ttc" is 64.0 MiB; a font is at most 64.0 MiB '
                            "(use a single font file, not a collection)")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.ttf")
        assert "is a FIFO (named pipe), not a file" in finishes(lambda: problems(hall(tmp_path, font="pipe.ttf")))[0]
        with pytest.raises(AssetError, match="FIFO"):
            finishes(lambda: font_file(tmp_path, "pipe.ttf"))


def test_the_sample_halls_name_no_file_they_may_not() -> None:
    for path in sorted(LAYOUTS.glob("*.yaml")):
        if path.name.endswith(".traffic.yaml") or "tokens" in path.name:
            continue
        assert not load_hall(path).errors, path


# --- when the file is opened -----------------------------------------------------------------

def test_read_image_checks_again(tmp_path: Path) -> None:
    png(tmp_path / "logo.png")
    assert read_image(tmp_path, "logo.png")[:4] == b"\x89PNG"
    for name, words in [("/etc/hostname", "absolute path"), ("../x.png", "goes up"), ("nope.png", "no file")]:
        with pytest.raises(AssetError, match=words):
            read_image(tmp_path, name)
    with open(tmp_path / "big.png", "wb") as f:
        f.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(AssetError, match="at most 8.0 MiB"):
        read_image(tmp_path, "big.png")
    with pytest.raises(AssetError, match="pixels"):
        read_image(tmp_path, huge_png(tmp_path / "huge.png", 9000, 9000).name)


def red(surface: pygame.Surface) -> int:
    near = lambda c: abs(c[0] - RED[0]) < 12 and abs(c[1] - RED[1]) < 12 and abs(c[2] - RED[2]) < 12  # noqa: E731
    return sum(1 for x in range(0, surface.get_width(), 8) for y in range(0, surface.get_height(), 8)
               if near(surface.get_at((x, y))))


@needs_fifo
def test_preview_never_opens_a_fifo_put_there_after_validation(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = hall(tmp_path, "logo.png")
    png(tmp_path / "logo.png")
    config = load_hall(path).config  # valid: the picture is a picture
    assert config is not None
    assert red(render_preview(config, "main", base_dir=tmp_path).canvas) > 100
    (tmp_path / "logo.png").unlink()
    os.mkfifo(tmp_path / "logo.png")  # ... and now it is a FIFO
    with caplog.at_level(logging.WARNING):
        canvas = finishes(lambda: render_preview(config, "main", base_dir=tmp_path).canvas)
    assert red(canvas) == 0  # the name is shown instead
    assert any("is a FIFO (named pipe), not a file" in r.getMessage() for r in caplog.records)


@needs_links
def test_preview_never_follows_a_link_out_put_there_after_validation(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "hall"
    path = hall(folder, "logo.png")
    png(folder / "logo.png")
    config = load_hall(path).config
    (folder / "logo.png").unlink()
    (folder / "logo.png").symlink_to(png(tmp_path / "secret.png"))
    with caplog.at_level(logging.WARNING):
        canvas = render_preview(config, "main", base_dir=folder).canvas
    assert red(canvas) == 0
    assert any("outside the hall file's folder" in r.getMessage() for r in caplog.records)


@needs_fifo
def test_signage_preview_of_a_hall_naming_a_fifo_ends(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tmp_path / "logo.png")
    path = hall(tmp_path, "logo.png")
    code = finishes(lambda: main(["preview", str(path), "--screen", "main", "--out", str(tmp_path / "out.png")]))
    assert code == 1
    assert 'is a FIFO (named pipe), not a file' in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


@needs_fifo
def test_a_theme_font_that_became_a_fifo_is_not_opened(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = hall(tmp_path, font="font.ttf")
    config = load_hall(path).config
    assert config is not None
    config = config.model_copy(update={"screens": [s.model_copy(update={"theme": "mine"}) for s in config.screens]})
    os.mkfifo(tmp_path / "font.ttf")
    with caplog.at_level(logging.WARNING):
        finishes(lambda: render_preview(config, "main", base_dir=tmp_path))
    assert any("is a FIFO" in r.getMessage() and "bundled CJK font" in r.getMessage() for r in caplog.records)


def test_a_picture_with_no_folder_is_looked_for_in_the_current_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    png(tmp_path / "logo.png")
    monkeypatch.chdir(tmp_path)
    assert read_image(None, "logo.png")[:4] == b"\x89PNG"
    assert check_file(tmp_path, "logo.png") is None


def test_the_file_watcher_never_blocks_on_a_fifo_or_a_huge_file(tmp_path):
    """A watched hall file replaced by a FIFO would block the hub's whole event loop on read."""
    import os

    from server.hub.watch import WATCH_LIMIT, digest

    fifo = tmp_path / "hall.yaml"
    os.mkfifo(fifo)
    assert digest(fifo) is None  # returns at once: no writer, never read
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(WATCH_LIMIT + 1)
    assert digest(big) is None
    small = tmp_path / "ok.yaml"
    small.write_text("format: 1\n")
    assert digest(small) is not None and digest(small) == digest(small)
