"""scikit-learn's embedded 8x8 handwritten digits (1,797 images, no network needed)."""

from __future__ import annotations

import numpy as np
import sklearn.datasets

from numdl.data.labels import one_hot
from numdl.data.splitting import Split, Standardizer, split_data

__all__ = ["load_digits", "digits_images"]


def _digits():
    X, y = sklearn.datasets.load_digits(return_X_y=True)
    # pixels are integers 0..16; scale to [0, 1]
    return np.ascontiguousarray(X.T, dtype=np.float64) / 16.0, one_hot(y, 10)


def digits_images():
    """All 1,797 digits as an image batch.

    Returns
    -------
    images : ndarray, shape (1, 8, 8, 1797)
        Gray values ``pixel / 16`` in ``[0, 1]``.
    C : ndarray, shape (10, 1797)
        One-hot labels (digit ``k`` is class ``k``).
    """
    Y, C = _digits()
    return Y.reshape(1, 8, 8, Y.shape[1]), C


def load_digits(*, val_size=0.0, test_size=0.3, seed=0, standardize=False) -> Split:
    """The 8x8 digits as feature matrices, split into train / validation / test.

    Features are the 64 pixels (row-major, ``pixel / 16`` in ``[0, 1]``), i.e.
    ``flatten_images(digits_images()[0])``. The split is stratified by class
    (:func:`numdl.data.split_data`).

    Parameters
    ----------
    val_size, test_size : float
        Fractions of the 1,797 examples, in ``[0, 1)``, summing to less than 1.
    seed : int, None or numpy.random.Generator
        Seed of the split.
    standardize : bool
        Scale every pixel to zero mean and unit variance with a
        :class:`Standardizer` fit on the training part only (constant pixels are
        only centered).

    Returns
    -------
    Split
        ``Y_*`` of shape ``(64, n_*)`` and ``C_*`` of shape ``(10, n_*)``.
    """
    Y, C = _digits()
    split = split_data(Y, C, val_size=val_size, test_size=test_size, seed=seed)
    if not standardize:
        return split
    scaler = Standardizer().fit(split.Y_train)
    return split._replace(Y_train=scaler.transform(split.Y_train),
                          Y_val=scaler.transform(split.Y_val),
                          Y_test=scaler.transform(split.Y_test))
