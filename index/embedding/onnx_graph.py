"""A BERT sentence encoder as an ONNX graph, written node by node from its weights.

The graph is a standard BERT encoder (positions from 0, token type 0, exact GELU), mean pooling
over the attention mask and L2 normalisation: what sentence-transformers computes for a folder
of a ``Transformer``, a mean ``Pooling`` and a ``Normalize`` module. Read from the folder's
``config.json`` and ``model.safetensors`` with numpy; torch is never imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 18


@dataclass(frozen=True)
class BertShape:
    """The sizes of a BERT encoder, from its ``config.json``."""

    layers: int
    hidden: int
    heads: int
    eps: float

    @classmethod
    def of(cls, folder: Path) -> BertShape:
        """Reads ``folder/config.json``; refuses what is not a BERT encoder."""
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{folder} is not a BERT model with GELU")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{folder} uses {config['position_embedding_type']} positions")
        return cls(
            layers=int(config["num_hidden_layers"]),
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            eps=float(config.get("layer_norm_eps", 1e-12)),
        )


class _Graph:
    """Collects nodes and initializers; each helper returns its output's name."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self._helper, self._numpy = helper, numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(self._numpy.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, name: str | None = None, **attributes: Any) -> str:
        self._count += 1
        output = f"{kind.lower()}_{self._count}"
        node = self._helper.make_node(
            kind, list(inputs), [output], name=name or output, **attributes
        )
        self.nodes.append(node)
        return output


def _linear(g: _Graph, x: str, weights: Weights, prefix: str) -> str:
    # torch stores [out, in]; MatMul wants [in, out].
    w = g.const(f"{prefix}.weight", weights[f"{prefix}.weight"].T)
    product = g.op("MatMul", x, w, name=f"{prefix}.matmul")
    return g.op("Add", product, g.const(f"{prefix}.bias", weights[f"{prefix}.bias"]))


def _layer_norm(g: _Graph, x: str, weights: Weights, prefix: str, eps: float) -> str:
    scale = g.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
    bias = g.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
    return g.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)


def _attention(
    g: _Graph, x: str, mask_bias: str, weights: Weights, prefix: str, s: BertShape
) -> str:
    head = s.hidden // s.heads
    split = g.const(f"{prefix}.split", np.array([0, 0, s.heads, head], np.int64))
    merge = g.const(f"{prefix}.merge", np.array([0, 0, s.hidden], np.int64))

    def heads(name: str, perm: list[int]) -> str:
        projected = _linear(g, x, weights, f"{prefix}.self.{name}")
        return g.op("Transpose", g.op("Reshape", projected, split), perm=perm)

    q, k, v = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1]), heads("value", [0, 2, 1, 3])
    scale = g.const(f"{prefix}.scale", np.array(1.0 / np.sqrt(head), np.float32))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), mask_bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    merged = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
    out = _linear(g, merged, weights, f"{prefix}.output.dense")
    return _layer_norm(g, g.op("Add", out, x), weights, f"{prefix}.output.LayerNorm", s.eps)


def _feed_forward(g: _Graph, x: str, weights: Weights, prefix: str, eps: float) -> str:
    inner = _linear(g, x, weights, f"{prefix}.intermediate.dense")
    # Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
    root2 = g.const(f"{prefix}.root2", np.array(np.sqrt(2.0), np.float32))
    half = g.const(f"{prefix}.half", np.array(0.5, np.float32))
    one = g.const(f"{prefix}.one", np.array(1.0, np.float32))
    gelu = g.op(
        "Mul", g.op("Mul", inner, half), g.op("Add", g.op("Erf", g.op("Div", inner, root2)), one)
    )
    out = _linear(g, gelu, weights, f"{prefix}.output.dense")
    return _layer_norm(g, g.op("Add", out, x), weights, f"{prefix}.output.LayerNorm", eps)


class Weights:
    """The tensors of ``model.safetensors``, read one at a time (the file is mapped, not read
    whole), under ``BertModel``'s names."""

    def __init__(self, path: Path) -> None:
        from safetensors import safe_open

        opened: Any = safe_open(str(path), framework="np")  # safetensors has no type hints
        self._file = opened
        self._names = {name.removeprefix("bert."): name for name in opened.keys()}  # noqa: SIM118

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._file.get_tensor(self._names[name]))

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of a matrix, without reading the rest."""
        found = self._file.get_slice(self._names[name])
        return np.asarray(found[start : min(stop, found.get_shape()[0])])

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._file.get_slice(self._names[name]).get_shape())


def int8_rows(weights: Weights, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A matrix in int8 with a scale per row (a row's error relative to its own largest value),
    read a slice at a time: the fp32 matrix is never whole in memory."""
    count, width = weights.shape(name)
    rows, scale = np.empty((count, width), np.int8), np.empty(count, np.float32)
    for start in range(0, count, 8192):
        part = weights.rows(name, start, start + 8192)
        top = np.abs(part).max(axis=1) / 127.0
        top[top == 0] = 1.0
        rows[start : start + len(part)] = np.round(part / top[:, None])
        scale[start : start + len(part)] = top
    return rows, scale


WORDS = "embeddings.word_embeddings.weight"


def build_graph(folder: Path, word_vectors_in: bool = False) -> Any:
    """The fp32 ``onnx.ModelProto`` of the folder's encoder, pooling and normalisation.

    Its inputs are ``input_ids`` and ``attention_mask``; with ``word_vectors_in``, the rows of
    the word table for those ids (``inputs_embeds``, float [batch, tokens, hidden]) instead of
    the ids, and the table is left out of the graph.
    """
    from onnx import TensorProto, helper

    shape = BertShape.of(folder)
    weights = Weights(folder / "model.safetensors")
    g = _Graph()
    ids = "inputs_embeds" if word_vectors_in else "input_ids"
    mask = "attention_mask"
    # Positions count from 0: the first ``tokens`` rows of the position table.
    length = g.op("Shape", ids, start=1, end=2)
    table = g.const("pos", weights["embeddings.position_embeddings.weight"])
    place = g.op("Slice", table, g.const("start0", np.array([0], np.int64)), length)
    word = ids if word_vectors_in else g.op("Gather", g.const("word", weights[WORDS]), ids)
    kind = g.const("type0", weights["embeddings.token_type_embeddings.weight"][0])
    x = g.op("Add", g.op("Add", word, place), kind)
    x = _layer_norm(g, x, weights, "embeddings.LayerNorm", shape.eps)
    maskf = g.op("Cast", mask, to=TensorProto.FLOAT)
    # Padding gets a large negative score before the softmax, as in transformers.
    blocked = g.op("Sub", g.const("onef", np.array(1.0, np.float32)), maskf)
    axes12 = g.const("axes12", np.array([1, 2], np.int64))
    mask_bias = g.op(
        "Unsqueeze", g.op("Mul", blocked, g.const("neg", np.array(-1e9, np.float32))), axes12
    )
    for layer in range(shape.layers):
        prefix = f"encoder.layer.{layer}"
        x = _attention(g, x, mask_bias, weights, f"{prefix}.attention", shape)
        x = _feed_forward(g, x, weights, prefix, shape.eps)
    weight = g.op("Unsqueeze", maskf, g.const("axis2", np.array([2], np.int64)))
    axis1 = g.const("axis1", np.array([1], np.int64))
    summed = g.op("ReduceSum", g.op("Mul", x, weight), axis1, keepdims=0)
    count = g.op(
        "Clip",
        g.op("ReduceSum", weight, axis1, keepdims=0),
        g.const("tiny", np.array(1e-9, np.float32)),
    )
    mean = g.op("Div", summed, count)
    norm = g.op("ReduceL2", mean, g.const("axis_last", np.array([-1], np.int64)), keepdims=1)
    g.nodes.append(
        helper.make_node(
            "Div",
            [mean, g.op("Clip", norm, g.const("eps", np.array(1e-12, np.float32)))],
            ["sentence_embedding"],
        )
    )
    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info(ids, TensorProto.FLOAT, ["batch", "tokens", shape.hidden])
            if word_vectors_in
            else helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "tokens"]),
        ],
        [
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", shape.hidden]
            )
        ],
        g.initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
