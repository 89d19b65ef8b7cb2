"""Run a registered experiment: prepare the folder, run, check and write metrics."""

from __future__ import annotations

import json
import math
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from numdl.experiments.context import Context
from numdl.experiments.registry import get_experiment

MAX_STRING = 80


@dataclass(frozen=True)
class RunResult:
    name: str
    out: Path
    metrics: dict
    figures: list[Path]


def prepare_out_dir(out) -> Path:
    """Create ``out`` and make sure it can be written, else raise ``ValueError``."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"--out: cannot create folder {str(out)!r}: {err.strerror or err}") from None
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out: folder {str(out)!r} is not writable")
    return out


def check_metrics(metrics) -> dict:
    """Validate a flat metrics dict: finite numbers and short strings."""
    if not isinstance(metrics, dict):
        raise TypeError(f"experiment returned {type(metrics).__name__}, expected a dict of metrics")
    clean = {}
    for key, value in metrics.items():
        if isinstance(value, (bool, np.bool_)):
            clean[key] = bool(value)
        elif isinstance(value, (int, np.integer)):
            clean[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            if not math.isfinite(value):
                raise ValueError(f"metric {key!r} is not finite ({value})")
            clean[key] = float(value)
        elif isinstance(value, str) and len(value) <= MAX_STRING:
            clean[key] = value
        else:
            raise ValueError(f"metric {key!r}: expected a number or a short string, got {value!r:.60}")
    return clean


def run_experiment(name: str, out=None, *, quick: bool = False, seed: int = 0,
                   options: dict | None = None, threads: int | None = 1, echo=print) -> RunResult:
    """Run experiment ``name``; write figures and ``metrics.json`` into ``out``.

    ``out`` defaults to ``out/<name>``. ``threads`` limits the BLAS threads during
    the run (``None`` or 0: the BLAS default). The default is one thread: the
    experiments are mostly many small matrix products, for which threads only add
    synchronization, and a busy machine slows multi-threaded BLAS down many times.
    Returns the metrics and the figures written.
    """
    exp = get_experiment(name)
    opts = {k: o.default for k, o in exp.options.items()}
    for key, value in (options or {}).items():
        if key not in exp.options:
            known = ", ".join(f"--{k}" for k in exp.options) or "none"
            raise ValueError(f"option --{key}: not an option of {name!r} (its options: {known})")
        opts[key] = exp.options[key].parse(key, value) if isinstance(value, str) else value
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"--seed: expected an integer, got {seed!r}")
    out = prepare_out_dir(Path("out") / name if out is None else out)
    ctx = Context(out=out, quick=quick, seed=int(seed), options=opts, echo=echo)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))
                                or threads < 0):
        raise ValueError(f"--threads: expected an integer >= 0, got {threads!r}")
    limit = threadpool_limits(limits=int(threads), user_api="blas") if threads else nullcontext()
    start = time.perf_counter()
    with limit:
        metrics = check_metrics(exp.run(ctx))
    metrics.update(experiment=name, seed=int(seed), quick=bool(quick), threads=int(threads or 0),
                   seconds=round(time.perf_counter() - start, 3))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    figures = [p for p in ctx.figures if p.exists()]
    return RunResult(name, out, metrics, figures)
