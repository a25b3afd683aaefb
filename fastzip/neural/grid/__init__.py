"""The latent-grid codec: an image as a pyramid of latent grids, a small synthesis network and
an auto-regressive entropy model, all overfitted to that image (the idea of Cool-chic and C3,
on a CPU budget).

- :mod:`.layout` — the codec's shapes and constants (levels, context, networks), torch-free.
- :mod:`.laplace` — the discretized Laplace tables the entropy coder uses (shipped, not
  recomputed, so every machine codes with the same integers).
- :mod:`.arm` — the auto-regressive model in integer arithmetic: the same probabilities on
  every machine, for the encoder (numpy, whole grids) and the decoder (Numba, latent by latent).
- :mod:`.stream` — the ``FZGC`` container.
- :mod:`.synthesis` — the pixels: every level's upsampling and the synthesis fused in one Numba
  pass, rows on every thread fastzip's policy allows (and the network's numpy twin).
- :mod:`.decoder` — decoding without torch: latents, then the pixels.
- :mod:`.train` — overfitting with torch (encoding only).
- :mod:`.codec` — ``encode`` / ``decode``, and ``encode_set`` (networks shared by a set: the ARM,
  or the synthesis too).
- :mod:`.archive` — the ``FZGS`` set: a stream per image, or shared networks and the rest per image.
"""
