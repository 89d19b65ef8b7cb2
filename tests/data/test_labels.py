import numpy as np
import pytest

from numdl.data import ImageData, flatten_images, one_hot, to_labels, unflatten_images


def test_one_hot_values_and_shape():
    C = one_hot([2, 0, 1, 2], n_c=4)
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0]], dtype=float)
    assert C.dtype == np.float64
    np.testing.assert_array_equal(C, expected)


def test_one_hot_default_n_c_dtype_and_integral_floats():
    C = one_hot(np.array([3.0, 1.0]), dtype=np.float32)
    assert C.shape == (4, 2) and C.dtype == np.float32
    np.testing.assert_array_equal(to_labels(C), [3, 1])


def test_round_trip():
    labels = np.random.default_rng(0).integers(0, 7, size=50)
    np.testing.assert_array_equal(to_labels(one_hot(labels, 7)), labels)


def test_to_labels_of_probabilities():
    C = np.array([[0.1, 0.7], [0.6, 0.2], [0.3, 0.1]])
    np.testing.assert_array_equal(to_labels(C), [1, 0])


@pytest.mark.parametrize("labels, n_c, match", [
    ([0, 1.5], None, "labels"),
    ([0, -1], None, "labels"),
    ([0, 3], 3, "labels"),
    ([[0, 1]], None, "labels"),
    (["a", "b"], None, "labels"),
    ([True, False], None, "labels"),
    ([0, 1], 0, "n_c"),
    ([0, 1], 2.0, "n_c"),
    ([], None, "n_c"),
])
def test_one_hot_rejects_bad_input(labels, n_c, match):
    with pytest.raises(ValueError, match=match):
        one_hot(labels, n_c)


def test_to_labels_rejects_1d():
    with pytest.raises(ValueError, match="C"):
        to_labels([0.2, 0.8])


def test_flatten_images_order_and_inverse():
    images = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    Y = flatten_images(images)
    assert Y.shape == (24, 5)
    # feature (k*h + i)*w + j of column l is images[k, i, j, l]
    assert Y[(1 * 3 + 2) * 4 + 3, 4] == images[1, 2, 3, 4]
    np.testing.assert_array_equal(unflatten_images(Y, (2, 3, 4)), images)
    assert unflatten_images(Y[:12], (3, 4)).shape == (1, 3, 4, 5)


def test_image_helpers_reject_bad_shapes():
    with pytest.raises(ValueError, match="images"):
        flatten_images(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match="image_shape"):
        unflatten_images(np.zeros((10, 2)), (1, 3, 3))


def test_image_data_fields():
    d = ImageData(np.zeros((1, 2, 2, 3)), one_hot([0, 1, 1]))
    assert d.images.shape == (1, 2, 2, 3) and d.C.shape == (2, 3)
    images, C = d
    assert images is d.images
