"""The cloud video providers' prompt styles, where they document one.

* ``veo`` (Google Veo, Gemini API / Vertex AI): sentence prompts in the order
  its prompt guide lists (subject, context, action, style, camera, ambiance):
  the ``prose`` wording, with ``negativePrompt`` as a plain list (the guide:
  describe what you do not want without "no" or "don't").
* ``kling`` (Kling API): ``prompt`` and ``negative_prompt``, each at most 2500
  characters: the ``prose`` wording.
* ``runway`` (Runway Gen-4 image to video): the keyframe already shows the
  people and the place, and Runway's guide asks the text to describe the
  motion, positively; there is no negative prompt. The clip prompt is the
  action, the beats and the camera; prohibitions cannot be sent and a note
  says so.
* ``luma`` (Luma Dream Machine): natural-language prompts, no negative
  prompt in the API: the ``prose`` wording; prohibitions are reported unsent.
"""

from __future__ import annotations

from shotcraft.prompts import prose
from shotcraft.prompts.base import Family, PromptOptions, sentence
from shotcraft.prompts.ingredients import Ingredients


def _no_negative(name: str):  # noqa: ANN202 - a finish function
    def finish(parts: Ingredients, label: str, prompt: str, negative_text: str) -> tuple[str, str, list[str]]:
        notes = []
        if negative_text:
            notes.append(f"shot {parts.shot_id} take {parts.take}: {name} takes no negative prompt; not sent: {negative_text}")
        return prompt, "", notes

    return finish


def runway_clip(parts: Ingredients, options: PromptOptions) -> str:
    """Motion only: what moves, when, and how the camera moves (the image carries the rest)."""
    lines = [sentence(text) for text in (parts.action, parts.variant) if text]
    if not lines and parts.subject:
        lines.append(sentence(parts.subject))
    lines += [prose.beat_sentence(parts, beat) for beat in parts.beats]
    lines.append(sentence(f"Camera: {', '.join(parts.camera)}"))
    return " ".join(line for line in lines if line)


VEO = Family("veo", "Google Veo: sentence prompts and a negativePrompt list", prose.keyframe, prose.clip, prose.negative, prose.check)
KLING = Family("kling", "Kling: sentence prompts and negative_prompt, 2500 characters each", prose.keyframe, prose.clip, prose.negative, prose.check)
RUNWAY = Family(
    "runway", "Runway Gen-4: the clip prompt describes motion only; no negative prompt",
    prose.keyframe, runway_clip, prose.negative, prose.check, finish=_no_negative("Runway"),
)
LUMA = Family("luma", "Luma Dream Machine: sentence prompts; no negative prompt", prose.keyframe, prose.clip, prose.negative, prose.check, finish=_no_negative("Luma"))
