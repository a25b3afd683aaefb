"""Pure-Python twins of fastzip's native kernels, written to be read.

Each module here is the oracle its native counterpart in :mod:`fastzip._native` must match
output for output. They are slow by design: clarity over speed.
"""
