import numpy as np
import pytest

from numdl.plot import plot_convergence, plot_curves, plot_histograms, plot_singular_values


def test_convergence(tmp_path, read_png):
    histories = {"SD": 0.9 ** np.arange(60), "CG": np.r_[0.5 ** np.arange(20), 0.0],
                 "diverged": [1.0, 10.0, np.inf, np.nan]}
    path = plot_convergence(histories, tmp_path / "c.png", title="convergence",
                            x={"CG": 2 * np.arange(21)})
    read_png(path)
    read_png(plot_convergence({"neg": [-1.0, -2.0]}, tmp_path / "lin.png"))
    read_png(plot_convergence({"lin": [3, 2, 1]}, tmp_path / "l.png", logy=False))


def test_convergence_validation(tmp_path):
    with pytest.raises(ValueError, match="histories"):
        plot_convergence({}, tmp_path / "c.png")
    with pytest.raises(ValueError, match="histories\\['a'\\]"):
        plot_convergence({"a": []}, tmp_path / "c.png")
    with pytest.raises(ValueError, match="x\\['a'\\]"):
        plot_convergence({"a": [1, 2, 3]}, tmp_path / "c.png", x={"a": [0, 1]})
    with pytest.raises(ValueError, match="x"):
        plot_convergence({"a": [1, 2]}, tmp_path / "c.png", x={"b": [0, 1]})


def test_curves(tmp_path, read_png):
    degree = np.arange(1, 11)
    read_png(plot_curves(degree, {"train": 1 / degree, "validation": 1 / degree + 0.01 * degree},
                         tmp_path / "e.png", xlabel="degree", ylabel="error", logy=True))
    # L-curves: per-curve x-values
    lam = np.logspace(-4, 2, 20)
    read_png(plot_curves({"Tikhonov": lam, "CGLS": lam[::2]},
                         {"Tikhonov": 1 / lam, "CGLS": 1 / lam[::2]}, tmp_path / "l.png",
                         xlabel="residual norm", ylabel="solution norm", logx=True, logy=True,
                         markers=False))


def test_curves_validation(tmp_path):
    with pytest.raises(ValueError, match="curves"):
        plot_curves([1, 2], {}, tmp_path / "e.png", xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="x"):
        plot_curves([1, 2, 3], {"a": [1, 2]}, tmp_path / "e.png", xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="x"):
        plot_curves({"b": [1, 2]}, {"a": [1, 2]}, tmp_path / "e.png", xlabel="x", ylabel="y")


def test_singular_values(tmp_path, read_png):
    rng = np.random.default_rng(1)
    s = np.linalg.svd(rng.normal(size=(30, 20)), compute_uv=False)
    read_png(plot_singular_values({"gaussian": s, "rank 10": np.r_[s[:10], np.zeros(10)]},
                                  tmp_path / "s.png"))
    read_png(plot_singular_values({"raw": rng.permutation(s)}, tmp_path / "r.png",
                                  normalize=False, title="unnormalized"))
    with pytest.raises(ValueError, match="values\\['bad'\\]"):
        plot_singular_values({"bad": [1.0, -1.0]}, tmp_path / "b.png")
    with pytest.raises(ValueError, match="values"):
        plot_singular_values({}, tmp_path / "b.png")


def test_histograms(tmp_path, read_png):
    rng = np.random.default_rng(2)
    samples = {"before": rng.normal(size=500), "after": rng.normal(1, 0.3, size=(20, 30))}
    read_png(plot_histograms(samples, tmp_path / "h.png", bins=30, title="weights", logy=True))
    read_png(plot_histograms({"constant": np.ones(5)}, tmp_path / "c.png", density=True))
    with pytest.raises(ValueError, match="samples\\['e'\\]"):
        plot_histograms({"e": []}, tmp_path / "h.png")
    with pytest.raises(ValueError, match="bins"):
        plot_histograms({"a": [1.0]}, tmp_path / "h.png", bins=0)
