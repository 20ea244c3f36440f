"""Demo datasets, models and the training loop, as plain functions (no Qt)."""
