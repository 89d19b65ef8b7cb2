import numpy as np
import pytest

from numdl.data import (
    SYNTHETIC, circles, ellipses, peaks, peaks_function, peaks_thresholds, spiral, swiss_roll,
    to_labels,
)

SMALL = {
    "peaks": dict(n=600, n_c=4),
    "ellipses": dict(n=301),
    "circles": dict(n=301, n_c=3),
    "spiral": dict(n=301, n_c=3),
    "swiss-roll": dict(n=301, n_c=3),
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_shapes_one_hot_and_balance(name):
    kw = SMALL[name]
    Y, C = SYNTHETIC[name](**kw, seed=3)
    n, n_c = kw["n"], kw.get("n_c", 2)
    assert Y.shape == (2, n) and Y.dtype == np.float64
    assert C.shape == (n_c, n)
    assert set(np.unique(C)) == {0.0, 1.0}
    np.testing.assert_array_equal(C.sum(axis=0), np.ones(n))
    counts = C.sum(axis=1)
    expected = np.full(n_c, n // n_c) + (np.arange(n_c) < n % n_c)
    np.testing.assert_array_equal(counts, expected)
    assert np.all(np.isfinite(Y))


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_seeded_reproducibility(name):
    f = SYNTHETIC[name]
    Y1, C1 = f(**SMALL[name], seed=7)
    Y2, C2 = f(**SMALL[name], seed=7)
    Y3, _ = f(**SMALL[name], seed=8)
    np.testing.assert_array_equal(Y1, Y2)
    np.testing.assert_array_equal(C1, C2)
    assert not np.allclose(Y1, Y3)
    Y4, _ = f(**SMALL[name], seed=np.random.default_rng(7))
    np.testing.assert_array_equal(Y1, Y4)


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_classes_are_shuffled(name):
    _, C = SYNTHETIC[name](**SMALL[name], seed=0)
    labels = to_labels(C)
    assert np.any(np.diff(labels) < 0)


def test_peaks_function_known_values():
    # f(0, 0) = 3 e^{-1} - e^{-1}/3
    assert peaks_function(0.0, 0.0) == pytest.approx(3 * np.exp(-1) - np.exp(-1) / 3)
    x = np.array([1.0, -0.5])
    y = np.array([0.5, 2.0])
    f = 3 * (1 - x) ** 2 * np.exp(-x**2 - (y + 1) ** 2) \
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-x**2 - y**2) - np.exp(-(x + 1) ** 2 - y**2) / 3
    np.testing.assert_allclose(peaks_function(x, y), f)
    # the maximum of MATLAB's peaks is about 8.106 near (-0.0093, 1.5814)
    assert peaks_function(-0.0093, 1.5814) == pytest.approx(8.1062, abs=1e-3)


def test_peaks_classes_are_level_bands():
    n_c = 5
    Y, C = peaks(2000, n_c, seed=1)
    assert np.all(np.abs(Y) <= 3)
    f = peaks_function(Y[0], Y[1])
    labels = to_labels(C)
    t = peaks_thresholds(n_c)
    assert t.shape == (n_c - 1,) and np.all(np.diff(t) > 0)
    for k in range(n_c - 1):
        assert f[labels == k].max() < f[labels == k + 1].min()
        assert f[labels == k].max() < t[k] <= f[labels == k + 1].min()


def test_peaks_bands_have_equal_area():
    # uniform points of the square fall into each band with probability ~1/n_c
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-3, 3, size=(2, 200_000))
    band = np.searchsorted(peaks_thresholds(4), peaks_function(x, y), side="right")
    np.testing.assert_allclose(np.bincount(band, minlength=4) / x.size, 0.25, atol=0.01)


def test_peaks_uneven_split():
    _, C = peaks(7, 3, seed=0)
    np.testing.assert_array_equal(C.sum(axis=1), [3, 2, 2])


def test_ellipses_quadratic_separation():
    Y, C = ellipses(500, seed=2)
    labels = to_labels(C)
    angle = np.pi / 6
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    u = rot.T @ Y
    q = (u[0] / 2) ** 2 + u[1] ** 2
    assert q[labels == 0].max() <= 1 + 1e-12
    assert q[labels == 1].min() >= 1.25**2 - 1e-12
    # both classes are centered at the origin: the ring surrounds the ellipse
    np.testing.assert_allclose(Y[:, labels == 0].mean(axis=1), 0, atol=0.15)
    np.testing.assert_allclose(Y[:, labels == 1].mean(axis=1), 0, atol=0.25)


def test_ellipses_not_linearly_separable_but_quadratically():
    from sklearn.linear_model import LogisticRegression

    Y, C = ellipses(400, seed=0)
    labels = to_labels(C)
    lin = LogisticRegression().fit(Y.T, labels).score(Y.T, labels)
    quad_features = np.vstack([Y, Y[0] ** 2, Y[0] * Y[1], Y[1] ** 2]).T
    quad = LogisticRegression(C=1e4, max_iter=5000).fit(quad_features, labels)
    assert lin < 0.75
    assert quad.score(quad_features, labels) == 1.0


def test_circles_radii():
    Y, C = circles(600, 3, noise=0.0, seed=0)
    r = np.linalg.norm(Y, axis=0)
    np.testing.assert_allclose(r, (to_labels(C) + 1) / 3)


def test_spiral_without_noise_lies_on_arms():
    Y, C = spiral(300, 2, noise=0.0, seed=0)
    labels = to_labels(C)
    s = np.linalg.norm(Y, axis=0)
    theta = 2 * np.pi * (s + labels / 2)
    np.testing.assert_allclose(Y, s * np.stack([np.cos(theta), np.sin(theta)]), atol=1e-12)


def test_swiss_roll_segments_along_t():
    Y, C = swiss_roll(400, 4, noise=0.0, seed=0)
    labels = to_labels(C)
    t = np.linalg.norm(Y, axis=0) * 4.5 * np.pi   # |y| = t / t_max
    edges = 1.5 * np.pi + 3 * np.pi * np.arange(5) / 4
    for k in range(4):
        assert edges[k] - 1e-9 <= t[labels == k].min()
        assert t[labels == k].max() <= edges[k + 1] + 1e-9
    np.testing.assert_allclose(Y, t / (4.5 * np.pi) * np.stack([np.cos(t), np.sin(t)]), atol=1e-12)


def test_noise_changes_points():
    Y0, _ = circles(200, seed=0, noise=0.0)
    Y1, _ = circles(200, seed=0, noise=0.2)
    spread = np.std(np.linalg.norm(Y1, axis=0) - np.linalg.norm(Y0, axis=0))
    assert 0.1 < spread < 0.3


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_bad_sizes(name):
    f = SYNTHETIC[name]
    with pytest.raises(ValueError, match="^n: "):
        f(n=0, seed=0)
    with pytest.raises(ValueError, match="^n: "):
        f(n=2.5, seed=0)
    if name != "ellipses":
        with pytest.raises(ValueError, match="^n_c: "):
            f(n=10, n_c=1, seed=0)
        with pytest.raises(ValueError, match="^n: .*>= 4"):
            f(n=3, n_c=4, seed=0)


@pytest.mark.parametrize("f", [circles, spiral, swiss_roll])
def test_bad_noise(f):
    with pytest.raises(ValueError, match="noise"):
        f(100, noise=-0.1, seed=0)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        peaks(100, seed="x")
