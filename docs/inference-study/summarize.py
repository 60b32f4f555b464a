"""Table from bench_*.json: latency p50/p95 and throughput medians, speedups vs torch-fp32 (2 threads) and torch-1thr of the same run."""
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f)); L = r["latency_ms"]; T = r["throughput_per_s"]
    print(f"== {f}  (paragraphs n={r['n_paragraphs']}, mean words {r['mean_words_paragraph']:.0f}; sentences n={r['n_sentences']})")
    keys = list(T)
    print(f"{'variant':16} {'q p50':>7} {'q p95':>7} {'xT2':>5} {'xT1':>5} | " + " | ".join(f"{k:>16}" for k in keys))
    for n in L:
        sp = lambda b: L[b]["p50"] / L[n]["p50"]
        cells = []
        for k in keys:
            v = T[k][n]["median"]; cells.append(f"{v:5.2f} x{v / T[k]['torch-fp32']['median']:.2f}/x{v / T[k].get('torch-1thr', T[k]['torch-fp32'])['median']:.2f}")
        print(f"{n:16} {L[n]['p50']:7.1f} {L[n]['p95']:7.1f} {sp('torch-fp32'):5.1f} {(sp('torch-1thr') if 'torch-1thr' in L else 0):5.2f} | " + " | ".join(f"{c:>16}" for c in cells))
