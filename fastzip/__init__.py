"""fastzip: compression codecs with native kernels and readable pure-Python reference twins.

Codecs live in their own modules (``fastzip.huffman`` …); this package root exports the
errors every decoder raises and the thread policy every parallel path follows
(:func:`set_threads`, :func:`get_threads`, :func:`threads`; see ``fastzip._parallel``).
Importing fastzip never imports torch.
"""

from ._parallel import get_threads, set_threads, threads
from .errors import (ChecksumError, CorruptDataWarning, DictionaryError, FastzipError, FormatError, OutputLimitError,
                     UnsupportedError)

__version__ = "0.1.0"

__all__ = ["FastzipError", "FormatError", "ChecksumError", "OutputLimitError", "UnsupportedError", "DictionaryError",
           "CorruptDataWarning", "set_threads", "get_threads", "threads", "__version__"]
