# The golden key -> decision tables of tests/sampler_test.cpp, computed independently of the
# library: the system libxxhash (XXH3-64, through ctypes) and the documented 0.2.0 rule
# (docs/sampling.md: keep iff position(hash) < floor(rate * 2^64)). Run: python3 tests/data/sampler_golden.py
import ctypes, math, struct
lib = ctypes.CDLL("libxxhash.so.0")
lib.XXH3_64bits_withSeed.restype = ctypes.c_uint64
lib.XXH3_64bits_withSeed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
M = (1 << 64) - 1
def xxh3(b, seed): return lib.XXH3_64bits_withSeed(b, len(b), seed)
def position(h):
    x = h ^ 0x243f6a8885a308d3
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)
def thr(rate):
    if rate == 1.0: return None
    return math.floor(math.ldexp(rate, 64))
def sel(h, rate):
    t = thr(rate)
    return True if t is None else position(h) < t
assert xxh3(b"", 0) == 0x2d06800538d394c2
keys = ["", "a", "alice", "bob", "user-1", "user-2", "user-42", "user-1000000", "192.0.2.1", "2001:db8::1", "GET /index.html", "0123456789abcdef"]
samplers = [(0.5, 0), (0.1, 0), (0.5, 42), (0.25, 0)]
for k in keys:
    print('{"%s", "%s"},' % (k, "".join("1" if sel(xxh3(k.encode(), s), r) else "0" for r, s in samplers)))
for r, s in [(0.5, 0), (0.1, 0), (0.5, 42), (0.25, 0), (0.05, 7)]:
    m = 0
    for k in range(64):
        if sel(xxh3(struct.pack("<Q", k), s), r): m |= 1 << k
    print("{%s, %d, 0x%016xull}," % (r, s, m))
# partitioner {1,2,3,4} seed 7: weights small integers, scaling exact; cuts floor(2^64*prefix/total)
w = [1, 2, 3, 4]
tot = 0.0; pre = []
for x in w: pre.append(tot); tot += x
cuts = [math.floor(math.ldexp(pre[i] / tot, 64)) for i in range(1, len(w))]
def bucket(h):
    p = position(h); return sum(1 for c in cuts if p >= c)
print([bucket(xxh3(struct.pack("<Q", k), 7)) for k in range(32)])
print([bucket(xxh3(k.encode(), 7)) for k in keys])
