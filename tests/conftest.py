"""Suite-wide settings.

BLAS runs single-threaded in the tests: the suite is many small problems, for which
threads only add contention (and a 2-core CI machine shared with other processes
slows multi-threaded BLAS by several times). Results do not depend on it beyond
round-off.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
