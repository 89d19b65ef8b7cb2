import numpy as np
import pytest

from numdl.plot import plot_landscape


@pytest.fixture
def grid():
    x = np.linspace(-2, 2, 41)
    y = np.linspace(-1, 3, 31)
    X, Y = np.meshgrid(x, y)
    return x, y, (1 - X) ** 2 + 5 * (Y - X ** 2) ** 2


def test_landscape(tmp_path, grid, read_png):
    x, y, Z = grid
    path = plot_landscape(x, y, Z, tmp_path / "l.png", title="Rosenbrock", xlabel="a",
                          ylabel="b", marks={"minimizer": (1.0, 1.0),
                                             "iterates": [[-1.5, 0.0, 0.9], [2.0, 0.5, 0.8]]})
    pixels = read_png(path)
    read_png(plot_landscape(x, y, Z, tmp_path / "log.png", log=True, levels=12))
    Z_nan = Z.copy()
    Z_nan[0, 0] = np.nan
    read_png(plot_landscape(x, y, Z_nan - 50, tmp_path / "neg.png", levels=np.linspace(-60, 150, 8)))
    assert pixels.shape[0] > 300


def test_landscape_validation(tmp_path, grid):
    x, y, Z = grid
    with pytest.raises(ValueError, match="Z"):
        plot_landscape(x, y, Z.T, tmp_path / "l.png")
    with pytest.raises(ValueError, match="Z"):
        plot_landscape(x, y, np.ones_like(Z), tmp_path / "l.png")
    with pytest.raises(ValueError, match="x"):
        plot_landscape(x[:1], y, Z[:, :1], tmp_path / "l.png")
    with pytest.raises(ValueError, match="levels"):
        plot_landscape(x, y, Z, tmp_path / "l.png", levels=[3.0, 1.0])
    with pytest.raises(ValueError, match="marks\\['p'\\]"):
        plot_landscape(x, y, Z, tmp_path / "l.png", marks={"p": (1.0, 2.0, 3.0)})
    assert not (tmp_path / "l.png").exists()
