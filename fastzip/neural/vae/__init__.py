"""The thesis's overfit VAE: models, training, pruning, quantization and the archive pipeline
(:func:`.overfit.create`). Needs torch."""
