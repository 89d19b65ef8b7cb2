"""Seeded synthetic 2-D classification sets of the course.

Every generator returns ``(Y, C)`` with features ``Y`` of shape ``(2, n)`` (float64,
one point per column) and one-hot labels ``C`` of shape ``(n_c, n)``. The ``n``
points are split among the classes as evenly as possible (class ``k`` gets
``n // n_c + (k < n % n_c)`` points) and the columns come in random order.
"""

from __future__ import annotations

from functools import lru_cache
from numbers import Real

import numpy as np

from numdl.data.labels import _check_int, one_hot
from numdl.utils.validation import as_generator

__all__ = [
    "peaks_function",
    "peaks_thresholds",
    "peaks",
    "ellipses",
    "circles",
    "spiral",
    "swiss_roll",
    "SYNTHETIC",
]


def _check_sizes(n, n_c) -> tuple[int, int]:
    n_c = _check_int(n_c, "n_c", minimum=2)
    n = _check_int(n, "n", minimum=n_c)
    return n, n_c


def _check_noise(noise) -> float:
    if (isinstance(noise, bool) or not isinstance(noise, Real)
            or not np.isfinite(noise) or noise < 0):
        raise ValueError(f"noise: expected a finite number >= 0, got {noise!r}")
    return float(noise)


def _class_counts(n: int, n_c: int) -> np.ndarray:
    """Points per class: ``n // n_c``, plus one for the first ``n % n_c`` classes."""
    return n // n_c + (np.arange(n_c) < n % n_c)


def _shuffled_labels(n: int, n_c: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.repeat(np.arange(n_c), _class_counts(n, n_c)))


def _noisy_setup(n, n_c, noise, seed):
    """Checked ``(n, n_c, noise)``, the generator of ``seed`` and the shuffled labels
    (balanced classes) drawn from it: the start of every noisy 2-D data set."""
    n, n_c = _check_sizes(n, n_c)
    noise = _check_noise(noise)
    rng = as_generator(seed)
    return n, n_c, noise, rng, _shuffled_labels(n, n_c, rng)


def peaks_function(x, y):
    """MATLAB's ``peaks`` surface.

    .. math::

        f(x, y) = 3(1-x)^2 e^{-x^2-(y+1)^2} - 10\\left(\\tfrac{x}{5} - x^3 - y^5\\right)
        e^{-x^2-y^2} - \\tfrac13 e^{-(x+1)^2-y^2}

    Parameters
    ----------
    x, y : array_like
        Coordinates (broadcast together).

    Returns
    -------
    f : ndarray
        Same shape as ``x`` and ``y`` broadcast.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (3 * (1 - x) ** 2 * np.exp(-x**2 - (y + 1) ** 2)
            - 10 * (x / 5 - x**3 - y**5) * np.exp(-x**2 - y**2)
            - np.exp(-(x + 1) ** 2 - y**2) / 3)


@lru_cache(maxsize=16)
def _peaks_thresholds(n_c: int) -> np.ndarray:
    m = 1000
    t = -3 + 6 * (np.arange(m) + 0.5) / m
    f = peaks_function(t[:, None], t[None, :]).ravel()
    thresholds = np.quantile(f, np.arange(1, n_c) / n_c)
    thresholds.setflags(write=False)
    return thresholds


def peaks_thresholds(n_c: int) -> np.ndarray:
    """Levels ``t_1 < ... < t_{n_c-1}`` that cut the peaks surface into ``n_c`` bands.

    ``t_k`` is the ``k/n_c`` quantile of ``f`` for a uniform point of ``[-3, 3]^2``
    (computed on the midpoints of a 1000 x 1000 grid), so each band
    ``{t_k <= f < t_{k+1}}`` (with ``t_0 = -inf``, ``t_{n_c} = +inf``) covers about
    ``1/n_c`` of the square. Deterministic; useful to draw the true class boundaries.

    Returns
    -------
    thresholds : ndarray, shape (n_c - 1,)
    """
    return _peaks_thresholds(_check_int(n_c, "n_c", minimum=2)).copy()


def peaks(n=5000, n_c=5, *, seed=None):
    """Points of ``[-3, 3]^2`` classified by the level band of MATLAB's peaks surface.

    Class ``k`` is ``{(x, y) : t_k <= f(x, y) < t_{k+1}}`` with ``f`` =
    :func:`peaks_function` and the levels of :func:`peaks_thresholds`; class 0 is the
    lowest band. Points are uniform in the square conditioned on their band, drawn by
    rejection in vectorized batches until every class has its quota, so the class
    sizes are equal (up to one when ``n_c`` does not divide ``n``).

    Parameters
    ----------
    n : int
        Number of points, ``n >= n_c``.
    n_c : int
        Number of classes (bands), ``n_c >= 2``.
    seed : int, None or numpy.random.Generator

    Returns
    -------
    Y : ndarray, shape (2, n)
        Coordinates ``(x, y)`` of each point.
    C : ndarray, shape (n_c, n)
        One-hot labels.
    """
    n, n_c = _check_sizes(n, n_c)
    rng = as_generator(seed)
    thresholds = _peaks_thresholds(n_c)
    counts = _class_counts(n, n_c)
    chunks = [[] for _ in range(n_c)]
    missing = counts.copy()
    while missing.any():
        # each band has probability ~1/n_c, so this batch usually fills every quota
        m = max(1024, 2 * n_c * int(missing.max()))
        pts = rng.uniform(-3.0, 3.0, size=(2, m))
        band = np.searchsorted(thresholds, peaks_function(pts[0], pts[1]), side="right")
        for k in np.flatnonzero(missing):
            take = np.flatnonzero(band == k)[: missing[k]]
            chunks[k].append(pts[:, take])
            missing[k] -= take.size
    Y = np.concatenate([np.concatenate(c, axis=1) for c in chunks], axis=1)
    labels = np.repeat(np.arange(n_c), counts)
    perm = rng.permutation(n)
    return Y[:, perm], one_hot(labels[perm], n_c)


def ellipses(n=1000, *, seed=None):
    """An ellipse (class 0) inside an elliptical ring (class 1).

    With the rotation ``R`` by 30 degrees and semi-axes ``a = 2``, ``b = 1``, write a
    point as ``x = R diag(a, b) (r cos phi, r sin phi)``. Class 0 has ``r <= 1``,
    class 1 has ``1.25 <= r <= 2``; points are uniform in area. The classes are not
    linearly separable in ``(x_1, x_2)`` but are separated by the quadratic
    ``q(x) = ||diag(1/a, 1/b) R^T x||^2`` (``q <= 1`` vs ``q >= 1.5625``), i.e. linearly
    separable in the features ``(x_1, x_2, x_1^2, x_1 x_2, x_2^2)``.

    Parameters
    ----------
    n : int
        Number of points, ``n >= 2``; class 0 gets ``ceil(n/2)``, class 1 ``floor(n/2)``.
    seed : int, None or numpy.random.Generator

    Returns
    -------
    Y : ndarray, shape (2, n)
    C : ndarray, shape (2, n)
    """
    n, n_c = _check_sizes(n, 2)
    rng = as_generator(seed)
    labels = _shuffled_labels(n, n_c, rng)
    r_lo = np.where(labels == 0, 0.0, 1.25)
    r_hi = np.where(labels == 0, 1.0, 2.0)
    # r^2 uniform on [r_lo^2, r_hi^2] gives points uniform in area
    r = np.sqrt(r_lo**2 + (r_hi**2 - r_lo**2) * rng.uniform(size=n))
    phi = rng.uniform(0.0, 2 * np.pi, size=n)
    angle = np.pi / 6
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    Y = rot @ (np.array([[2.0], [1.0]]) * (r * np.stack([np.cos(phi), np.sin(phi)])))
    return Y, one_hot(labels, n_c)


def circles(n=1000, n_c=2, *, noise=0.05, seed=None):
    """Concentric rings, one per class.

    Class ``k`` lies on the circle of radius ``r_k = (k + 1) / n_c`` at a uniform
    angle, plus isotropic Gaussian noise: ``y = r_k (cos phi, sin phi) + noise * e``,
    ``e ~ N(0, I_2)``.

    Parameters
    ----------
    n : int
        Number of points, ``n >= n_c``.
    n_c : int
        Number of rings, ``n_c >= 2``.
    noise : float
        Standard deviation of the added noise (rings are ``1/n_c`` apart).
    seed : int, None or numpy.random.Generator

    Returns
    -------
    Y : ndarray, shape (2, n)
    C : ndarray, shape (n_c, n)
    """
    n, n_c, noise, rng, labels = _noisy_setup(n, n_c, noise, seed)
    r = (labels + 1) / n_c
    phi = rng.uniform(0.0, 2 * np.pi, size=n)
    Y = r * np.stack([np.cos(phi), np.sin(phi)]) + noise * rng.standard_normal((2, n))
    return Y, one_hot(labels, n_c)


def spiral(n=1000, n_c=2, *, noise=0.1, seed=None):
    """Interleaved spiral arms, one per class.

    Arm ``k`` is ``s (cos theta, sin theta)`` with ``theta = 2 pi (s + k / n_c)``
    for ``s in [0, 1]`` (one turn, arms rotated evenly). ``s = sqrt(u)``
    with ``u`` uniform puts points roughly uniformly along each arm; isotropic
    Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    n : int
        Number of points, ``n >= n_c``.
    n_c : int
        Number of arms, ``n_c >= 2``.
    noise : float
        Standard deviation of the added noise (neighbouring arms are ``1/n_c``
        apart along a ray).
    seed : int, None or numpy.random.Generator

    Returns
    -------
    Y : ndarray, shape (2, n)
    C : ndarray, shape (n_c, n)
    """
    n, n_c, noise, rng, labels = _noisy_setup(n, n_c, noise, seed)
    s = np.sqrt(rng.uniform(size=n))
    theta = 2 * np.pi * (s + labels / n_c)
    Y = s * np.stack([np.cos(theta), np.sin(theta)]) + noise * rng.standard_normal((2, n))
    return Y, one_hot(labels, n_c)


def swiss_roll(n=1000, n_c=2, *, noise=0.1, seed=None):
    """The 2-D swiss roll ``t (cos t, sin t)``, cut into consecutive segments along ``t``.

    ``t`` ranges over ``[1.5 pi, 4.5 pi]``, split into ``n_c`` intervals of equal
    length; class ``k`` is uniform in ``t`` on interval ``k``. Points are scaled by
    ``1 / (4.5 pi)`` so the curve lies in the unit disk (successive turns are about
    0.44 apart), then isotropic Gaussian noise of standard deviation ``noise`` is added:
    ``y = t (cos t, sin t) / (4.5 pi) + noise * e``.

    Parameters
    ----------
    n : int
        Number of points, ``n >= n_c``.
    n_c : int
        Number of segments, ``n_c >= 2``.
    noise : float
        Standard deviation of the added noise.
    seed : int, None or numpy.random.Generator

    Returns
    -------
    Y : ndarray, shape (2, n)
    C : ndarray, shape (n_c, n)
    """
    n, n_c, noise, rng, labels = _noisy_setup(n, n_c, noise, seed)
    t_min, t_max = 1.5 * np.pi, 4.5 * np.pi
    width = (t_max - t_min) / n_c
    t = t_min + width * (labels + rng.uniform(size=n))
    Y = t / t_max * np.stack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal((2, n))
    return Y, one_hot(labels, n_c)


SYNTHETIC = {
    "peaks": peaks,
    "ellipses": ellipses,
    "circles": circles,
    "spiral": spiral,
    "swiss-roll": swiss_roll,
}
"""Synthetic generators by name; each returns ``(Y (2, n), C (n_c, n))``."""
