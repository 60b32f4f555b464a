"""The index folder: its manifest, staged writes, and the vector stores behind it."""
