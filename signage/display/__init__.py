"""The wall-screen client: fonts, text cache, widgets, renderer, display loop.

Importing this package does not import pygame: :mod:`.sizing` (the layout
arithmetic shared with validation's legibility check) is pure Python.
"""
