"""The claims of the deep-network experiments, checked on their --quick runs, and their helpers."""

import numpy as np
import pytest

from numdl.experiments import run_experiment
from numdl.experiments.antisymmetric_euler_vs_leapfrog import antisymmetric_parameters, networks
from numdl.experiments.resnet_peaks import build_model, initial_parameters
from numdl.experiments.resnet_vs_nn import random_theta, roughness
from numdl.networks import HyperbolicNetwork, ResidualNetwork


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """Metrics of one --quick run per experiment (run lazily, once)."""
    cache = {}

    def get(name, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp(name)
            cache[key] = run_experiment(name, out, quick=True, seed=0, options=options, echo=lambda s: None)
        return cache[key]

    return get


# --- resnet-derivative-test --------------------------------------------------------

def test_derivative_test_all_checks_pass(quick):
    m = quick("resnet-derivative-test").metrics
    assert m["all_passed"] is True and m["n_passed"] == m["n_checks"] == 35
    orders = {k: v for k, v in m.items() if k.startswith("order_")}
    errors = {k: v for k, v in m.items() if k.startswith("rel_error_")}
    assert len(orders) == 8 * 2 + 2 and len(errors) == 8 * 2 + 1
    assert all(1.8 <= v <= 2.2 for v in orders.values()), orders
    assert all(v <= 1e-10 for v in errors.values()), errors


# --- antisymmetric-euler-vs-leapfrog ----------------------------------------------

def test_antisymmetric_kernel_has_unit_norm_and_imaginary_spectrum():
    u = antisymmetric_parameters(6, np.random.default_rng(0))
    (euler, theta_e), (leap, theta_l), K = networks(6, 3, u, h=0.5)
    np.testing.assert_allclose(K, -K.T, atol=0)
    assert np.linalg.norm(K, 2) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(np.linalg.eigvals(K).real, 0, atol=1e-12)
    assert isinstance(euler, ResidualNetwork) and isinstance(leap, HyperbolicNetwork)
    np.testing.assert_array_equal(leap.kernel_matrices(theta_l), euler.kernel_matrices(theta_e))


def test_euler_grows_for_every_h_leapfrog_stays_bounded(quick):
    m = quick("antisymmetric-euler-vs-leapfrog").metrics
    # Euler: above 1 at every depth of both sweeps (every h), large at fixed h and the largest depth
    assert m["euler_growth_fixed_h_min"] > 1.1 and m["euler_growth_fixed_T_min"] > 1.0
    assert m["euler_growth_fixed_h_deepest"] > 10
    # leapfrog: never above the initial norm (round-off aside)
    assert m["leapfrog_growth_fixed_h_max"] <= 1 + 1e-12 and m["leapfrog_growth_fixed_T_max"] <= 1 + 1e-12
    assert m["euler_growth_fixed_h_deepest"] > 10 * m["leapfrog_growth_fixed_h_deepest"]
    assert m["euler_factor_fixed_h"] == pytest.approx(np.sqrt(1.25))


# --- resnet-vs-nn ------------------------------------------------------------------

def test_roughness_of_known_curves():
    t = np.linspace(0, 1, 101)
    # f = t²: every second difference is 2Δt², the range is 1
    assert roughness(t**2) == pytest.approx(99 * 2 * 0.01**2, rel=1e-10)
    assert roughness(3 * t + 1) == pytest.approx(0, abs=1e-12)
    assert roughness(np.ones(5)) == 0.0
    assert roughness(np.sin(40 * np.pi * t) + t) > 10 * roughness(np.sin(np.pi * t))


def test_random_theta_layout_and_scale():
    net = ResidualNetwork(20, 30, T=1.0)
    theta = random_theta(net, 3.0, np.random.default_rng(1))
    k, b = net.split_theta(theta)
    assert np.std(k) == pytest.approx(3.0 / np.sqrt(20), rel=0.05)
    assert np.std(b) == pytest.approx(0.1, rel=0.1)


def test_resnet_is_smoother_and_its_gradients_neither_vanish_nor_explode(quick):
    m = quick("resnet-vs-nn").metrics
    assert m["roughness_plain_large"] > 5 * m["roughness_resnet_large"]
    assert m["roughness_plain_small"] > m["roughness_resnet_small"]
    assert m["grad_first_over_last_plain_small"] < 0.1      # vanishing towards the first layer
    assert m["grad_first_over_last_plain_large"] > 3        # exploding towards the first layer
    for gain in ("small", "large"):
        assert 0.2 < m[f"grad_first_over_last_resnet_{gain}"] < 5


# --- resnet-peaks ------------------------------------------------------------------

def test_model_and_initial_parameters():
    model = build_model(9, 11, 4.0)
    opening, resnet = model.layers
    assert (opening.n_in, opening.n_out) == (2, 9)
    assert (resnet.width, resnet.depth, resnet.h) == (9, 11, pytest.approx(4.0 / 11))
    theta = initial_parameters(model, np.random.default_rng(0))
    assert theta.shape == (model.n_params,)
    _, b = resnet.split_theta(theta[opening.n_params:])
    assert np.all(b == 0) and np.ptp(theta[2 * 9: 3 * 9]) > 0   # opening bias spread, ResNet biases zero


@pytest.mark.parametrize("solver", ["newton", "varpro", "sgd"])
def test_resnet_peaks_quick_runs(quick, solver):
    result = quick("resnet-peaks", solver=solver)
    m = result.metrics
    assert m["solver"] == solver and {"test_acc", "train_acc", "val_acc", "work_passes"} <= set(m)
    assert {p.name for p in result.figures} == {"decision_regions.png", "objective_vs_work.png",
                                                "val_accuracy_vs_work.png", "state_norms.png"}
    if solver != "sgd":   # a few seconds of Newton-CG already fit most of the 600 training points
        assert m["train_acc"] > 0.85 and m["test_acc"] > 0.8


def test_resnet_peaks_rejects_bad_options(tmp_path):
    with pytest.raises(ValueError, match="width"):
        run_experiment("resnet-peaks", tmp_path, quick=True, options={"width": "20"}, echo=lambda s: None)
    with pytest.raises(ValueError, match="T"):
        run_experiment("resnet-peaks", tmp_path, quick=True, options={"T": -1.0}, echo=lambda s: None)
