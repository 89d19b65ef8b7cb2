"""Activations: values against references, derivatives against finite differences, dtypes,
stability, the smoothed ReLU's C¹ joints, the registry and the registered checks."""

import numpy as np
import pytest
from scipy.special import expit

from numdl.activations import ACTIVATIONS, Activation, SmoothReLU, get_activation
from numdl.checks import run_check

NAMES = ["identity", "tanh", "relu", "smooth_relu", "sin", "sigmoid", "softplus"]
ETA = 0.5


def make(name):
    return get_activation(name, eta=ETA) if name == "smooth_relu" else get_activation(name)


def smooth_relu_reference(y, eta):
    """The three pieces as written in the SPEC."""
    return np.select([y <= -eta, y >= eta], [0.0 * y, y], (y + eta) ** 2 / (4 * eta))


REFERENCE = {
    "identity": lambda y: y,
    "tanh": np.tanh,
    "relu": lambda y: np.maximum(y, 0),
    "smooth_relu": lambda y: smooth_relu_reference(y, ETA),
    "sin": np.sin,
    "sigmoid": expit,
    "softplus": lambda y: np.log1p(np.exp(y)),
}


def sample_points(rng, name, size=200):
    """Points in [−4, 4] kept 1e-3 away from the kinks (0 for ReLU, ±η for the smoothed one)."""
    y = rng.uniform(-4, 4, size=size)
    kinks = {"relu": [0.0], "smooth_relu": [-ETA, ETA]}.get(name, [])
    for k in kinks:
        y = y[np.abs(y - k) > 1e-3]
    return y


def test_registry_holds_every_activation_of_the_course():
    assert sorted(ACTIVATIONS) == sorted(NAMES)
    for name in NAMES:
        assert isinstance(make(name), Activation) and make(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_value_matches_reference(name):
    y = sample_points(np.random.default_rng(0), name)
    act = make(name)
    np.testing.assert_allclose(act.value(y), REFERENCE[name](y), rtol=1e-14, atol=1e-15)
    value, _ = act(y)
    np.testing.assert_array_equal(value, act.value(y))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    y = sample_points(np.random.default_rng(1), name)
    h = 1e-6
    fd = (REFERENCE[name](y + h) - REFERENCE[name](y - h)) / (2 * h)
    _, d = make(name)(y)
    np.testing.assert_allclose(d, fd, rtol=1e-7, atol=1e-8)


def test_relu_derivative_at_zero_is_zero():
    value, d = get_activation("relu")(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(value, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(d, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_and_integers_become_float64(name):
    act = make(name)
    y32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    value, d = act(y32)
    assert value.dtype == np.float32 and d.dtype == np.float32 and act.value(y32).dtype == np.float32
    assert value.shape == d.shape == (3, 4)
    value64, d64 = act(y32.astype(np.float64))
    np.testing.assert_allclose(value, value64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d, d64, rtol=1e-5, atol=1e-6)
    value_int, d_int = act(np.arange(-3, 4))
    assert value_int.dtype == np.float64 and d_int.dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
def test_input_untouched_unless_overwrite_allowed(name):
    act = make(name)
    y = np.random.default_rng(2).uniform(-3, 3, size=(4, 6))
    y_copy = y.copy()
    value, d = act(y)
    act.value(y)
    np.testing.assert_array_equal(y, y_copy)
    value2, d2 = act(y, overwrite_x=True)  # may reuse y's memory, results unchanged
    np.testing.assert_allclose(value2, value, rtol=1e-15, atol=0)
    np.testing.assert_allclose(d2, d, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "tanh"])
def test_stable_for_huge_arguments(name):
    y = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        value, d = make(name)(y)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(d))
    if name == "softplus":
        np.testing.assert_allclose(value[-3:], y[-3:] + np.log1p(np.exp(-y[-3:])), rtol=1e-15)
        assert value[0] == 0.0 and value[3] == pytest.approx(np.log(2))
    if name == "sigmoid":
        np.testing.assert_array_equal(value[[0, -1]], [0.0, 1.0])
        np.testing.assert_array_equal(d[[0, -1]], [0.0, 0.0])


def test_sigmoid_tails_keep_relative_accuracy():
    # σ(−30) = σ'(±30) ≈ e^{−30}: no cancellation in 1 − σ.
    value, d = get_activation("sigmoid")(np.array([-30.0, 30.0]))
    e = np.exp(-30.0)
    assert value[0] == pytest.approx(e / (1 + e), rel=1e-14)
    np.testing.assert_allclose(d, e / (1 + e) ** 2, rtol=1e-14)


@pytest.mark.parametrize("eta", [0.01, 0.5, 2.0])
def test_smooth_relu_is_c1_at_plus_minus_eta(eta):
    act = SmoothReLU(eta)
    for joint, value_at, slope_at in ((-eta, 0.0, 0.0), (eta, eta, 1.0)):
        value, d = act(np.array([joint]))
        assert value[0] == pytest.approx(value_at, abs=1e-15) and d[0] == pytest.approx(slope_at, abs=1e-15)
        for delta in (1e-4, 1e-6, 1e-8):
            (v_left, v_right), (d_left, d_right) = act(np.array([joint - delta * eta, joint + delta * eta]))
            # continuous value and derivative: jumps shrink with delta (first order at most)
            assert abs(v_right - v_left) <= 2.1 * delta * eta
            assert abs(d_right - d_left) <= 1.1 * delta
    # but not C²: σ'' jumps from 0 to 1/(2η) at −η
    h = 1e-4 * eta
    _, d = act(np.array([-eta - 2 * h, -eta - h, -eta + h, -eta + 2 * h]))
    assert (d[1] - d[0]) / h == pytest.approx(0.0, abs=1e-12)
    assert (d[3] - d[2]) / h == pytest.approx(1 / (2 * eta), rel=1e-6)


def test_smooth_relu_tends_to_relu():
    y = np.linspace(-2, 2, 401)
    relu = np.maximum(y, 0)
    for eta in (0.5, 0.05, 0.005):
        gap = np.max(np.abs(SmoothReLU(eta).value(y) - relu))
        assert gap == pytest.approx(eta / 4, rel=1e-12)  # largest at y = 0


def test_get_activation_accepts_instances_and_spellings():
    act = SmoothReLU(0.3)
    assert get_activation(act) is act
    assert get_activation("Smooth-ReLU", eta=0.3) == act
    assert get_activation(" TANH ").name == "tanh"


def test_unknown_activation_lists_known_names():
    with pytest.raises(ValueError, match="activation: unknown 'swish'; known: identity, tanh, relu"):
        get_activation("swish")


@pytest.mark.parametrize("call, match", [
    (lambda: get_activation("tanh", eta=1.0), "activation 'tanh': bad parameters"),
    (lambda: get_activation(SmoothReLU(), eta=1.0), "given with an Activation instance"),
    (lambda: get_activation(3), "expected a name or an Activation"),
    (lambda: SmoothReLU(0.0), "eta: expected a finite number > 0"),
    (lambda: get_activation("smooth_relu", eta=float("nan")), "eta: expected a finite number > 0"),
])
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("name", NAMES)
def test_registered_checks_pass(name):
    results = run_check(f"activation/{name}")
    assert [r.test for r in results] == ["taylor", "adjoint"]
    assert all(r.passed for r in results), [f"{r.test}: {r.detail}" for r in results]
