"""Sound from the rough cut: synthesized or file ambience per location, effect cues that move
with the edit, music and dialogue stems, loudness per EBU R128, and the mix.

Public API: :func:`shotcraft.sound.mix.mix_film` (the stage), :func:`shotcraft.sound.loudness.measure`
and :func:`shotcraft.sound.loudness.measure_file` (any signal or file), and
:func:`shotcraft.sound.cut.plan_timeline` (a cut from the plan alone, before anything is rendered).
"""
