import onnx, sys
from pathlib import Path
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
from index.embedding.models import resolve_model
from index.embedding import onnx_graph
folder = Path(resolve_model("intfloat/multilingual-e5-small")); out=Path("/tmp/var2")
for name, kw in [("nb8_b32", dict(bits=8, block_size=32, is_symmetric=True)),
                 ("nb8_b32_acc4", dict(bits=8, block_size=32, is_symmetric=True, accuracy_level=4)),
                 ("nb8_b128", dict(bits=8, block_size=128, is_symmetric=True))]:
    q = MatMulNBitsQuantizer(onnx_graph.build_graph(folder), **kw)
    q.process()
    m = q.model.model if hasattr(q.model, "model") else q.model
    onnx.save_model(m, out/f"{name}.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location=f"{name}.onnx.data", size_threshold=1024)
    print(name, (out/f"{name}.onnx.data").stat().st_size>>20, "MB", flush=True)
