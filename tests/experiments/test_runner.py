import json

import numpy as np
import pytest

from numdl.experiments import Option, experiment, format_table, get_experiment, run_experiment
from numdl.experiments import registry
from numdl.experiments.runner import check_metrics


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry._EXPERIMENTS))

    @experiment("toy-exp", "a toy", options={"solver": Option("sd", "which", ("sd", "newton")),
                                               "width": Option(8, "width")})
    def _toy(ctx):
        x = ctx.rng.standard_normal(3)
        ctx.figure_path("never_written")
        return {"solver": ctx.options["solver"], "width": ctx.options["width"],
                "x0": float(x[0]), "quick": ctx.quick}

    return "toy-exp"


def test_options_and_seed(toy, tmp_path):
    r1 = run_experiment(toy, tmp_path / "a", seed=3, options={"solver": "newton", "width": "16"})
    assert r1.metrics["solver"] == "newton" and r1.metrics["width"] == 16
    assert r1.metrics["x0"] == pytest.approx(np.random.default_rng(3).standard_normal(3)[0])
    on_disk = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert on_disk["seed"] == 3 and on_disk["experiment"] == toy
    assert r1.figures == []  # a figure path that was never saved is not reported


def test_bad_options(toy, tmp_path):
    with pytest.raises(ValueError, match="--solver: expected one of sd, newton"):
        run_experiment(toy, tmp_path, options={"solver": "lbfgs"})
    with pytest.raises(ValueError, match="--width: expected a int"):
        run_experiment(toy, tmp_path, options={"width": "wide"})
    with pytest.raises(ValueError, match="option --depth: not an option"):
        run_experiment(toy, tmp_path, options={"depth": "3"})


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean polyfit"):
        get_experiment("polyfitt")


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="--out"):
        run_experiment("polyfit", blocker / "sub", quick=True)


def test_check_metrics():
    assert check_metrics({"a": np.float32(1.5), "b": np.int64(2), "c": "ok"}) == {"a": 1.5, "b": 2, "c": "ok"}
    with pytest.raises(ValueError, match="'a' is not finite"):
        check_metrics({"a": float("nan")})
    with pytest.raises(ValueError, match="'b'"):
        check_metrics({"b": [1, 2]})


def test_format_table():
    text = format_table([{"name": "a", "value": 0.5}, {"name": "bb", "value": 1e-7}], title="T")
    lines = text.splitlines()
    assert lines[0] == "T" and "name" in lines[1] and "1.000e-07" in lines[-1]
