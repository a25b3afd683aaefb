# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# inflate.pyx compiled a second time with -mbmi2 (setup.py), for CPUs that have BMI2: the same
# code, whose variable shifts and masks then need no CL register. deflate.engine imports it
# only where inflate.BMI2_RUNS_HERE says the CPU runs it.
include "inflate.pyx"
