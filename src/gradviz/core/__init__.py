"""Torch- and numpy-only models of gradviz. Nothing below here imports Qt."""
