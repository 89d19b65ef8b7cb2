"""SAA driver: decrease of the objective, samples, work accounting, best round, budget, errors."""

import functools

import numpy as np
import pytest

from numdl.layers import SingleLayer
from numdl.objectives import NetworkObjective, saa


def problem(seed=0, n=300):
    rng = np.random.default_rng(seed)
    Y = rng.uniform(-2, 2, size=(2, n))
    C = np.eye(2)[:, (np.sum(Y**2, axis=0) > 2).astype(int)]
    obj = NetworkObjective(SingleLayer(2, 6, "tanh"), Y, C, lam_theta=1e-4, lam_W=1e-4)
    return rng, obj


class Recorder:
    """``make_objective`` that records the samples and counts calls and Hessian mat-vecs itself."""

    def __init__(self, obj):
        self.obj = obj
        self.samples = []
        self.n_fun = 0
        self.n_hess = 0

    def __call__(self, idx):
        self.samples.append(idx.copy())

        def fun(x):
            self.n_fun += 1
            ev = self.obj(x, idx)
            hess = ev.hess_mv

            def hess_mv(v):
                self.n_hess += 1
                return hess(v)

            return type(ev)(ev.value, ev.grad, hess_mv)

        return fun


@pytest.mark.parametrize("solver,kwargs", [("newton", {"maxiter": 10}), ("sd", {"maxiter": 30})])
def test_saa_reduces_the_objective_and_counts_the_work(solver, kwargs):
    rng, obj = problem()
    x0 = obj.init(rng)
    rec = Recorder(obj)
    s = 80
    res = saa(rec, x0, n_examples=obj.n, sample_size=s, n_samples=4, solver=solver, solver_kwargs=kwargs,
              seed=1, progress=False)
    assert obj(res.theta).value < 0.7 * obj(x0).value
    np.testing.assert_array_equal(res.theta, res.theta_last)  # no validation: the last iterate
    assert res.n_rounds == 4 and res.best_round == 4 and np.isnan(res.best_value)
    # samples: distinct sorted indices in range, a new one every round
    assert len(rec.samples) == 4
    for idx in rec.samples:
        assert idx.size == s and np.all(np.diff(idx) > 0) and idx.min() >= 0 and idx.max() < obj.n
    assert not np.array_equal(rec.samples[0], rec.samples[1])
    # work accounting against the recorder's own counts
    assert res.n_grad_evals == rec.n_fun and res.n_hess_mv == rec.n_hess
    assert (rec.n_hess > 0) == (solver == "newton")
    assert res.n_examples == s * (rec.n_fun + rec.n_hess)
    h = res.history
    np.testing.assert_array_equal(h["round"], [1, 2, 3, 4])
    assert np.all(np.diff(h["n_examples"]) > 0) and h["n_examples"][-1] == res.n_examples
    np.testing.assert_array_equal(h["n_examples"], s * (h["n_grad_evals"] + h["n_hess_mv"]))
    # the recorded objective is the sample objective at the round's solution
    assert h["objective"][-1] == pytest.approx(obj(res.theta_last, rec.samples[-1]).value, rel=1e-12)


def test_warm_start_and_validation_pick_the_best_round():
    rng, obj = problem(seed=2)
    x0 = obj.init(rng)
    starts, solutions = [], []

    def make(idx):
        fun = functools.partial(obj, idx=idx)

        def tracked(x):
            if len(starts) < len(solutions) + 1:
                starts.append(np.array(x))
            return fun(x)

        return tracked

    def record(r, theta, info):
        solutions.append(theta)

    Y_val = rng.uniform(-2, 2, size=(2, 100))
    C_val = np.eye(2)[:, (np.sum(Y_val**2, axis=0) > 2).astype(int)]
    errors = []

    def validation(theta):
        errors.append(1 - obj.accuracy(theta, Y_val, C_val))
        return errors[-1]

    res = saa(make, x0, n_examples=obj.n, sample_size=50, n_samples=5, solver_kwargs={"maxiter": 5},
              validation=validation, seed=3, callback=record, progress=False)
    np.testing.assert_array_equal(starts[0], x0)
    for r in range(1, 5):
        np.testing.assert_array_equal(starts[r], solutions[r - 1])  # warm start
    best = int(np.argmin(errors))
    assert res.best_round == best and res.best_value == errors[best]
    np.testing.assert_array_equal(res.theta, x0 if best == 0 else solutions[best - 1])
    np.testing.assert_array_equal(res.history["validation"], errors[1:])


def test_budget_stops_new_rounds_and_seed_reproduces():
    rng, obj = problem(seed=4)
    x0 = obj.init(rng)
    make = lambda idx: functools.partial(obj, idx=idx)  # noqa: E731
    budget = 2000
    res = saa(make, x0, n_examples=obj.n, sample_size=40, n_samples=50, solver_kwargs={"maxiter": 3},
              max_examples=budget, seed=5, progress=False)
    assert res.n_rounds < 50 and "budget" in res.reason
    assert res.n_examples >= budget and res.history["n_examples"][-2] < budget
    again = saa(make, x0, n_examples=obj.n, sample_size=40, n_samples=res.n_rounds,
                solver_kwargs={"maxiter": 3}, seed=5, progress=False)
    np.testing.assert_array_equal(again.theta, res.theta)
    assert again.n_examples == res.n_examples


def test_callback_stops():
    rng, obj = problem(seed=6)
    res = saa(lambda idx: functools.partial(obj, idx=idx), obj.init(rng), n_examples=obj.n, sample_size=30,
              n_samples=10, solver_kwargs={"maxiter": 2}, seed=0, callback=lambda r, th, info: r == 2,
              progress=False)
    assert res.n_rounds == 2 and "callback" in res.reason


def test_bad_inputs_name_the_argument():
    rng, obj = problem()
    make = lambda idx: functools.partial(obj, idx=idx)  # noqa: E731
    x0 = obj.init(rng)
    kw = dict(n_examples=obj.n, sample_size=10, n_samples=2, progress=False)
    with pytest.raises(ValueError, match="sample_size"):
        saa(make, x0, **{**kw, "sample_size": obj.n + 1})
    with pytest.raises(ValueError, match="n_samples"):
        saa(make, x0, **{**kw, "n_samples": 0})
    with pytest.raises(ValueError, match="solver"):
        saa(make, x0, solver="adam", **kw)
    with pytest.raises(ValueError, match="make_objective"):
        saa(None, x0, **kw)
    with pytest.raises(ValueError, match="theta0"):
        saa(make, np.full(x0.size, np.nan), **kw)
    with pytest.raises(ValueError, match="max_examples"):
        saa(make, x0, max_examples=0, **kw)
    with pytest.raises(ValueError, match="validation"):
        saa(make, x0, validation=lambda th: np.nan, **kw)
