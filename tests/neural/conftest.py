import numpy as np
import pytest

torch = pytest.importorskip("torch")

# Tiny models: 32x32 images, two stages, an 8-value latent. A few hundred steps take seconds.
TINY = dict(image_size=32, channels=(3, 8, 16), latent=8)


@pytest.fixture(scope="session")
def tiny_images():
    """Four real photos fitted to 32x32 (N x 32 x 32 x 3 uint8)."""
    pytest.importorskip("skimage")
    pytest.importorskip("sklearn")
    from fastzip.data import sample_photos
    from fastzip.neural.images import fit_square

    photos = sample_photos()
    names = ["astronaut", "coffee", "chelsea", "china"]
    return names, np.stack([fit_square(photos[n], 32) for n in names])


@pytest.fixture(autouse=True)
def _few_threads():
    # Tiny tensors: thread start-up would cost more than it saves, and tests run side by side.
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
