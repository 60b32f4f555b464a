import time, json, sys, numpy as np
from pathlib import Path
from index.embedding.models import resolve_model, SentenceTransformerEmbedder
from index.embedding import onnx_engine
name="intfloat/multilingual-e5-small"; folder=Path(resolve_model(name))
P=[]; Q=[]
for lang in ["en","de","ru","zh","ar","th"]:
    d=json.load(open(f"../shared/eval/xquad-r/{lang}.json"))["data"]
    paras=[p for a in d[30:48] for p in a["paragraphs"]]
    P += [p["context"] for p in paras[::6]][:25]
    Q += [qa["question"] for p in paras[::6] for qa in p["qas"][:1]][:25]
ref = SentenceTransformerEmbedder(name)
t=time.time(); RP=ref.embed_passages(P); RQ=ref.embed_queries(Q); print("torch", len(P), len(Q), round(time.time()-t,1),"s", flush=True)
S=RQ@RP.T
for v in sys.argv[1:] or ["cache"]:
    if v != "cache": onnx_engine.checked_onnx = lambda f, v=v: type("F",(),{"model":Path(f"/tmp/var2/{v}.onnx")})()
    e=onnx_engine.OnnxEmbedder(name, folder)
    t=time.time(); VP=e.embed_passages(P); tp=time.time()-t; VQ=e.embed_queries(Q)
    t=time.perf_counter()
    for q in Q[:50]: e.embed_queries([q])
    ql=(time.perf_counter()-t)/50*1000
    SV=VQ@VP.T; d=np.abs(SV-S)
    bias=(SV-S).mean(); print(f"bias {bias:+.4f}", end=" "); print(f"{v:10s} passcos min {(RP*VP).sum(1).min():.4f} qcos min {(RQ*VQ).sum(1).min():.4f} |dS| mean {d.mean():.4f} p99 {np.quantile(d,0.99):.4f} max {d.max():.4f} top1 agree {(SV.argmax(1)==S.argmax(1)).mean():.3f} passages {tp:.1f}s query {ql:.1f}ms", flush=True)
