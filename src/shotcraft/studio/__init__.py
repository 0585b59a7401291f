"""The studio: a local web app for strict A/B selection, shot by shot, frame-accurate.

``shotcraft studio PLAN`` serves it on 127.0.0.1 (see :mod:`shotcraft.studio.server`).
Layers: ``service`` (library calls), ``frames`` (frames by number), ``security``
(the gate), ``app`` (HTTP routes), ``templates``/``static`` (the page, no build step).
"""
