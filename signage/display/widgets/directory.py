"""Placeholder for the directory of places (wayfinding comes in a later issue): outline and title."""

from __future__ import annotations

from .map import Map


class Directory(Map):
    name = "directory"
    title_key = "directory"
