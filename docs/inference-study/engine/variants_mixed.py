import numpy as np, onnx, sys
from pathlib import Path
from onnxruntime.quantization import quantize_dynamic, QuantType
from index.embedding.models import resolve_model
from index.embedding import onnx_graph
folder = Path(resolve_model("intfloat/multilingual-e5-small")); out=Path("/tmp/var2")
def save(m, name):
    onnx.save_model(m, out/f"{name}.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location=f"{name}.onnx.data", size_threshold=1024)
names = [n.name for n in onnx_graph.build_graph(folder).graph.node if n.op_type=="MatMul" and n.name.endswith(".matmul")]
ffn2 = [n for n in names if n.endswith("layer.%s.output.dense.matmul" % n.split("layer.")[1].split(".")[0]) and "attention" not in n]
ffn1 = [n for n in names if "intermediate" in n]
print(len(names), ffn2[:2], ffn1[:1])
for name, ex in [("ex_ffn2", ffn2), ("ex_ffn12", ffn1+ffn2)]:
    tmp = out/f"{name}.tmp.onnx"
    quantize_dynamic(onnx_graph.build_graph(folder), tmp, op_types_to_quantize=["MatMul","Gather"], per_channel=True, nodes_to_exclude=ex)
    save(onnx.load(tmp), name); tmp.unlink()
