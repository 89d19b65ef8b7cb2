import numpy as np
import pytest

from numdl.data import Split, Standardizer, center, one_hot, split_data, to_labels


def _data(n=200, n_c=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(n_c), n // n_c)
    Y = np.vstack([np.arange(labels.size, dtype=float), rng.standard_normal(labels.size)])
    return Y, one_hot(labels, n_c)


def test_split_sizes_disjoint_and_complete():
    Y, C = _data()
    s = split_data(Y, C, val_size=0.2, test_size=0.3, seed=1)
    assert isinstance(s, Split)
    assert s.Y_test.shape == (2, 60) and s.Y_val.shape == (2, 40) and s.Y_train.shape == (2, 100)
    ids = np.concatenate([s.Y_train[0], s.Y_val[0], s.Y_test[0]])
    np.testing.assert_array_equal(np.sort(ids), np.arange(200))
    # labels travel with their examples
    for Yp, Cp in [(s.Y_train, s.C_train), (s.Y_val, s.C_val), (s.Y_test, s.C_test)]:
        np.testing.assert_array_equal(to_labels(Cp), Yp[0].astype(int) // 50)


def test_split_is_stratified():
    Y, C = _data(n=400, n_c=4)
    s = split_data(Y, C, val_size=0.25, test_size=0.25, seed=3)
    for Cp, n in [(s.C_train, 200), (s.C_val, 100), (s.C_test, 100)]:
        np.testing.assert_array_equal(Cp.sum(axis=1), np.full(4, n // 4))


def test_split_unstratified_and_no_val():
    Y, C = _data(n=100)
    s = split_data(Y, C, test_size=0.3, seed=0, stratify=False)
    assert s.Y_val.shape == (2, 0) and s.C_val.shape == (4, 0)
    assert s.Y_train.shape[1] == 70 and s.Y_test.shape[1] == 30


def test_split_without_test():
    Y, C = _data(n=100)
    s = split_data(Y, C, val_size=0.1, test_size=0.0)
    assert s.Y_test.shape == (2, 0) and s.Y_val.shape[1] == 10 and s.Y_train.shape[1] == 90


def test_split_seeded():
    Y, C = _data()
    a = split_data(Y, C, val_size=0.1, seed=5)
    b = split_data(Y, C, val_size=0.1, seed=5)
    c = split_data(Y, C, val_size=0.1, seed=6)
    np.testing.assert_array_equal(a.Y_test, b.Y_test)
    np.testing.assert_array_equal(a.Y_val, b.Y_val)
    assert not np.array_equal(a.Y_test, c.Y_test)


@pytest.mark.parametrize("kwargs, match", [
    (dict(test_size=1.0), "test_size"),
    (dict(test_size=-0.1), "test_size"),
    (dict(val_size=0.5, test_size=0.5), r"val_size \+ test_size"),
    (dict(val_size="0.1"), "val_size"),
])
def test_split_bad_fractions(kwargs, match):
    Y, C = _data()
    with pytest.raises(ValueError, match=match):
        split_data(Y, C, **kwargs)


def test_split_bad_shapes():
    Y, C = _data()
    with pytest.raises(ValueError, match="C"):
        split_data(Y, C[:, :-1])


def test_split_too_few_for_stratification():
    Y, C = _data(n=8, n_c=4)
    with pytest.raises(ValueError, match="stratified"):
        split_data(Y, C, test_size=0.1)


def test_standardizer_train_stats_and_reuse():
    rng = np.random.default_rng(0)
    Y = rng.normal(loc=[[3.0], [-2.0], [5.0]], scale=[[2.0], [0.5], [0.0]], size=(3, 500))
    sc = Standardizer().fit(Y)
    assert sc.mean_.shape == (3, 1) and sc.scale_.shape == (3, 1)
    Z = sc.transform(Y)
    np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=1), [1, 1, 0], atol=1e-12)
    assert sc.scale_[2, 0] == 1.0
    np.testing.assert_allclose(sc.inverse_transform(Z), Y)
    # new data uses the training statistics
    z = sc.transform(np.full((3, 1), 3.0))[0, 0]
    np.testing.assert_allclose(z, (3 - sc.mean_[0, 0]) / sc.scale_[0, 0])
    np.testing.assert_allclose(Standardizer().fit_transform(Y), Z)


def test_standardizer_float32_and_input_not_mutated():
    Y = np.random.default_rng(1).standard_normal((2, 50)).astype(np.float32) * 3 + 1
    Y0 = Y.copy()
    Z = Standardizer().fit_transform(Y)
    assert Z.dtype == np.float32
    np.testing.assert_array_equal(Y, Y0)


def test_standardizer_errors():
    sc = Standardizer()
    with pytest.raises(RuntimeError, match="fit"):
        sc.transform(np.zeros((2, 3)))
    sc.fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Y: expected 2 features"):
        sc.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="Y"):
        Standardizer().fit(np.zeros((2, 0)))


def test_center():
    Y = np.array([[1.0, 3.0], [2.0, 2.0]])
    Yc, mean = center(Y)
    np.testing.assert_array_equal(mean, [[2.0], [2.0]])
    np.testing.assert_array_equal(Yc, [[-1.0, 1.0], [0.0, 0.0]])
