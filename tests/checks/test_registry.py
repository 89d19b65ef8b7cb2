import numpy as np
import pytest

from numdl.checks import (LayerCase, MapCase, ObjectiveCase, register_check, registered_checks,
                          run_check)
from numdl.checks import registry


class _Scale:
    """Toy layer Z = tanh(theta[0] * Y) + theta[1], to exercise LayerCase."""

    def forward(self, theta, Y):
        S = theta[0] * Y
        return np.tanh(S) + theta[1], S

    def jac_theta_mv(self, v, theta, Y, S):
        return (1 - np.tanh(S) ** 2) * (v[0] * Y) + v[1]

    def jac_theta_tmv(self, w, theta, Y, S):
        return np.array([np.sum((1 - np.tanh(S) ** 2) * w * Y), np.sum(w)])

    def jac_y_mv(self, v, theta, Y, S):
        return (1 - np.tanh(S) ** 2) * theta[0] * v

    def jac_y_tmv(self, w, theta, Y, S):
        return (1 - np.tanh(S) ** 2) * theta[0] * w


class _BrokenScale(_Scale):
    def jac_theta_tmv(self, w, theta, Y, S):
        return np.array([np.sum(w * Y), np.sum(w)])  # forgot sigma'


def test_layer_case_all_four_checks():
    rng = np.random.default_rng(0)
    case = LayerCase(_Scale(), np.array([0.7, 0.1]), rng.standard_normal((3, 5)))
    res = case.run("toy")
    assert [r.test for r in res] == ["taylor-theta", "taylor-Y", "adjoint-theta", "adjoint-Y"]
    assert all(r.passed for r in res), [r.detail for r in res]
    broken = LayerCase(_BrokenScale(), case.theta, case.Y).run("broken")
    assert {r.test: r.passed for r in broken}["adjoint-theta"] is False


def test_objective_case():
    class Ev:
        def __init__(self, x):
            self.value = float(np.sum(x**4))
            self.grad = 4 * x**3
            self.hess_mv = lambda v: 12 * x**2 * v

    res = ObjectiveCase(Ev, np.array([0.5, -1.0, 2.0])).run("quartic")
    assert [r.test for r in res] == ["taylor-grad", "taylor-hess", "hess-symmetry"]
    assert all(r.passed for r in res)


def test_map_case_detects_wrong_vjp():
    A = np.random.default_rng(3).standard_normal((4, 3))
    good = MapCase(lambda x: A @ x, np.ones(3), lambda v: A @ v, lambda w: A.T @ w).run("lin")
    assert all(r.passed for r in good)
    bad = MapCase(lambda x: A @ x, np.ones(3), lambda v: A @ v, lambda w: 2 * A.T @ w).run("lin")
    assert [r.passed for r in bad] == [True, False]


def test_register_and_run(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})

    @register_check("toy/scale")
    def _factory(rng):
        return LayerCase(_Scale(), np.array([1.2, -0.3]), rng.standard_normal((2, 4)))

    assert "toy/scale" in registered_checks()
    assert all(r.passed for r in run_check("toy/scale"))
    with pytest.raises(ValueError, match="already registered"):
        register_check("toy/scale")(lambda rng: None)
    with pytest.raises(ValueError, match="unknown"):
        run_check("nope")
