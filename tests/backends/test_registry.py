"""Backend discovery through entry points, one instance per process, clear errors."""

from __future__ import annotations

import pytest

from shotcraft.backends import registry
from shotcraft.backends.protocol import Backend
from shotcraft.errors import InputError


def test_builtin_backends_are_declared_through_entry_points():
    names = registry.available_backends()
    assert {"animatic", "stills", "diffusers-image", "diffusers-video"} <= set(names)


def test_get_backend_loads_once_per_process():
    first = registry.get_backend("animatic")
    assert isinstance(first, Backend)
    assert first.name == "animatic" and first.capabilities.deterministic
    assert registry.get_backend("animatic") is first


def test_unknown_backend_names_the_shot_and_lists_the_available_ones():
    with pytest.raises(InputError) as info:
        registry.get_backend("sora-9", shot_id="s04")
    message = str(info.value)
    assert message.startswith("shot s04: unknown backend 'sora-9'")
    assert "animatic" in message and "stills" in message and "\n" not in message


def test_registered_spec_adds_a_backend_and_can_be_removed():
    registry.register_backend("second-animatic", "shotcraft.backends.animatic:AnimaticBackend")
    try:
        assert "second-animatic" in registry.available_backends()
        assert registry.get_backend("second-animatic").name == "animatic"
        assert registry.registered_specs() == {"second-animatic": "shotcraft.backends.animatic:AnimaticBackend"}
    finally:
        registry.unregister_backend("second-animatic")
    assert "second-animatic" not in registry.available_backends()


def test_declared_but_broken_backends_are_clear_errors():
    registry.register_backend("ghost", "shotcraft.backends.no_such_module:Ghost")
    registry.register_backend("not-a-backend", "fractions:Fraction")
    try:
        with pytest.raises(InputError, match="backend 'ghost' is declared but cannot be loaded"):
            registry.get_backend("ghost", shot_id="s01")
        with pytest.raises(InputError, match="does not implement the backend protocol"):
            registry.get_backend("not-a-backend")
    finally:
        registry.unregister_backend("ghost")
        registry.unregister_backend("not-a-backend")
    with pytest.raises(ValueError):
        registry.register_backend("bad", "no-colon")
