import os

import pytest
from hypothesis import HealthCheck, settings

from fastzip import data

# Deterministic in CI so a red run can be reproduced; random locally to keep finding new cases.
settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

IMPLS = ["native", "reference"]


@pytest.fixture(scope="session")
def stdlib_text():
    return data.stdlib_text(1 << 20)


@pytest.fixture(scope="session")
def machine_code():
    return data.shared_library_code(1 << 20)


@pytest.fixture(scope="session")
def image_bytes():
    """Raw RGB pixels of a real photo (scikit-image's astronaut)."""
    skimage_data = pytest.importorskip("skimage.data")
    return skimage_data.astronaut().tobytes()


@pytest.fixture(scope="session")
def real_corpora(stdlib_text, machine_code, image_bytes):
    return {"stdlib_text": stdlib_text, "machine_code": machine_code, "image": image_bytes}
