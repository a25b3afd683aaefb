import pytest

from fastzip import data


@pytest.fixture(scope="session")
def corpora():
    """1 MiB of stdlib text and 1 MiB of machine code, named by content hash in the report."""
    return {"text": data.stdlib_text(1 << 20), "binary": data.shared_library_code(1 << 20)}
