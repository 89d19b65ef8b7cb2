"""Direct least-squares solvers, Tikhonov, the classifier and the bias-variance formula."""

import warnings

import numpy as np
import pytest

from numdl.linalg import (LeastSquaresClassifier, RankDeficientWarning, bias_variance,
                          design_matrix, filter_factors, lstsq_normal, lstsq_qr, lstsq_svd,
                          tikhonov, tikhonov_svd)

SOLVERS = {
    "normal": lstsq_normal,
    "qr": lstsq_qr,
    "svd": lambda A, B: lstsq_svd(A, B).x,
}


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def matrix_with_singular_values(rng, m, s):
    """A random ``m × len(s)`` matrix with the given singular values."""
    n = len(s)
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U * s) @ V.T


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("k", [None, 1, 4])
def test_agrees_with_numpy_lstsq(solver, bias, k, rng):
    Y = rng.standard_normal((6, 40))
    A = design_matrix(Y, bias=bias)
    B = rng.standard_normal(40) if k is None else rng.standard_normal((40, k))
    ref = np.linalg.lstsq(A, B, rcond=None)[0]
    with np.errstate(all="raise"):
        X = SOLVERS[solver](A, B)
    assert X.shape == ref.shape
    assert rel(X, ref) <= 1e-8


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32(solver, rng):
    A = rng.standard_normal((30, 4)).astype(np.float32)
    B = rng.standard_normal((30, 2)).astype(np.float32)
    X = SOLVERS[solver](A, B)
    assert X.dtype == np.float32
    assert rel(X, np.linalg.lstsq(A.astype(float), B.astype(float), rcond=None)[0]) <= 1e-4


@pytest.mark.parametrize("solver", SOLVERS)
def test_inputs_not_mutated(solver, rng):
    A, B = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    A0, B0 = A.copy(), B.copy()
    SOLVERS[solver](A, B)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_rank_deficient_warns_with_rank(solver, rng):
    A = rng.standard_normal((30, 5))
    A[:, 4] = A[:, 0] - 2 * A[:, 1]            # rank 4
    B = rng.standard_normal((30, 2))
    with pytest.warns(UserWarning, match=r"effective rank 4 < 5") as record:
        X = SOLVERS[solver](A, B)
    assert all(issubclass(w.category, RankDeficientWarning) for w in record)
    assert np.all(np.isfinite(X))
    # any least-squares solution has the optimal residual
    ref = np.linalg.lstsq(A, B, rcond=None)[0]
    np.testing.assert_allclose(np.linalg.norm(A @ X - B), np.linalg.norm(A @ ref - B), rtol=1e-8)


def test_svd_result_reports_rank_and_min_norm(rng):
    A = rng.standard_normal((10, 4))
    A[:, 3] = 0
    b = rng.standard_normal(10)
    with pytest.warns(RankDeficientWarning, match="rank 3"):
        res = lstsq_svd(A, b)
    assert res.rank == 3
    np.testing.assert_allclose(res.singular_values, np.linalg.svd(A, compute_uv=False))
    np.testing.assert_allclose(res.x, np.linalg.pinv(A) @ b, atol=1e-12)


def test_full_rank_gives_no_warning(rng):
    A, b = rng.standard_normal((15, 3)), rng.standard_normal(15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for solver in SOLVERS.values():
            solver(A, b)
        tikhonov(A, b, 0.1)


@pytest.mark.parametrize("solver", list(SOLVERS) + ["tikhonov", "tikhonov_svd"])
def test_nan_input_names_argument(solver, rng):
    fun = {"tikhonov": lambda A, B: tikhonov(A, B, 1.0),
           "tikhonov_svd": lambda A, B: tikhonov_svd(A, B, [1.0])}.get(solver, SOLVERS.get(solver))
    A, B = rng.standard_normal((8, 3)), rng.standard_normal(8)
    A_bad, B_bad = A.copy(), B.copy()
    A_bad[2, 1] = np.nan
    B_bad[0] = np.inf
    with pytest.raises(ValueError, match=r"^A: .*NaN"):
        fun(A_bad, B)
    with pytest.raises(ValueError, match=r"^B: .*NaN"):
        fun(A, B_bad)


def test_shape_errors(rng):
    with pytest.raises(ValueError, match="^B: expected 8 rows"):
        lstsq_qr(rng.standard_normal((8, 3)), rng.standard_normal(7))
    with pytest.raises(ValueError, match="^A: expected a 2-D"):
        lstsq_svd(rng.standard_normal(8), rng.standard_normal(8))
    with pytest.raises(ValueError, match="^lam: "):
        tikhonov(rng.standard_normal((8, 3)), rng.standard_normal(8), -1.0)


@pytest.mark.parametrize("k", [None, 3])
def test_tikhonov_direct_equals_filter_factors(k, rng):
    A = matrix_with_singular_values(rng, 25, np.geomspace(1, 1e-3, 6))
    B = rng.standard_normal(25) if k is None else rng.standard_normal((25, k))
    lams = np.array([1e-6, 1e-3, 1e-1, 10.0])
    Xs = tikhonov_svd(A, B, lams)
    assert Xs.shape == (4,) + (6,) + B.shape[1:]
    for lam, X in zip(lams, Xs):
        np.testing.assert_allclose(X, tikhonov(A, B, lam), rtol=1e-8, atol=1e-12)
        # the defining formula, solved densely
        direct = np.linalg.solve(A.T @ A + lam * np.eye(6), A.T @ B)
        np.testing.assert_allclose(X, direct, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(tikhonov_svd(A, B, 1e-3), Xs[1])


def test_tikhonov_lam_zero_is_least_squares(rng):
    A, B = rng.standard_normal((20, 4)), rng.standard_normal((20, 2))
    ref = np.linalg.lstsq(A, B, rcond=None)[0]
    assert rel(tikhonov(A, B, 0.0), ref) <= 1e-10
    assert rel(tikhonov_svd(A, B, 0.0), ref) <= 1e-10


def test_filter_factors():
    s = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(filter_factors(s, [0.0, 1.0]), [[1, 1, 0], [0.8, 0.5, 0]])


def test_design_matrix():
    Y = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(design_matrix(Y), [[0, 3, 1], [1, 4, 1], [2, 5, 1]])
    np.testing.assert_array_equal(design_matrix(Y, bias=False), Y.T)


def test_classifier_solves_the_least_squares_problem(rng):
    n_f, n_c, n = 5, 3, 60
    Y = rng.standard_normal((n_f, n))
    C = np.eye(n_c)[:, rng.integers(n_c, size=n)]
    clf = LeastSquaresClassifier().fit(Y, C)
    ref = np.linalg.lstsq(np.c_[Y.T, np.ones(n)], C.T, rcond=None)[0]
    assert clf.W_.shape == (n_c, n_f) and clf.b_.shape == (n_c,)
    np.testing.assert_allclose(clf.W_, ref[:n_f].T, rtol=1e-10)
    np.testing.assert_allclose(clf.b_, ref[n_f], rtol=1e-10)
    assert clf.rank_ == n_f + 1
    scores = clf.decision_function(Y)
    np.testing.assert_allclose(scores, clf.W_ @ Y + clf.b_[:, None])
    np.testing.assert_array_equal(clf.predict(Y), np.argmax(scores, axis=0))
    assert clf.score(Y, C) == np.mean(clf.predict(Y) == np.argmax(C, axis=0))


def test_classifier_ridge_and_no_bias(rng):
    Y = rng.standard_normal((4, 30))
    C = np.eye(2)[:, rng.integers(2, size=30)]
    lam = 0.7
    clf = LeastSquaresClassifier(bias=False).fit(Y, C, lam=lam)
    ref = np.linalg.solve(Y @ Y.T + lam * np.eye(4), Y @ C.T)
    np.testing.assert_allclose(clf.W_, ref.T, rtol=1e-10)
    np.testing.assert_array_equal(clf.b_, 0)


def test_classifier_bad_labels_and_unfitted(rng):
    Y = rng.standard_normal((3, 5))
    with pytest.raises(ValueError, match="^C: "):
        LeastSquaresClassifier().fit(Y, 2 * np.eye(2)[:, [0, 1, 0, 1, 0]])
    with pytest.raises(RuntimeError, match="not fitted"):
        LeastSquaresClassifier().predict(Y)
    clf = LeastSquaresClassifier().fit(Y, np.eye(2)[:, [0, 1, 0, 1, 0]], lam=0.1)
    with pytest.raises(ValueError, match="^Y: expected 3 features"):
        clf.predict(Y[:2])


def _naive_bias_variance(A, x, sigma, lam):
    """The SPEC's formula, term by term, with dense inverses."""
    Ainv = np.linalg.inv(A.T @ A + lam * np.eye(A.shape[1]))
    bias2 = lam**2 * np.sum((Ainv @ x) ** 2)
    variance = sigma**2 * np.trace(A @ Ainv.T @ Ainv @ A.T)
    return bias2, variance


def test_bias_variance_matches_the_dense_formula(rng):
    A = matrix_with_singular_values(rng, 20, np.geomspace(2, 1e-2, 5))
    x = rng.standard_normal(5)
    lams = np.array([0.0, 1e-3, 0.1, 3.0])
    bv = bias_variance(A, x, 0.3, lams)
    for i, lam in enumerate(lams):
        b2, var = _naive_bias_variance(A, x, 0.3, lam)
        np.testing.assert_allclose([bv.bias2[i], bv.variance[i]], [b2, var], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(bv.total, bv.bias2 + bv.variance)
    scalar = bias_variance(A, x, 0.3, 0.1)
    assert isinstance(scalar.total, float) and scalar.total == pytest.approx(bv.total[2])


def test_bias_variance_against_monte_carlo(rng):
    m, n, sigma, draws = 30, 5, 0.1, 20000
    A = matrix_with_singular_values(rng, m, np.geomspace(1, 0.05, n))
    x = rng.standard_normal(n)
    lams = np.array([1e-3, 1e-2, 1e-1])
    B = (A @ x)[:, None] + sigma * rng.standard_normal((m, draws))
    X = tikhonov_svd(A, B, lams)                                  # (3, n, draws)
    mc = np.mean(np.sum((X - x[:, None]) ** 2, axis=1), axis=1)
    bv = bias_variance(A, x, sigma, lams)
    np.testing.assert_allclose(mc, bv.total, rtol=0.03)
    # variance dominates at the small λ, bias at the large one: both terms are checked
    assert bv.bias2[0] < bv.variance[0] and bv.bias2[-1] > bv.variance[-1]


def test_bias_variance_several_columns_and_errors(rng):
    A = rng.standard_normal((12, 3))
    X = rng.standard_normal((3, 2))
    bv = bias_variance(A, X, 0.5, 0.2)
    one = [bias_variance(A, X[:, j], 0.5, 0.2) for j in range(2)]
    assert bv.total == pytest.approx(sum(o.total for o in one))
    A[:, 2] = A[:, 1]
    with pytest.raises(ValueError, match="^lam: must be > 0"):
        bias_variance(A, X, 0.5, 0.0)
    with pytest.raises(ValueError, match="^X_true: "):
        bias_variance(A, X[:2], 0.5, 1.0)
