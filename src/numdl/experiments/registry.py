"""Registry of named experiments (``numdl list`` / ``numdl run``).

An experiment is a function of a :class:`~numdl.experiments.context.Context` that
computes for real, prints a short table, saves figures with ``ctx.figure_path`` and
returns a flat dict of metrics::

    @experiment("polyfit", "Lecture 1: under- and over-fitting polynomials", lecture=1)
    def polyfit(ctx):
        ...
        return {"val_err_best": 0.01}

Options beyond ``--out/--quick/--seed`` are declared with :class:`Option` and given
on the command line as ``--name value``.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Option:
    """An experiment-specific option: its type, default, allowed values and help."""

    default: Any
    help: str = ""
    choices: tuple | None = None

    def parse(self, name: str, text: str):
        kind = type(self.default)
        try:
            value = (text.lower() in ("1", "true", "yes", "on")) if kind is bool else kind(text)
        except (TypeError, ValueError):
            raise ValueError(f"--{name}: expected a {kind.__name__}, got {text!r}") from None
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"--{name}: expected one of {', '.join(map(str, self.choices))}, got {text!r}")
        return value


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    run: Callable
    lecture: int | None = None
    options: dict[str, Option] = field(default_factory=dict)


_EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, description: str, *, lecture: int | None = None,
               options: dict[str, Option] | None = None):
    """Decorator registering ``fn(ctx) -> dict`` as the experiment ``name``."""

    def deco(fn):
        if name in _EXPERIMENTS and _EXPERIMENTS[name].run is not fn:
            raise ValueError(f"experiment: name {name!r} is already registered")
        _EXPERIMENTS[name] = Experiment(name, description, fn, lecture, dict(options or {}))
        return fn

    return deco


def discover() -> None:
    """Import every module of ``numdl.experiments`` so that all experiments register."""
    from numdl import experiments

    for info in pkgutil.iter_modules(experiments.__path__, prefix="numdl.experiments."):
        importlib.import_module(info.name)


def list_experiments() -> list[Experiment]:
    """All experiments, sorted by lecture then name."""
    discover()
    return sorted(_EXPERIMENTS.values(), key=lambda e: (e.lecture or 0, e.name))


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; unknown names raise with close matches."""
    discover()
    if name not in _EXPERIMENTS:
        close = difflib.get_close_matches(name, list(_EXPERIMENTS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " Run `numdl list` to see them."
        raise ValueError(f"experiment name: unknown experiment {name!r}.{hint}")
    return _EXPERIMENTS[name]
