#!/usr/bin/env python3
"""Derives this folder from the Airlift reference vectors (../shared/vectors/airlift-hll).

Run from the repository root:
    python3 tests/data/airlift-hll/extract.py /work/shared/vectors/airlift-hll
Copies every image (inline `hex` ones are written out as files too) into
images/, and writes index.tsv (one image per line: the case, the role of the
image in it, the keys that made it, its format, p and Airlift's cardinality)
and hash64.tsv (the manifest's hash examples). Nothing is computed here: every
value is copied from the reference manifests (default JVM layout and the
-XX:-UseCompressedOops set).
"""
import json, os, sys

src = sys.argv[1]
dst = os.path.dirname(os.path.abspath(__file__))
img_dir = os.path.join(dst, "images")
os.makedirs(img_dir, exist_ok=True)

cols = ["set", "case", "kind", "role", "key_type", "lo", "hi", "p", "format", "cardinality", "file"]
rows = []


def image_file(set_name, base, case_id, role, img):
    # Images the manifest stores once (bin/<id>.bin, shared by several cases)
    # keep that one name here too; inline ones are named after case and role.
    prefix = "alt-" if set_name != "default" else ""
    if "hex" in img:
        data = bytes.fromhex(img["hex"])
        name = "%s%s-%s.bin" % (prefix, case_id, role)
    else:
        data = open(os.path.join(base, img["file"]), "rb").read()
        name = prefix + os.path.basename(img["file"])
    assert len(data) == img["size"], (case_id, role)
    with open(os.path.join(img_dir, name), "wb") as f:
        f.write(data)
    return name


def add(set_name, base, c, role, obj, key_range, p=None):
    img = obj["image"] if "image" in obj else obj
    lo, hi = key_range if key_range is not None else ("-", "-")
    rows.append({
        "set": set_name, "case": c["id"], "kind": c["kind"], "role": role,
        "key_type": c["keys"]["type"], "lo": lo, "hi": hi, "p": img["p"],
        "format": img["format"], "cardinality": obj.get("cardinality", "-"),
        "file": image_file(set_name, base, c["id"], role, img)})


def load(set_name, base):
    m = json.load(open(os.path.join(base, "manifest.json")))
    for c in m["cases"]:
        assert c["keys"]["value"] in ("0 + 1*i", "'k' + decimal(i)"), c["id"]
        k = c["kind"]
        if k == "build":
            add(set_name, base, c, "image", c, c["i_range"])
            if "make_dense" in c:
                add(set_name, base, c, "make_dense", c["make_dense"], c["i_range"])
        elif k == "merge":
            n = c["N"]
            add(set_name, base, c, "a", c["a"], c["a"]["i_range"])
            add(set_name, base, c, "b", c["b"], c["b"]["i_range"])
            add(set_name, base, c, "merged", c["merged"], [0, n])
            if "single_sketch_of_union" in c:
                add(set_name, base, c, "single_sketch_of_union", c["single_sketch_of_union"], [0, n])
        elif k == "conversion":
            add(set_name, base, c, "last_sparse", c["last_sparse"], c["last_sparse"]["i_range"])
            add(set_name, base, c, "first_dense", c["first_dense"], c["first_dense"]["i_range"])
            add(set_name, base, c, "deserialized_last_sparse_plus_same_key",
                c["deserialized_last_sparse_plus_same_key"], c["first_dense"]["i_range"])
        elif k == "history":
            add(set_name, base, c, "start", c["start"], c["start"]["i_range"])
            add(set_name, base, c, "deserialized_start_then_added", c["deserialized_start_then_added"],
                c["deserialized_start_then_added"]["i_range"])
            add(set_name, base, c, "live_add_path_same_keys", c["live_add_path_same_keys"],
                c["live_add_path_same_keys"]["i_range"])
        elif k == "cross_precision_merge":
            a, b = c["a"], c["b"]
            add(set_name, base, c, "a", a, a["i_range"])
            add(set_name, base, c, "b", b, b["i_range"])
            union = [min(a["i_range"][0], b["i_range"][0]), max(a["i_range"][1], b["i_range"][1])]
            add(set_name, base, c, "a_merge_b", c["a_merge_b"], union)
            add(set_name, base, c, "b_merge_a", c["b_merge_a"], union)
            add(set_name, base, c, "dense12_image", c["dense12_image"], None)
        else:
            raise SystemExit("unknown case kind " + k)
    return m


main = load("default", src)
load("no-compressed-oops", os.path.join(src, "alt-layout-no-compressed-oops"))

with open(os.path.join(dst, "index.tsv"), "w") as f:
    f.write("\t".join(cols) + "\n")
    for r in rows:
        f.write("\t".join(str(r[c]) for c in cols) + "\n")

h = main["hash64"]
with open(os.path.join(dst, "hash64.tsv"), "w") as f:
    f.write("input_type\tinput_hex\thash64_hex\n")
    for e in h["i64_keys"]:
        f.write("i64\t%d\t%s\n" % (int(e["key"]), e["hash64_hex"]))
    for e in h["utf8_keys"]:
        f.write("bytes\t%s\t%s\n" % (e["key"].encode("utf-8").hex(), e["hash64_hex"]))
    for e in h["misc"]:
        if "input" in e:
            t, v = e["input"].split(" ")
            assert t == "i64"
            f.write("i64\t%d\t%s\n" % (int(v), e["hash64_hex"]))
        else:
            v = e.get("input_utf8_hex", e.get("input_bytes_hex"))
            f.write("bytes\t%s\t%s\n" % (v if v else "-", e["hash64_hex"]))
