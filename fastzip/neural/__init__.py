"""Learned compression: the thesis's overfit VAE made into an archive format, the latent-grid
codec and the autoencoder codecs.

Import the submodules you need; training and the torch path need torch (``pip install
torch==2.13.0``, then ``fastzip[neural]``), and ``import fastzip`` alone never imports it.

- :mod:`.registry` — the one list of codecs, model configurations and weight precisions (torch-free).
- :mod:`.vae` — the thesis's VAE: :mod:`~.vae.models` (the family by name), :mod:`~.vae.train`
  (overfit training, fine-tuning), :mod:`~.vae.prune` (L1), :mod:`~.vae.quantize` (INT8 via
  torch.ao, isolated there, and FP16), :mod:`~.vae.overfit` (images to an archive).
- :mod:`.weights` — the compressed-sparse weight format ``FZSW``.
- :mod:`.archive` — the ``FZVA`` archive: save, load, reconstruct, extract.
- :mod:`.grid` — the latent-grid codec (one picture overfitted); :mod:`.ae` — autoencoder codecs
  (trained once on a collection of small images, one forward pass per image, lossy or lossless).
- :mod:`.images` — how any photo becomes a training image; :mod:`.runtime` — allocator and thread settings.
"""
