import numpy as np

from numdl.data import digits_images, flatten_images, load_digits, to_labels


def test_digits_split_shapes():
    s = load_digits(val_size=0.1, test_size=0.2, seed=0)
    n = [s.Y_train.shape[1], s.Y_val.shape[1], s.Y_test.shape[1]]
    assert sum(n) == 1797
    assert n[2] == 359 and n[1] == 180  # round(0.2 * 1797), round(0.1 * 1797)
    for Y, C in [(s.Y_train, s.C_train), (s.Y_val, s.C_val), (s.Y_test, s.C_test)]:
        assert Y.shape[0] == 64 and C.shape[0] == 10 and Y.dtype == np.float64
        assert Y.min() >= 0 and Y.max() <= 1
        np.testing.assert_array_equal(C.sum(axis=0), 1)
    # stratified: every class in the test part, proportions near 1/10
    counts = s.C_test.sum(axis=1)
    assert counts.min() >= 34 and counts.max() <= 38


def test_digits_images_match_features():
    images, C = digits_images()
    assert images.shape == (1, 8, 8, 1797) and C.shape == (10, 1797)
    assert images.max() == 1.0 and images.min() == 0.0
    np.testing.assert_array_equal(np.bincount(to_labels(C))[:3], [178, 182, 177])
    s = load_digits(test_size=0.0, seed=0)
    Y_all = flatten_images(images)
    # every training column is one of the images, with the same label
    cols = {tuple(y): k for y, k in zip(Y_all.T, to_labels(C))}
    for y, k in zip(s.Y_train.T[:50], to_labels(s.C_train)[:50]):
        assert cols[tuple(y)] == k


def test_digits_standardize_uses_train_statistics():
    raw = load_digits(val_size=0.2, seed=4)
    std = load_digits(val_size=0.2, seed=4, standardize=True)
    np.testing.assert_allclose(std.Y_train.mean(axis=1), 0, atol=1e-12)
    sd = std.Y_train.std(axis=1)
    assert np.all((np.abs(sd - 1) < 1e-12) | (sd == 0))
    mean = raw.Y_train.mean(axis=1, keepdims=True)
    scale = raw.Y_train.std(axis=1, keepdims=True)
    scale[scale == 0] = 1
    np.testing.assert_allclose(std.Y_test, (raw.Y_test - mean) / scale)
    np.testing.assert_array_equal(std.C_val, raw.C_val)
