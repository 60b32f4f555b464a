"""Export multilingual-e5-small (converted folder) to ONNX via sentence-transformers backend="onnx",
then dynamic int8 quantization. Run in /tmp/onnx-venv (ST 5.7 / transformers 4.57 / optimum-onnx)."""
import os, sys, time, shutil, json, logging
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
from index.embedding.models import resolve_model
src = Path(resolve_model("intfloat/multilingual-e5-small"))
dst = Path("/tmp/onnx-study/models/e5-onnx")
if dst.exists(): shutil.rmtree(dst)
shutil.copytree(src, dst, copy_function=os.link)
before = {p.relative_to(dst) for p in dst.rglob("*")}
from sentence_transformers import SentenceTransformer
from sentence_transformers.backend import export_dynamic_quantized_onnx_model
t = time.perf_counter()
m = SentenceTransformer(str(dst), backend="onnx", device="cpu")
t_export = time.perf_counter() - t
after_load = {p.relative_to(dst) for p in dst.rglob("*")}
print("EXPORT_ON_LOAD_S", round(t_export, 1), "new files after load:", sorted(map(str, after_load - before)))
t = time.perf_counter()
m.save_pretrained(str(dst))
t_save = time.perf_counter() - t
after_save = {p.relative_to(dst) for p in dst.rglob("*")}
print("SAVE_S", round(t_save, 1), "new files after save:", sorted(map(str, after_save - after_load)))
t = time.perf_counter()
export_dynamic_quantized_onnx_model(m, "avx2", str(dst))
t_q = time.perf_counter() - t
after_q = {p.relative_to(dst) for p in dst.rglob("*")}
print("QUANT_S", round(t_q, 1), "new files after quantize:", sorted(map(str, after_q - after_save)))
for p in sorted(dst.rglob("*")):
    if p.is_file(): print(f"{p.stat().st_size/2**20:10.1f} MiB  {p.relative_to(dst)}")
