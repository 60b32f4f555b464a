"""Per-variant, fresh process: load time, VmRSS after load, and embeddings of the XQuAD-R de+ru paragraph
pool (480, encode_document) and the 1190 English questions (encode_query), saved to emb/VARIANT.npz.
Plain dense paragraph-level R@1 is computed by score.py from these files (same code for every variant).
Usage: python quality.py VARIANT"""
import json, sys, time, os
import numpy as np
from variants import load, rss_mib
name = sys.argv[1]
rss0 = rss_mib()
import torch, sentence_transformers  # import cost separately
torch.set_num_threads(int(os.environ.get('TORCH_THREADS', '1')))  # results do not depend on threads; 1 is faster under contention
rss_import = rss_mib()
t = time.perf_counter(); m = load(name); t_load = time.perf_counter() - t
m.encode_query(["warm up"], normalize_embeddings=True)
rss_loaded = rss_mib()
def xq(lang):
    d = json.load(open(f"/work/shared/eval/xquad-r/{lang}.json"))
    return [p for a in d["data"] for p in a["paragraphs"]]
pool, gold_ids = [], []
for lang in ["de", "ru"]:
    for p in xq(lang):
        pool.append(p["context"]); gold_ids.append({qa["id"] for qa in p["qas"]})
qs = [(qa["id"], qa["question"]) for p in xq("en") for qa in p["qas"]]
t = time.perf_counter()
P = m.encode_document(pool, batch_size=16, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
Q = m.encode_query([q for _, q in qs], batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
t_enc = time.perf_counter() - t
os.makedirs("emb", exist_ok=True)
np.savez("emb/" + name + ".npz", P=P, Q=Q)
S = Q @ P.T; top = S.argmax(1)
r1 = float(np.mean([qs[i][0] in gold_ids[top[i]] for i in range(len(qs))]))
info = dict(variant=name, st=sentence_transformers.__version__, rss_start=rss0, rss_after_import=rss_import,
            rss_after_load=rss_loaded, load_s=t_load, encode_s=t_enc, dense_paragraph_r1=r1, questions=len(qs), pool=len(pool),
            max_rss_mib=__import__("resource").getrusage(0).ru_maxrss / 1024)
print(json.dumps(info)); open(f"emb/{name}.json", "w").write(json.dumps(info))
