"""Interleaved A/B timing: query latency (batch of 1) and build throughput (encode_document),
all variants loaded in ONE process, order shuffled each round so background load hits all equally.
Usage: python bench.py OUT.json VARIANT [VARIANT ...]   (torch-1thr = torch-fp32 with torch.set_num_threads(1))"""
import json, random, sys, time
import numpy as np, torch
from variants import load, rss_mib
out, names = sys.argv[1], sys.argv[2:]
QUERIES = [
 "What did Lavrov say?", "Who won the election?", "When is the summit?", "What did the central bank decide?",
 "Why did the talks fail?", "How many people died in the flood?", "Where did the protest take place?",
 "What is the new tariff?", "Who is the new prime minister?", "What happened in Gaza?",
 "Did the ceasefire hold?", "What are the sanctions?", "Which companies were fined?", "How much did oil prices rise?",
 "Was macht die Regierung gegen die Inflation?", "Was hat Scholz gesagt?", "Wer hat die Wahl gewonnen?",
 "Wann beginnt der Streik?", "Wie viele Flüchtlinge kamen?", "Warum steigen die Preise?",
 "Что сказал Лавров?", "Кто победил на выборах?", "Когда начнутся переговоры?", "Что решил Центробанк?",
 "Сколько человек погибло?", "Почему упал рубль?", "Qu'a dit Macron?", "Qui a gagné les élections?",
 "Quand aura lieu le sommet?", "Pourquoi la grève?", "¿Qué dijo el presidente?", "¿Quién ganó las elecciones?",
 "¿Cuándo empieza la cumbre?", "¿Por qué subió la inflación?", "Cosa ha detto Meloni?", "Chi ha vinto?",
 "O que disse Lula?", "Quem venceu a eleição?", "Co powiedział Tusk?", "Kto wygrał wybory?",
 "Що сказав Зеленський?", "Ne zaman seçim var?", "Erdoğan ne dedi?", "ماذا قال الوزير؟", "من فاز بالانتخابات؟",
 "拉夫罗夫说了什么？", "谁赢得了选举？", "ラブロフは何と言ったか？", "Ποιος κέρδισε τις εκλογές;", "What did the court rule?",
]
def xq(lang):
    d = json.load(open(f"/work/shared/eval/xquad-r/{lang}.json"))
    return [p for a in d["data"] for p in a["paragraphs"]]
paras, sents = [], []
for lang in ["en", "de", "ru"]:
    ps = xq(lang)[::24]  # 10 paragraphs per language
    paras += [p["context"] for p in ps]
    sents += [s for p in ps for s in p["sentences"]]
rng = random.Random(1); sents = rng.sample(sents, 96)
models = {}
rss = {}
for n in names:
    base = "torch-fp32" if n == "torch-1thr" else n
    if base not in models:
        t = time.perf_counter(); models[base] = load(base); rss[base] = (time.perf_counter() - t, rss_mib())
        print("loaded", base, rss[base], flush=True)
def run(n, fn):
    torch.set_num_threads(1 if n == "torch-1thr" else 2)
    m = models["torch-fp32" if n == "torch-1thr" else n]
    return fn(m)
def q(m, text):
    return m.encode_query([text], batch_size=8, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
def d(m, texts, bs):
    return m.encode_document(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
# warm-up
for n in names:
    for t in QUERIES[:3]: run(n, lambda m: q(m, t))
    run(n, lambda m: d(m, paras[:8], 8))
lat = {n: [] for n in names}
ROUNDS = int(__import__("os").environ.get("QROUNDS", "3"))
for r in range(ROUNDS):
    for t in QUERIES:
        order = names[:]; rng.shuffle(order)
        for n in order:
            s = time.perf_counter(); run(n, lambda m: q(m, t)); lat[n].append((time.perf_counter() - s) * 1000)
    print("query round", r, {n: (round(float(np.median(v)), 1), round(float(np.percentile(v, 95)), 1)) for n, v in lat.items()}, flush=True)
json.dump(lat, open(out + ".latency_raw.json", "w"))
thr = {}
BROUNDS = int(__import__("os").environ.get("BROUNDS", "2"))
for label, texts in [("paragraphs", paras), ("sentences", sents)]:
    for bs in (8, 32):
        key = f"{label}-bs{bs}"; thr[key] = {n: [] for n in names}
        for r in range(BROUNDS):
            order = names[:]; rng.shuffle(order)
            for n in order:
                s = time.perf_counter(); run(n, lambda m: d(m, texts, bs)); el = time.perf_counter() - s
                thr[key][n].append(len(texts) / el)
        print(key, {n: [round(x, 1) for x in v] for n, v in thr[key].items()}, flush=True)
res = {"latency_ms": {n: {"p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)), "n": len(v)} for n, v in lat.items()},
       "throughput_per_s": {k: {n: {"median": float(np.median(v)), "all": v} for n, v in d_.items()} for k, d_ in thr.items()},
       "load": rss, "n_paragraphs": len(paras), "n_sentences": len(sents),
       "mean_words_paragraph": float(np.mean([len(p.split()) for p in paras]))}
json.dump(res, open(out, "w"), indent=1)
print(json.dumps(res["latency_ms"], indent=0))
