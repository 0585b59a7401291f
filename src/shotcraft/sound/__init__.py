"""Sound from the rough cut: synthesized or file ambience per location, effect cues that move
with the edit, music and dialogue stems, loudness per EBU R128, and the mix.

Public API: :func:`shotcraft.sound.mix.mix_film` (the stage), :func:`shotcraft.sound.loudness.measure`
and :func:`shotcraft.sound.loudness.measure_file` (any signal or file). The cut sound is laid on is the
picture's: :func:`shotcraft.edit.build.build_timeline` (the picked takes), or before anything is rendered
:func:`shotcraft.edit.build.planned_timeline` (the same cut of takes as the render will draw them).
"""
