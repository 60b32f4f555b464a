"""Embedding: the model that turns texts into vectors, its conversion, and batched queries."""
