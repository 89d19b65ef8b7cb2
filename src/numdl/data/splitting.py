"""Train / validation / test splits and feature preprocessing (centering, scaling)."""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split

from numdl.data.labels import to_labels
from numdl.utils.validation import as_generator, check_array, check_features_labels, check_fitted_features

__all__ = ["Split", "split_data", "Standardizer", "center"]


class Split(NamedTuple):
    """Features and labels of a train / validation / test split (columns are examples).

    ``Y_*`` have shape ``(n_f, n_*)`` and ``C_*`` shape ``(n_c, n_*)``; the validation
    part may have zero columns.
    """

    Y_train: np.ndarray
    C_train: np.ndarray
    Y_val: np.ndarray
    C_val: np.ndarray
    Y_test: np.ndarray
    C_test: np.ndarray


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(f"{name}: expected a fraction in [0, 1), got {value!r}")
    return float(value)


def _split_columns(idx, size, labels, stratify, random_state, what):
    """Split index array ``idx`` into ``(rest, part)`` with ``size`` entries in ``part``."""
    if size == 0:
        return idx, idx[:0]
    try:
        return train_test_split(idx, test_size=size, random_state=random_state,
                                stratify=labels[idx] if stratify else None)
    except ValueError as err:
        raise ValueError(f"split_data: cannot split off the {what} part of {idx.size} "
                         f"examples{' stratified by class' if stratify else ''}: {err}") from err


def split_data(Y, C, *, val_size=0.0, test_size=0.3, seed=0, stratify=True) -> Split:
    """Split examples (columns) into train, validation and test parts.

    The test part gets ``round(test_size * n)`` examples, the validation part
    ``round(val_size * n)`` and the training part the rest. With ``stratify`` each
    part keeps the class proportions of ``C`` (scikit-learn's ``train_test_split``).
    The parts are disjoint and together hold every example once.

    Parameters
    ----------
    Y : array_like, shape (n_f, n)
    C : array_like, shape (n_c, n)
        One-hot labels or class probabilities (the class used to stratify is
        ``argmax_k C[k, j]``).
    val_size, test_size : float
        Fractions in ``[0, 1)`` with ``val_size + test_size < 1``.
    seed : int, None or numpy.random.Generator
    stratify : bool

    Returns
    -------
    Split
        ``(Y_train, C_train, Y_val, C_val, Y_test, C_test)``.
    """
    Y, C = check_features_labels(Y, C)
    val_size = _check_fraction(val_size, "val_size")
    test_size = _check_fraction(test_size, "test_size")
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size: must be < 1 to leave training data, got "
                         f"{val_size} + {test_size}")
    n = Y.shape[1]
    n_test = int(np.floor(test_size * n + 0.5))
    n_val = int(np.floor(val_size * n + 0.5))
    if n_test + n_val >= n:
        raise ValueError(f"Y: {n} examples leave no training data with val_size={val_size} "
                         f"and test_size={test_size}")
    rng = as_generator(seed)
    labels = to_labels(C)
    idx = np.arange(n)
    rest, test = _split_columns(idx, n_test, labels, stratify,
                                int(rng.integers(2**31 - 1)), "test")
    train, val = _split_columns(rest, n_val, labels, stratify,
                                int(rng.integers(2**31 - 1)), "validation")
    return Split(Y[:, train], C[:, train], Y[:, val], C[:, val], Y[:, test], C[:, test])


def center(Y):
    """Remove the mean of every feature (row).

    ``Yc = Y - mu e^T`` with ``mu = (1/n) Y e``.

    Parameters
    ----------
    Y : array_like, shape (n_f, n)

    Returns
    -------
    Yc : ndarray, shape (n_f, n)
    mean : ndarray, shape (n_f, 1)
    """
    Y = check_array(Y, "Y", ndim=2)
    if Y.shape[1] == 0:
        raise ValueError("Y: expected at least one example (column), got 0")
    mean = Y.mean(axis=1, keepdims=True)
    return Y - mean, mean


class Standardizer:
    """Scale every feature (row) to zero mean and unit standard deviation.

    ``fit`` learns ``mu = mean_`` and ``sigma = scale_`` (population standard
    deviation, a feature that is constant on the training data gets ``sigma = 1``)
    from training data; ``transform`` maps ``Y -> (Y - mu e^T) / sigma`` row-wise.
    Fit on the training part only and apply the same map to validation and test data.

    Attributes
    ----------
    mean_ : ndarray, shape (n_f, 1)
    scale_ : ndarray, shape (n_f, 1)
    """

    def fit(self, Y) -> "Standardizer":
        """Learn ``mean_`` and ``scale_`` from ``Y (n_f, n)``; return ``self``."""
        Yc, mean = center(Y)
        scale = np.sqrt(np.mean(Yc**2, axis=1, keepdims=True))
        # constant features (std zero up to round-off of the mean) are left unscaled
        tiny = 10 * np.finfo(scale.dtype).eps * np.maximum(1.0, np.abs(mean))
        scale[scale <= tiny] = 1.0
        self.mean_ = mean
        self.scale_ = scale
        return self

    def _check(self, Y):
        n_f = self.mean_.shape[0] if hasattr(self, "mean_") else None
        return check_fitted_features(Y, n_f, "Standardizer")

    def transform(self, Y) -> np.ndarray:
        """Return ``(Y - mean_) / scale_`` for ``Y (n_f, n)``, in the dtype of ``Y``."""
        Y = self._check(Y)
        return (Y - self.mean_.astype(Y.dtype)) / self.scale_.astype(Y.dtype)

    def fit_transform(self, Y) -> np.ndarray:
        """``fit(Y)`` then ``transform(Y)``."""
        return self.fit(Y).transform(Y)

    def inverse_transform(self, Z) -> np.ndarray:
        """Undo :meth:`transform`: ``Z * scale_ + mean_``."""
        Z = self._check(Z)
        return Z * self.scale_.astype(Z.dtype) + self.mean_.astype(Z.dtype)
