"""Compiled kernels (Cython). Typed buffers in, typed buffers out: no defaults, no formats, no I/O.

Policy — argument checking, allocation sizes, error messages — belongs to the Python modules
one layer up; a kernel reports failure with a status code they translate.
"""
