"""R@1/R@5 (dense, paragraph level, de+ru pool, en questions) and cosine to torch fp32 for every emb/*.npz."""
import json, glob
import numpy as np
def xq(lang):
    d = json.load(open(f"/work/shared/eval/xquad-r/{lang}.json"))
    return [p for a in d["data"] for p in a["paragraphs"]]
gold = [{qa["id"] for qa in p["qas"]} for lang in ["de", "ru"] for p in xq(lang)]
qids = [qa["id"] for p in xq("en") for qa in p["qas"]]
ref = np.load("emb/torch-fp32.npz") if glob.glob("emb/torch-fp32.npz") else None
for f in sorted(glob.glob("emb/*.npz")):
    e = np.load(f); S = e["Q"] @ e["P"].T; order = np.argsort(-S, 1)[:, :5]
    r1 = np.mean([qids[i] in gold[order[i, 0]] for i in range(len(qids))])
    r5 = np.mean([any(qids[i] in gold[j] for j in order[i]) for i in range(len(qids))])
    row = dict(variant=f[4:-4], r1=round(float(r1), 4), r5=round(float(r5), 4))
    if ref is not None:
        cp = np.sum(e["P"] * ref["P"], 1); cq = np.sum(e["Q"] * ref["Q"], 1)
        row.update(min_cos_passages=round(float(cp.min()), 5), mean_cos_passages=round(float(cp.mean()), 5),
                   min_cos_queries=round(float(cq.min()), 5), mean_cos_queries=round(float(cq.mean()), 5),
                   top1_agree_with_torch=round(float(np.mean(S.argmax(1) == (ref["Q"] @ ref["P"].T).argmax(1))), 4))
    info = json.load(open(f[:-4] + ".json"))
    row.update({k: round(v, 1) for k, v in info.items() if k.startswith(("rss", "load", "encode", "max_rss"))}, st=info["st"])
    print(json.dumps(row))
