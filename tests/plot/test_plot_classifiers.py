import numpy as np
import pytest
from matplotlib.image import imread

from numdl.plot import plot_decision_regions, plot_point_sets
from numdl.plot.classifiers import _decision_field, _grid, _predicted_labels
from numdl.plot.figures import lighten, qualitative_colors


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    Y = rng.uniform(-1, 1, size=(2, 80))
    labels = (Y[0] > 0).astype(int)
    return Y, np.eye(2)[:, labels]


def test_grid_covers_bounding_box_with_margin():
    Y = np.array([[0.0, 2.0, 1.0], [-1.0, 1.0, 0.0]])
    xs, ys, points = _grid(Y, 5, 0.25)
    np.testing.assert_allclose(xs, np.linspace(-0.5, 2.5, 5))
    np.testing.assert_allclose(ys, np.linspace(-1.5, 1.5, 5))
    assert points.shape == (2, 25)
    # point i * len(xs) + j is (xs[j], ys[i])
    np.testing.assert_allclose(points[:, 2 * 5 + 3], [xs[3], ys[2]])


def test_grid_degenerate_extent():
    xs, ys, _ = _grid(np.array([[1.0, 1.0], [0.0, 2.0]]), 3, 0.0)
    np.testing.assert_allclose(xs, [0.5, 1.0, 1.5])
    np.testing.assert_allclose(ys, [0.0, 1.0, 2.0])


def test_predicted_labels_normalizes_outputs():
    P = np.array([[-1.0, 2.0, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(_predicted_labels(lambda P: P[0] > 0, P), [0, 1, 1])
    np.testing.assert_array_equal(_predicted_labels(lambda P: np.array([2.0, 0.0, 1.0]), P),
                                  [2, 0, 1])
    probs = np.array([[0.7, 0.1, 0.2], [0.2, 0.8, 0.1], [0.1, 0.1, 0.7]])
    np.testing.assert_array_equal(_predicted_labels(lambda P: probs, P), [0, 1, 2])


@pytest.mark.parametrize("output", [np.array([0.5, 1.0, 0.0]), np.array([-1, 0, 1]),
                                    np.zeros((3, 2)), np.zeros((1, 3)), np.zeros(4)])
def test_predicted_labels_rejects_bad_outputs(output):
    with pytest.raises(ValueError, match="predict"):
        _predicted_labels(lambda P: output, np.zeros((2, 3)))


def test_decision_field_shows_the_classifier(data):
    Y, _ = data
    xs, ys, field = _decision_field(lambda P: (P[0] > 0).astype(int), Y, 40, 0.1)
    assert field.shape == (40, 40)
    np.testing.assert_array_equal(field, np.broadcast_to(xs > 0, field.shape).astype(int))


def _count_color(pixels, color, tol=2.5 / 255):
    return int(np.all(np.abs(pixels[..., :3] - color[:3]) < tol, axis=-1).sum())


def test_decision_regions_labels_and_probabilities(tmp_path, data, read_png):
    Y, C = data
    light = lighten(qualitative_colors(2), 0.6)

    path = plot_decision_regions(lambda P: (P[0] > 0).astype(int), Y, C, tmp_path / "lab.png",
                                 title="half planes", resolution=50)
    pixels = read_png(path)
    assert _count_color(pixels, light[0]) > 1000
    assert _count_color(pixels, light[1]) > 1000

    def proba(P):
        p = 1 / (1 + np.exp(-5 * P[0]))
        return np.vstack([1 - p, p])

    assert read_png(plot_decision_regions(proba, Y, C, tmp_path / "prob.png")).size

    # a constant classifier leaves no trace of the second region color
    pixels = imread(plot_decision_regions(lambda P: np.zeros(P.shape[1], int), Y, C,
                                          tmp_path / "const.png"))
    assert _count_color(pixels, light[0]) > 1000
    assert _count_color(pixels, light[1]) == 0


def test_decision_regions_integer_labels_and_extra_classes(tmp_path, data, read_png):
    Y, C = data
    labels = np.argmax(C, axis=0)
    read_png(plot_decision_regions(lambda P: (P[1] > 0) * 2, Y, labels, tmp_path / "r.png"))


def test_decision_regions_validation(tmp_path, data):
    Y, C = data
    predict = lambda P: P[0] > 0  # noqa: E731
    with pytest.raises(ValueError, match="Y"):
        plot_decision_regions(predict, np.zeros((3, 80)), C, tmp_path / "r.png")
    with pytest.raises(ValueError, match="C"):
        plot_decision_regions(predict, Y, C[:, :10], tmp_path / "r.png")
    with pytest.raises(ValueError, match="resolution"):
        plot_decision_regions(predict, Y, C, tmp_path / "r.png", resolution=1)
    with pytest.raises(ValueError, match="margin"):
        plot_decision_regions(predict, Y, C, tmp_path / "r.png", margin=-0.1)
    with pytest.raises(ValueError, match="predict"):
        plot_decision_regions("nope", Y, C, tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()


def test_point_sets_gallery(tmp_path, data, read_png):
    Y, C = data
    t = np.linspace(0, 6, 50)
    sets = {"halves": (Y, C), "spiral": (np.vstack([t * np.cos(t), t * np.sin(t)]),
                                         np.arange(50) % 3),
            "one": (np.zeros((2, 1)), np.ones((1, 1))), "four": (Y, np.arange(80) % 4)}
    read_png(plot_point_sets(sets, tmp_path / "gallery.png", ncols=3))


def test_point_sets_validation(tmp_path, data):
    Y, C = data
    with pytest.raises(ValueError, match="datasets"):
        plot_point_sets({}, tmp_path / "g.png")
    with pytest.raises(ValueError, match="datasets\\['bad'\\] Y"):
        plot_point_sets({"bad": (np.zeros((3, 80)), C)}, tmp_path / "g.png")
    with pytest.raises(ValueError, match="datasets\\['bad'\\]"):
        plot_point_sets({"bad": Y}, tmp_path / "g.png")
    with pytest.raises(ValueError, match="ncols"):
        plot_point_sets({"ok": (Y, C)}, tmp_path / "g.png", ncols=0)
