"""Export to OpenVINO via sentence-transformers backend="openvino", then static int8 (PTQ) via
sentence_transformers.backend.export_static_quantized_openvino_model with a LOCAL calibration set
(XQuAD-R es/vi/tr sentences; the hub's glue/sst2 default is unreachable). Run in /tmp/ov-venv."""
import os, time, shutil, json, logging
from pathlib import Path
logging.basicConfig(level=logging.WARNING)
from index.embedding.models import resolve_model
src = Path(resolve_model("intfloat/multilingual-e5-small"))
dst = Path("/tmp/onnx-study/models/e5-ov")
if dst.exists(): shutil.rmtree(dst)
shutil.copytree(src, dst, copy_function=os.link)
before = {p.relative_to(dst) for p in dst.rglob("*")}
from sentence_transformers import SentenceTransformer
from sentence_transformers.backend import export_static_quantized_openvino_model
t = time.perf_counter()
m = SentenceTransformer(str(dst), backend="openvino", device="cpu")
print("EXPORT_ON_LOAD_S", round(time.perf_counter() - t, 1), "new files:", sorted(map(str, {p.relative_to(dst) for p in dst.rglob('*')} - before)))
t = time.perf_counter(); m.save_pretrained(str(dst)); print("SAVE_S", round(time.perf_counter() - t, 1))
# local calibration texts, languages not used in the eval (pool de,ru; questions en)
texts = []
for lang in ["es", "vi", "tr", "zh", "ar"]:
    data = json.loads(Path(f"/work/shared/eval/xquad-r/{lang}.json").read_text())
    for art in data["data"]:
        for para in art["paragraphs"]:
            texts.append("passage: " + para["context"])
            for qa in para["qas"][:1]:
                texts.append("query: " + qa["question"])
import random; random.Random(0).shuffle(texts); texts = texts[:300]
import datasets
from optimum.intel.openvino import OVQuantizer
def local_calibration(self, dataset_name=None, dataset_config_name=None, preprocess_function=None, num_samples=300, dataset_split=None, **kw):
    ds = datasets.Dataset.from_dict({"sentence": texts[:num_samples]})
    return ds.map(lambda ex: preprocess_function({"sentence": ex["sentence"]}), batched=True, remove_columns=["sentence"])
OVQuantizer.get_calibration_dataset = local_calibration
t = time.perf_counter()
export_static_quantized_openvino_model(m, None, str(dst))
print("STATIC_QUANT_S", round(time.perf_counter() - t, 1))
for p in sorted(dst.rglob("*")):
    if p.is_file(): print(f"{p.stat().st_size/2**20:10.1f} MiB  {p.relative_to(dst)}")
