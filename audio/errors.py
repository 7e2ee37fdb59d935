"""The audio part's errors: one base class, so a caller can catch them all."""


class AudioError(Exception):
    """Something in the audio part failed; the message is for a person."""


class EngineError(AudioError):
    """A speech engine could not produce a clip (network down, timeout, bad reply)."""


class PackError(AudioError):
    """A voice pack is missing, unreadable or not a pack at all."""
