import onnx
from pathlib import Path
from onnxruntime.quantization import quantize_dynamic, QuantType
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
from index.embedding.models import resolve_model
from index.embedding import onnx_graph
folder = Path(resolve_model("intfloat/multilingual-e5-small")); out=Path("/tmp/var2")
q = MatMulNBitsQuantizer(onnx_graph.build_graph(folder), bits=8, block_size=32, is_symmetric=True, accuracy_level=4); q.process()
m = q.model.model if hasattr(q.model, "model") else q.model
for name, kw in [("nb8g", dict(per_channel=True)), ("nb8g_rr", dict(per_channel=True, reduce_range=True))]:
    tmp = out/"tmp.onnx"
    quantize_dynamic(m, tmp, op_types_to_quantize=["Gather"], **kw)
    onnx.save_model(onnx.load(tmp), out/f"{name}.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location=f"{name}.onnx.data", size_threshold=1024)
    print(name, (out/f"{name}.onnx.data").stat().st_size>>20, "MB", flush=True)
