"""Autoencoder codecs for collections of small, similar images (digits, faces, thumbnails):
trained once on a dataset, then one forward pass per image, lossy or lossless.

- :mod:`.codec` — :class:`~.codec.Codec` (the ``FZAC`` file: networks, latent and residual
  tables) and the ``FZAA`` codes of many images; numpy + Numba only.
- :mod:`.network` and :mod:`.layers` — the encoder and decoder without torch (Numba kernels
  with numpy twins).
- :mod:`.prior` — the coding tables, counted on the training set.
- :mod:`.models` and :mod:`.train` — the torch networks and their training (needs torch).

The models by name (``dense``, ``conv``, ``vae``) are in :data:`fastzip.neural.registry.AE_MODELS`.
"""
