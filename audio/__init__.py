"""Voice announcements: phrases, engines, the voice pack, the chime, playback.

How a call becomes sound (each step is one module)::

    hub event ──> announcer.Announcer.handle()      which call, which words, still fresh?
                  phrases.call_phrases()            template + number reading -> segments
                  assemble.Assembler.render()       segments -> clips (pack, else espeak-ng)
                  player.Player                     chime, then speech, in order, to the end
                  outputs.MixerOutput / WavOutput   the sound card, or WAV files without one
    service.start_announcer() wires these together (``signage announce``, a screen with speakers).

Clips come from a voice pack built ahead of time (``voicepack.build``) by gTTS
where a network exists or by espeak-ng offline, so a call is heard within
milliseconds and nothing needs the internet at run time.
"""

RATE = 22050
"""Sample rate of every clip, the chime and the mixer: 16-bit mono at 22.05 kHz.

espeak-ng speaks at this rate, so offline clips need no resampling; it is
plenty for speech and for the chime's partials (all under 5 kHz)."""
