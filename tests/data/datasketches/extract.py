#!/usr/bin/env python3
"""Derives this folder from the reference vectors (../shared/vectors/datasketches).

Run from the repository root:  python3 tests/data/datasketches/extract.py SRC_DIR
Copies the sketch images the tests use, writes index.tsv (the manifest fields
the tests check, one image per line) and registers/*.bin (the manifest's
decoded register arrays, one byte per slot). Nothing is computed here: every
value is copied from the reference manifest.
"""
import json, os, shutil, sys

src = sys.argv[1]
dst = os.path.dirname(os.path.abspath(__file__))
manifest = json.load(open(os.path.join(src, "manifest.json")))

# The lg_k 21, n = 10^6 images are 1-2 MB each; one of them (HLL_4 compact,
# 68 aux entries) is enough to test folding 21 -> 16 and the aux table.
skip = {"u64_lgk21_HLL_4_n1000000.updatable.bin", "u64_lgk21_HLL_8_n1000000.compact.bin",
        "u64_lgk21_HLL_8_n1000000.updatable.bin"}

os.makedirs(os.path.join(dst, "images"), exist_ok=True)
os.makedirs(os.path.join(dst, "registers"), exist_ok=True)
cols = ["file", "kind", "key_type", "lg_k", "tgt_type", "n", "serialization", "mode", "is_empty",
        "estimate", "composite_estimate", "coupon_count", "cur_min", "aux_count", "registers",
        "union_a_lg_k", "union_b_lg_k", "union_input_a", "union_input_b", "correct_registers",
        "upstream_bug"]
rows = []
def regname(e):
    if e["kind"] == "union":
        return e["file"].replace(".compact.bin", ".registers.bin").replace("_HLL_8", "").replace("_HLL_4", "")
    role = e.get("union_role")
    if role:
        return "union_%s_lgk%d.registers.bin" % (role, e["sketch_lg_config_k"])
    return "%s_lgk%d_n%d.registers.bin" % (e["key_type"], e["sketch_lg_config_k"], e["n"])

for e in manifest:
    f = e["file"]
    if f in skip:
        continue
    shutil.copyfile(os.path.join(src, f), os.path.join(dst, "images", f))
    h = e["header"]
    reg = "-"
    if e["mode"] == "HLL":
        if "registers_hex" in e:
            data = bytes.fromhex(e["registers_hex"])
        else:
            data = open(os.path.join(src, e["registers_file"]), "rb").read()
        if e["sketch_lg_config_k"] <= 16:
            reg = regname(e)
            p = os.path.join(dst, "registers", reg)
            if os.path.exists(p):
                assert open(p, "rb").read() == data, p
            else:
                open(p, "wb").write(data)
    correct = "-"
    if e["kind"] == "union":
        if e.get("upstream_bug"):
            correct = "u64_lgk%d_n1000000.registers.bin" % e["sketch_lg_config_k"]
        else:
            assert e["registers_equal_direct_sketch_of_0_999999"]
            correct = reg
    def v(x):
        return "-" if x is None else (repr(x) if isinstance(x, float) else str(x).lower() if isinstance(x, bool) else str(x))
    rows.append([f, e["kind"] if not e.get("union_role") else e["union_role"], e["key_type"],
                 v(e["sketch_lg_config_k"]), e["tgt_type"], v(e["n"]), e["serialization"], e["mode"],
                 v(e["is_empty"]), v(e["estimate"]), v(e["composite_estimate"]), v(e.get("coupon_count")),
                 v(h.get("cur_min")), v(h.get("aux_count")), reg, v(e.get("union_a_lg_k")),
                 v(e.get("union_b_lg_k")), v(e.get("union_inputA_file")), v(e.get("union_inputB_file")),
                 correct, "1" if e.get("upstream_bug") else "0"])

with open(os.path.join(dst, "index.tsv"), "w") as out:
    out.write("\t".join(cols) + "\n")
    for r in rows:
        out.write("\t".join(r) + "\n")
shutil.copyfile(os.path.join(src, "hash_examples.json"), os.path.join(dst, "hash_examples.json"))
print(len(rows), "images")
