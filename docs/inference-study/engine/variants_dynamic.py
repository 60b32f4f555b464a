import time, numpy as np, sys, json, tempfile, resource, subprocess
from pathlib import Path
import onnx
from onnxruntime.quantization import quantize_dynamic, QuantType
from index.embedding.models import resolve_model
from index.embedding import onnx_graph
folder = Path(resolve_model("intfloat/multilingual-e5-small"))
out = Path("/tmp/var2"); out.mkdir(exist_ok=True)
model = onnx_graph.build_graph(folder)
def save(m, name):
    onnx.save_model(m, out/f"{name}.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location=f"{name}.onnx.data", size_threshold=1024)
#save(model, "fp32")
for name, kw in [("mm_pc", dict(op_types_to_quantize=["MatMul"], per_channel=True)),
                 ("mm_pc_rr", dict(op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=True)),
                 ("mmg_pc", dict(op_types_to_quantize=["MatMul","Gather"], per_channel=True)),
                 ("mmg_pc_u8", dict(op_types_to_quantize=["MatMul","Gather"], per_channel=True, weight_type=QuantType.QUInt8))]:
    tmp = out/f"{name}.tmp.onnx"
    quantize_dynamic(onnx_graph.build_graph(folder), tmp, **kw)
    save(onnx.load(tmp), name); tmp.unlink()
print("done")
