"""Backends that exist only as capability declarations, for the SC6xx lint fixtures.

The linter reads nothing but ``capabilities`` and ``provider_capabilities``; these
declare what the rules check against where no in-tree backend has it: a model
with a strict frame-count rule, and two paid services (their documented
durations, aspects, seed and negative-prompt support). They generate nothing:
rendering a plan with one of them stops with a clear error.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

from shotcraft.backends.protocol import Capabilities
from shotcraft.backends.remote.protocol import ProviderCapabilities
from shotcraft.errors import InputError

#: name -> "module:attribute", registered by tests/lint/conftest.py
SPECS = {
    "fixture-4k1": "tests.lint.capability_backends:FrameRuleBackend",
    "fixture-cloud": "tests.lint.capability_backends:CloudBackend",
    "fixture-cloud-plain": "tests.lint.capability_backends:PlainCloudBackend",
}


class _DeclarationOnly:
    name = "fixture"
    version = "1"
    capabilities = Capabilities()

    def identity(self, model: Any) -> dict[str, Any]:
        return {"backend": self.name, "version": self.version}

    def keyframe(self, request: Any) -> Any:
        raise InputError(f"shot {request.shot_id}: backend {self.name!r} is a lint fixture and generates nothing")

    def clip(self, request: Any) -> Any:
        raise InputError(f"shot {request.shot_id}: backend {self.name!r} is a lint fixture and generates nothing")


class FrameRuleBackend(_DeclarationOnly):
    """A local model trained on 4k+1 frames (as Wan), drawing no handles."""

    name = "fixture-4k1"
    capabilities = Capabilities(text_to_image=True, image_to_video=True, frame_counts="4k+1", handles=False)


class CloudBackend(_DeclarationOnly):
    """A service shaped like Veo: 4/6/8 s clips, 16:9 or 9:16, no seed, no last frame, one reference image."""

    name = "fixture-cloud"
    capabilities = Capabilities(text_to_image=True, image_to_video=True, handles=True, deterministic=False, prompt_family="prose")
    provider_capabilities = ProviderCapabilities(
        durations=(4.0, 6.0, 8.0),
        aspect_ratios=("16:9", "9:16"),
        native_rates=(Fraction(24),),
        seed=False,
        negative_prompt=True,
        last_frame=False,
        references=1,
        text_to_image=True,
    )


class PlainCloudBackend(CloudBackend):
    """A service that honours seeds but reads no negative prompt."""

    name = "fixture-cloud-plain"
    provider_capabilities = replace(CloudBackend.provider_capabilities, seed=True, negative_prompt=False)
