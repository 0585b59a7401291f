"""Backend discovery: entry points in the ``shotcraft.backends`` group, one instance per process.

Third parties ship a backend as a package declaring::

    [project.entry-points."shotcraft.backends"]
    my-model = "my_package.backend:MyBackend"

``register_backend`` adds one at run time from a ``"module:attribute"`` spec
(tests, local experiments); specs, not objects, so worker processes can load
the same backend themselves.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from shotcraft.backends.protocol import Backend
from shotcraft.errors import InputError

GROUP = "shotcraft.backends"

_extra_specs: dict[str, str] = {}
_instances: dict[str, Backend] = {}


def _declared() -> dict[str, str]:
    specs = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    specs.update(_extra_specs)
    return specs


def available_backends() -> list[str]:
    """Names of every declared backend (declared, not necessarily importable here)."""
    return sorted(_declared())


def register_backend(name: str, spec: str) -> None:
    """Declare a backend from a ``"module:attribute"`` spec (overrides an entry point of that name)."""
    if ":" not in spec:
        raise ValueError(f"backend spec must be 'module:attribute', found {spec!r}")
    _extra_specs[name] = spec
    _instances.pop(name, None)


def unregister_backend(name: str) -> None:
    _extra_specs.pop(name, None)
    _instances.pop(name, None)


def registered_specs() -> dict[str, str]:
    """Backends added with :func:`register_backend` (the executor hands these to its workers)."""
    return dict(_extra_specs)


def get_backend(name: str, *, shot_id: str | None = None) -> Backend:
    """The backend called ``name``, loaded once per process (models stay loaded between jobs)."""
    if name in _instances:
        return _instances[name]
    where = f"shot {shot_id}: " if shot_id else ""
    specs = _declared()
    spec = specs.get(name)
    if spec is None:
        raise InputError(f"{where}unknown backend {name!r} (available: {', '.join(sorted(specs)) or 'none'})")
    try:
        factory = _load(spec)
        backend = factory() if callable(factory) and isinstance(factory, type) else factory
    except ImportError as exc:
        raise InputError(f"{where}backend {name!r} is declared but cannot be loaded ({type(exc).__name__}: {exc})") from None
    _check(backend, name, where)
    _instances[name] = backend
    return backend


def _load(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportError(f"{module_name} has no attribute {attribute!r}") from None
    return target


def _check(backend: Any, name: str, where: str) -> None:
    missing = [attr for attr in ("name", "version", "capabilities", "identity", "keyframe", "clip") if not hasattr(backend, attr)]
    if missing:
        raise InputError(f"{where}backend {name!r} does not implement the backend protocol (missing: {', '.join(missing)})")
