"""A picture from a file next to the hall file (a logo, a floor sign), contained or covering.

A missing or unreadable file shows its name in the panel instead of stopping the
screen; the file is read once and scaled once per size. It is opened only as
:func:`signage.config.assets.read_image` allows, checked again now (inside the
folder, a regular file, bounded), whatever ``signage validate`` said before.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Hashable

import pygame

from ...config.assets import AssetError, read_image
from .base import Ctx, Widget

log = logging.getLogger(__name__)


class Image(Widget):
    name = "image"

    def key(self, ctx: Ctx) -> Hashable:
        return str(ctx.base_dir), ctx.palette

    def path(self, ctx: Ctx) -> Path | None:
        """Where the picture is looked for: in the hall's folder (``--assets``), else the current one."""
        if self.options is None:
            return None
        return (ctx.base_dir or Path.cwd()) / self.options.path

    def render(self, ctx: Ctx) -> pygame.Surface:
        surface = self.blank(ctx)
        area = self.inner(0.02)
        try:
            if self.options is None:
                raise AssetError("no path")
            data = read_image(ctx.base_dir, self.options.path)
            picture = pygame.image.load(io.BytesIO(data), Path(self.options.path).name)
        except (AssetError, OSError, pygame.error, ValueError) as exc:
            log.warning("image %s: %s", self.path(ctx), exc)
            name = self.options.path if self.options else "?"
            ctx.text.draw(surface, name, "en", area.inflate(-area.width // 5, -area.height // 3), ctx.palette.muted,
                          max(8, area.height // 8), bold=False)
            return surface
        pw, ph = picture.get_size()
        cover = self.options is not None and self.options.fit == "cover"
        scale = (max if cover else min)(area.width / pw, area.height / ph)
        size = (max(1, round(pw * scale)), max(1, round(ph * scale)))
        scaled = pygame.transform.smoothscale(picture.convert_alpha() if pygame.display.get_surface() else picture,
                                              size) if picture.get_bitsize() >= 24 else pygame.transform.scale(picture, size)
        clip = surface.get_clip()
        surface.set_clip(area)
        surface.blit(scaled, scaled.get_rect(center=area.center))
        surface.set_clip(clip)
        return surface
