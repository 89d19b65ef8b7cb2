import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from numdl.plot import save_figure
from numdl.plot.figures import log_safe, qualitative_colors


def _figure():
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


def test_save_figure_creates_parents_and_returns_path(tmp_path, read_png):
    target = tmp_path / "a" / "b" / "fig.png"
    out = save_figure(_figure(), str(target))
    assert isinstance(out, Path) and out == target
    pixels = read_png(out)
    assert pixels.shape[:2] == (240, 360)  # 3 x 2 inches at 120 dpi


def test_save_figure_adds_png_suffix(tmp_path):
    assert save_figure(_figure(), tmp_path / "fig") == tmp_path / "fig.png"
    assert (tmp_path / "fig.png").is_file()


def test_save_figure_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="path"):
        save_figure(_figure(), tmp_path / "fig.pdf")
    with pytest.raises(ValueError, match="path"):
        save_figure(_figure(), tmp_path)
    with pytest.raises(ValueError, match="fig"):
        save_figure("not a figure", tmp_path / "fig.png")


def test_save_figure_unwritable_directory_names_path(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a directory")
    target = blocker / "sub" / "fig.png"
    with pytest.raises(OSError, match="fig.png"):
        save_figure(_figure(), target)


def test_log_safe_clips_or_falls_back():
    a, b = np.array([1.0, 0.1, 0.0]), np.array([-1.0, 0.01])
    arrays, use_log, floor = log_safe([a, b])
    assert use_log and floor == 0.01
    np.testing.assert_array_equal(arrays[0], [1.0, 0.1, 0.01])
    np.testing.assert_array_equal(arrays[1], [0.01, 0.01])
    assert log_safe([np.array([1.0, np.nan])])[1:] == (True, None)
    assert log_safe([np.array([0.0, -2.0])])[1:] == (False, None)


def test_qualitative_colors_distinct():
    for n in (2, 10, 15, 30):
        colors = qualitative_colors(n)
        assert colors.shape == (n, 4)
        assert len({tuple(c) for c in colors}) == n


def test_no_pyplot_figures_accumulate(tmp_path):
    from numdl.plot import plot_convergence
    plot_convergence({"a": [1.0, 0.5]}, tmp_path / "c.png")
    assert plt.get_fignums() == []


def test_importing_and_plotting_never_imports_pyplot(tmp_path):
    code = ("import sys; from numdl.plot import plot_curves; "
            f"plot_curves([1, 2], {{'a': [1, 2]}}, {str(tmp_path / 'c.png')!r}, "
            "xlabel='x', ylabel='y'); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
