"""Every registered experiment runs with --quick, writes figures and finite metrics."""

import json
import math

import pytest

from numdl.experiments import list_experiments, run_experiment

NAMES = [e.name for e in list_experiments()]


@pytest.mark.parametrize("name", NAMES)
def test_quick_run(name, tmp_path):
    out = tmp_path / name
    result = run_experiment(name, out, quick=True, seed=0, echo=lambda s: None)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["experiment"] == name and metrics["quick"] is True
    numbers = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
    assert numbers and all(math.isfinite(v) for v in numbers.values())
    pngs = sorted(out.glob("*.png"))
    assert pngs, f"{name} wrote no PNG figure"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(result.figures) <= set(pngs)
