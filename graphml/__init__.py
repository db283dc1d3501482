"""Features, PyG datasets and models, training, evaluation and the model registry; framework-free but tasks.py."""
