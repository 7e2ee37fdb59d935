"""One widget per file; this table maps the hall file's widget names to them."""

from __future__ import annotations

from .base import Ctx, Palette, Widget
from .call_banner import CallBanner
from .clock import Clock
from .directory import Directory
from .image import Image
from .map import Map
from .process_guide import ProcessGuide
from .qr import Qr
from .recent_calls import RecentCalls
from .text import Text
from .ticker import Ticker
from .waiting_board import WaitingBoard
from .window_board import WindowBoard

WIDGETS: dict[str, type[Widget]] = {
    w.name: w for w in (CallBanner, RecentCalls, WindowBoard, WaitingBoard, ProcessGuide, Ticker, Clock, Text,
                        Image, Qr, Map, Directory)
}

__all__ = ["WIDGETS", "Ctx", "Palette", "Widget"]
