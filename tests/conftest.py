"""Shared test set-up: no screen, no sound card, no internet."""

import os
import sys
from pathlib import Path

# Before pygame is imported anywhere: draw and play into nothing.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "layouts"
sys.path.insert(0, str(ROOT))
