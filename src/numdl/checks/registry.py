"""Registry of checkable objects, shared by the test suite and ``numdl check``.

A module that defines a layer, loss, network or objective registers factories of
configured instances next to the definition::

    @register_check("softmax-ce/W")
    def _softmax_w(rng):
        ...
        return ObjectiveCase(evaluate, W0)

A factory takes a ``numpy.random.Generator`` and returns a case
(:class:`~numdl.checks.cases.MapCase`, :class:`~numdl.checks.cases.ObjectiveCase`
or :class:`~numdl.checks.cases.LayerCase`), in float64.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from numdl.checks.cases import CheckResult
from numdl.utils.validation import as_generator

_REGISTRY: dict[str, Callable] = {}

#: Subpackages that are not scanned for registrations (they only consume them).
_SKIP = ("numdl.cli", "numdl.experiments", "numdl.checks")


def register_check(name: str):
    """Decorator registering ``factory(rng) -> case`` under ``name`` (unique)."""

    def deco(factory):
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"register_check: name {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return deco


def discover() -> None:
    """Import every numdl module so that all registrations run."""
    import numdl

    for info in pkgutil.walk_packages(numdl.__path__, prefix="numdl."):
        if not info.name.startswith(_SKIP):
            importlib.import_module(info.name)


def registered_checks() -> dict[str, Callable]:
    """All registered factories, by name (after :func:`discover`)."""
    discover()
    return dict(sorted(_REGISTRY.items()))


def run_check(name: str, seed=0) -> list[CheckResult]:
    """Build the case registered under ``name`` and run all its checks."""
    factories = registered_checks()
    if name not in factories:
        raise ValueError(f"check name: unknown {name!r}; known: {', '.join(factories) or 'none'}")
    rng = as_generator(seed)
    case = factories[name](rng)
    return case.run(name, seed=rng)


def run_checks(pattern: str | None = None, seed=0) -> list[CheckResult]:
    """Run every registered check whose name contains ``pattern`` (all by default)."""
    results = []
    for name in registered_checks():
        if pattern is None or pattern in name:
            results.extend(run_check(name, seed=seed))
    return results
