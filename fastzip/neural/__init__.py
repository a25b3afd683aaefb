"""Learned compression in PyTorch: the thesis's overfit VAE, made into an archive format.

Import the submodules you need; this package needs torch (``pip install torch==2.13.0``, then
``fastzip[neural]``), and ``import fastzip`` alone never imports it.

- :mod:`.models` — the VAE family as named configurations (``yosemite`` = ``optimized``, ``reduced``, ``original``).
- :mod:`.train` — overfit training and the decoder-plus-latents fine-tuning, with stop rules and checkpoints.
- :mod:`.prune` — L1 unstructured pruning.  :mod:`.quantize` — INT8 (torch.ao, isolated there) and FP16.
- :mod:`.weights` — the compressed-sparse weight format ``FZSW``.
- :mod:`.archive` — the ``FZVA`` archive; :mod:`.overfit` — the whole pipeline from images to an archive.
- :mod:`.images` — how any photo becomes a training image; :mod:`.runtime` — allocator and thread settings.
"""
