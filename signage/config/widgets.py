"""Options each widget accepts in a screen region (``regions[].options``).

Kept apart from the pygame code so that validating a hall never needs a
display. The renderer reads the same models, so a default lives in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .values import HallFileName, Int, Lang, Num, Slug, Strict, Text


class CallBannerOptions(Strict):
    highlight_seconds: Num = Field(10, ge=1, le=120, description="how long a new call stays highlighted")
    show_arrow: bool = True
    floors: list[str] | None = Field(
        None, min_length=1, description="floor ids: only the calls to windows on these floors (default: every floor)")
    languages: list[Lang] | Literal["turn"] | None = Field(
        None, description="the languages shown together, in this order (default: every language of the screen, "
                          "in the hall's order); turn: only the language of the screen's turn")


class RecentCallsOptions(Strict):
    count: Int = Field(6, ge=1, le=30)
    show_arrow: bool = Field(True, description="the way to each window for this screen's reader, where it fits")
    floors: list[str] | None = Field(
        None, min_length=1, description="floor ids: only the calls to windows on these floors (default: every floor)")


class WindowBoardOptions(Strict):
    windows: list[Int] | None = Field(None, description="default: every window (or the strip's own)")
    columns: Int | None = Field(None, ge=1, le=8)
    floors: list[str] | None = Field(
        None, min_length=1, description="floor ids: only the windows on these floors (default: every floor)")
    page_seconds: Num | None = Field(
        None, ge=3, le=300, description="how long a page stays when not every window fits at the minimum size "
                                        "(default: the screen's rotate_seconds times its languages)")


class WaitingBoardOptions(Strict):
    services: list[Slug] | None = None
    page_seconds: Num | None = Field(
        None, ge=3, le=300, description="how long a page stays when not every service fits at the minimum size "
                                        "(default: the screen's rotate_seconds times its languages)")


class ProcessGuideOptions(Strict):
    services: list[Slug] | None = None
    rotate_seconds: Num = Field(15, ge=3, le=300)
    show_qr: bool = True


class TickerOptions(Strict):
    speed: Num = Field(120, gt=0, le=2000, description="pixels per second at 1080 lines")
    kinds: list[Literal["civility", "notice", "policy"]] | None = None


class ClockOptions(Strict):
    show_date: bool = True
    show_seconds: bool = False
    hour_cycle: Literal[12, 24] | None = Field(
        None, description="12 (2:05 PM) or 24 (14:05) hours; default: as the screen's language writes the time")


class TextOptions(Strict):
    text: Text
    align: Literal["left", "center", "right"] = "center"


class ImageOptions(Strict):
    path: HallFileName = Field(description="a picture (PNG, JPEG, GIF, BMP) in the hall file's folder, relative to it")
    fit: Literal["contain", "cover"] = "contain"


class QrOptions(Strict):
    data: str
    caption: Text | None = None


class MapOptions(Strict):
    floor: str | None = Field(None, description="default: the screen's floor")
    animate_route: bool = True
    orientation: Literal["heads-up", "north-up"] = Field(
        "heads-up", description="heads-up: what is ahead of the screen's reader is up (in quarter turns)")


class DirectoryOptions(Strict):
    cycle_seconds: Num = Field(10, ge=3, le=120)
    hold_seconds: Num = Field(30, ge=3, le=600, description="after a tap, the item tapped stays this long")
    show_map: bool = Field(True, description="draw the route on the plan when the region is large enough")


WIDGET_OPTIONS: dict[str, type[Strict]] = {
    "call_banner": CallBannerOptions,
    "recent_calls": RecentCallsOptions,
    "window_board": WindowBoardOptions,
    "waiting_board": WaitingBoardOptions,
    "process_guide": ProcessGuideOptions,
    "ticker": TickerOptions,
    "clock": ClockOptions,
    "text": TextOptions,
    "image": ImageOptions,
    "qr": QrOptions,
    "map": MapOptions,
    "directory": DirectoryOptions,
}
