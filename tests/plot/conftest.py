import numpy as np
import pytest
from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def read_png():
    """Check that ``path`` is a non-empty PNG file and return its pixels (h, w, 4)."""
    def read(path):
        assert path.is_file()
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        pixels = imread(path)
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert np.ptp(pixels[..., :3]) > 0  # not a blank canvas
        return pixels
    return read
