import json, shutil, sys, hashlib
from pathlib import Path
from index.embedding.models import resolve_model
from index.embedding.onnx_export import OnnxFiles, _sha256
v = sys.argv[1]
folder = Path(resolve_model("intfloat/multilingual-e5-small")); f = OnnxFiles.of(folder)
m = Path(f"/tmp/var2/{v}.onnx"); d = Path(f"/tmp/var2/{v}.onnx.data")
import onnx
model = onnx.load(m, load_external_data=False)
for t in model.graph.initializer:
    for e in t.external_data:
        if e.key == "location": e.value = f.data.name
onnx.save_model(model, f.model)
shutil.copyfile(d, f.data)
r = json.loads(f.record.read_text()); r["onnx_sha256"] = _sha256(f.model); r["data_sha256"] = _sha256(f.data)
f.record.write_text(json.dumps(r))
print("using", v)
