"""Golden WFDB records in every signal format xent-ecg reads, with what wfdb-python reads from them.

Run from the repository root (inside a venv with `pip install wfdb`):

    python tests/golden/wfdb_formats.py

Writes small records (.hea + .dat) into crates/xent-ecg/tests/golden/wfdb/ and the values
`wfdb.rdrecord(name, physical=False, ...)` returns for each into expected.json there:

* `samples`: every sample of each signal: `rdrecord(..., smooth_frames=False).e_d_signal` for a
  signal with several samples per frame (`format xN`), the `d_signal` column otherwise;
* `frames`: `rdrecord(..., smooth_frames=True).d_signal`, one value per frame (the frame mean,
  truncated toward zero), only given for signals with more than one sample per frame.

Formats 16, 24, 32, 80 and 212 are written with `wfdb.wrsamp` (wfdb-python's writer); 8, 61, 160,
310 and 311, byte offsets, skews, samples per frame, several files and multi-segment records are
written by this script byte by byte under a header declaring them (checksums and initial values
computed here as WFDB defines them: the sum of the stored samples modulo 2^16, signed, and the first
stored sample). Samples come from a fixed-seed generator; rerunning rewrites the same files.
crates/xent-ecg/tests/wfdb_golden.rs reads every record and compares with expected.json exactly.
"""
import os
import platform
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import REPO_ROOT, _ver, rel, write_json  # noqa: E402

import numpy as np  # noqa: E402
import wfdb  # noqa: E402

OUT = os.path.join(REPO_ROOT, "crates", "xent-ecg", "tests", "golden", "wfdb")
RNG = np.random.default_rng(20250125)
RANGES = {8: (-100, 100), 16: (-32768, 32767), 24: (-(2**23), 2**23 - 1), 32: (-(2**31), 2**31 - 1),
          61: (-32768, 32767), 80: (-128, 127), 160: (-32768, 32767), 212: (-2048, 2047),
          310: (-512, 511), 311: (-512, 511)}
INVALID = {16: -32768, 61: -32768, 160: -32768, 24: -(2**23), 32: -(2**31), 80: -128, 212: -2048,
           310: -512, 311: -512}


def sig(fmt, n):
    """`n` random samples within the format's range, the extremes included (except the invalid value)."""
    lo, hi = RANGES[fmt]
    v = RNG.integers(lo + 1, hi, size=n, endpoint=True, dtype=np.int64)
    if n >= 4 and fmt != 8:
        v[1], v[2] = lo + 1, hi
    return v


def checksum(v):
    s = int(np.sum(np.asarray(v, dtype=np.int64))) & 0xFFFF
    return s - 65536 if s >= 32768 else s


def pack(fmt, flat):
    """Bytes of the samples `flat` (in file order) stored in `fmt`."""
    flat = [int(x) for x in flat]
    out = bytearray()
    if fmt == 8:  # `flat` holds the differences already (see `stored`)
        for d in flat:
            assert -128 <= d <= 127
            out.append(d & 0xFF)
    elif fmt == 80:
        for x in flat:
            out.append(x + 128)
    elif fmt == 32:
        for x in flat:
            out += (x & 0xFFFFFFFF).to_bytes(4, "little")
    elif fmt == 61:
        for x in flat:
            out += (x & 0xFFFF).to_bytes(2, "big")
    elif fmt == 160:
        for x in flat:
            out += (x + 32768).to_bytes(2, "little")
    elif fmt == 16:
        for x in flat:
            out += (x & 0xFFFF).to_bytes(2, "little")
    elif fmt == 24:
        for x in flat:
            out += (x & 0xFFFFFF).to_bytes(3, "little")
    elif fmt == 212:
        for i in range(0, len(flat), 2):
            a = flat[i] & 0xFFF
            if i + 1 < len(flat):
                b = flat[i + 1] & 0xFFF
                out += bytes([a & 0xFF, (a >> 8) | ((b >> 4) & 0xF0), b & 0xFF])
            else:
                out += bytes([a & 0xFF, a >> 8])
    elif fmt in (310, 311):
        for i in range(0, len(flat), 3):
            g = [x & 0x3FF for x in flat[i:i + 3]]
            k = len(g)
            g += [0] * (3 - k)
            if fmt == 310:
                b = [(g[0] & 0x7F) << 1, ((g[0] >> 7) & 0x07) | ((g[2] & 0x1F) << 3),
                     (g[1] & 0x7F) << 1, ((g[1] >> 7) & 0x07) | ((g[2] >> 5) << 3)]
                out += bytes(b[:[0, 2, 4, 4][k]])
            else:
                w = g[0] | (g[1] << 10) | (g[2] << 20)
                out += w.to_bytes(4, "little")[:[0, 2, 3, 4][k]]
    else:
        raise ValueError(fmt)
    return bytes(out)


def stored(fmt, v):
    """What the file stores for samples `v`: format 8 stores each sample minus the one before it
    (of the same signal), the first relative to the initial value, i.e. 0."""
    if fmt != 8:
        return list(v)
    v = [int(x) for x in v]
    return [0] + [b - a for a, b in zip(v, v[1:])]


def interleave(sigs, spf):
    """File order of signals `sigs` (each spf[i] samples per frame)."""
    frames = len(sigs[0]) // spf[0]
    flat = []
    for f in range(frames):
        for s, k in zip(sigs, spf):
            flat.extend(s[f * k:(f + 1) * k])
    return flat


def write_raw(name, fs, n_frames, files, extra_lines=""):
    """`files`: list of (file name, fmt, byte offset, prolog byte, [(sig name, samples, spf, skew)])."""
    lines = []
    for fname, fmt, offset, _, sigs in files:
        for sname, v, spf, skew in sigs:
            f = f"{fmt}" + (f"x{spf}" if spf != 1 else "") + (f":{skew}" if skew else "") + (f"+{offset}" if offset else "")
            bits = {8: 8, 80: 8, 310: 10, 311: 10, 212: 12, 24: 24, 32: 32}.get(fmt, 16)
            lines.append(f"{fname} {f} 200(0)/mV {bits} 0 {int(v[0])} {checksum(v)} 0 {sname}")
    hea = f"{name} {len(lines)} {fs} {n_frames}\n" + "\n".join(lines) + "\n" + extra_lines
    with open(os.path.join(OUT, name + ".hea"), "w") as f:
        f.write(hea)
    for fname, fmt, offset, prolog, sigs in files:
        data = bytes([prolog] * offset) + pack(fmt, interleave([stored(fmt, s[1]) for s in sigs], [s[2] for s in sigs]))
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(data)


def wrsamp(name, fmt, n, n_sig):
    d = np.stack([sig(fmt, n) for _ in range(n_sig)], axis=1)
    wfdb.wrsamp(name, fs=250, units=["mV"] * n_sig, sig_name=[f"s{i}" for i in range(n_sig)], d_signal=d,
                fmt=[str(fmt)] * n_sig, adc_gain=[200.0] * n_sig, baseline=[0] * n_sig, write_dir=OUT)


def read(name):
    path = os.path.join(OUT, name)
    d = wfdb.rdrecord(path, physical=False, smooth_frames=True)
    spfs = [int(x or 1) for x in (d.samps_per_frame or [1] * d.n_sig)]
    # With one sample per frame both modes give the same values; smooth_frames=False is only asked
    # for when needed (wfdb-python 4.3.1 fails on it for format 61, a big-endian dtype).
    e = wfdb.rdrecord(path, physical=False, smooth_frames=False).e_d_signal if max(spfs) > 1 else None
    signals = []
    for i in range(d.n_sig):
        s = {"name": d.sig_name[i], "fmt": int(d.fmt[i]), "spf": spfs[i]}
        if spfs[i] > 1:
            s["samples"] = [int(x) for x in e[i]]
            s["frames"] = [int(x) for x in d.d_signal[:, i]]
        else:
            s["samples"] = [int(x) for x in d.d_signal[:, i]]
        signals.append(s)
    return {"fs": float(d.fs), "sig_len": int(d.sig_len), "signals": signals}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    cases = {}
    # wfdb-python's own writer.
    for fmt, n, k in [(16, 21, 2), (24, 17, 2), (32, 13, 2), (80, 31, 2), (212, 25, 3)]:
        name = f"wrsamp_{fmt}"
        wrsamp(name, fmt, n, k)
        cases[name] = f"wfdb.wrsamp fmt={fmt}, {k} signals, {n} frames"
    # Byte by byte: every format, one file each, odd sample totals for the packed formats.
    for fmt, n, k in [(8, 20, 2), (16, 10, 1), (61, 15, 2), (160, 15, 2), (212, 9, 1), (310, 7, 2), (310, 8, 1),
                      (311, 7, 2), (311, 8, 1), (24, 6, 3), (80, 12, 1)]:
        name = f"raw_{fmt}_{k}x{n}"
        sigs = []
        for i in range(k):
            v = sig(fmt, n)
            if fmt == 8:
                # stored differences in [-128, 127]; the first one is 0 (the initial value is the first sample)
                v = np.cumsum(RNG.integers(-128, 127, size=n, endpoint=True)) + RNG.integers(-1000, 1000)
            sigs.append((f"s{i}", v, 1, 0))
        write_raw(name, 360, n, [(f"{name}.dat", fmt, 0, 0, sigs)])
        cases[name] = f"format {fmt} written byte by byte, {k} signals, {n} frames"
    # Byte offsets (a prolog of non-zero bytes), with a packed format.
    write_raw("offset", 500, 11, [("offset.dat", 212, 7, 0xAB, [("a", sig(212, 11), 1, 0), ("b", sig(212, 11), 1, 0)])])
    cases["offset"] = "format 212+7: 7 bytes of 0xAB before the samples"
    write_raw("offset_311", 500, 5, [("offset_311.dat", 311, 3, 0xFF, [("a", sig(311, 5), 1, 0)])])
    cases["offset_311"] = "format 311+3, 5 samples (a partial last group)"
    # Skew.
    # (wfdb-python 4.3.1 fails on one file holding two different non-zero skews, hence two files.)
    write_raw("skew", 250, 12, [("skew.dat", 16, 0, 0, [("a", sig(16, 12), 1, 0), ("b", sig(16, 12), 1, 3)]),
                                ("skew_c.dat", 16, 0, 0, [("c", sig(16, 12), 1, 1)])])
    cases["skew"] = "format 16, skews 0 and 3 in one file, 1 in another"
    write_raw("skew_24", 250, 9, [("skew_24.dat", 24, 4, 0, [("a", sig(24, 9), 1, 2), ("b", sig(24, 9), 1, 0)])])
    cases["skew_24"] = "format 24+4, skews 2 and 0"
    # Several samples per frame.
    write_raw("spf", 100, 8, [("spf.dat", 16, 0, 0, [("fast", sig(16, 32), 4, 0), ("slow", sig(16, 8), 1, 0),
                                                      ("mid", sig(16, 16), 2, 0)])])
    cases["spf"] = "format 16, samples per frame 4, 1 and 2"
    write_raw("spf_212", 100, 5, [("spf_212.dat", 212, 0, 0, [("a", sig(212, 15), 3, 0), ("b", sig(212, 10), 2, 0)])])
    cases["spf_212"] = "format 212, samples per frame 3 and 2 (an odd total: the last group is 2 bytes)"
    # Signals over several files with different formats.
    write_raw("multifile", 360, 10, [
        ("multifile_a.dat", 16, 0, 0, [("a0", sig(16, 10), 1, 0), ("a1", sig(16, 20), 2, 0)]),
        ("multifile_b.dat", 212, 5, 0x11, [("b0", sig(212, 10), 1, 0)]),
        ("multifile_c.dat", 32, 0, 0, [("c0", sig(32, 10), 1, 2), ("c1", sig(32, 10), 1, 0)]),
    ])
    cases["multifile"] = "three files: 16 (one signal with 2 samples per frame), 212+5, 32 (skew 2)"
    # Multi-segment, fixed layout: two segments with the same signals.
    write_raw("fixed_s1", 250, 6, [("fixed_s1.dat", 16, 0, 0, [("I", sig(16, 6), 1, 0), ("II", sig(16, 6), 1, 0)])])
    write_raw("fixed_s2", 250, 4, [("fixed_s2.dat", 16, 0, 0, [("I", sig(16, 4), 1, 0), ("II", sig(16, 4), 1, 0)])])
    with open(os.path.join(OUT, "fixed.hea"), "w") as f:
        f.write("fixed/2 2 250 10\nfixed_s1 6\nfixed_s2 4\n")
    cases["fixed"] = "multi-segment, fixed layout: 2 segments of 6 and 4 frames"
    # Multi-segment, variable layout: a layout header, segments holding different signals (in
    # another order), a null segment.
    with open(os.path.join(OUT, "var_layout.hea"), "w") as f:
        f.write("var_layout 3 125 0\n~ 0 200/mV 16 0 0 0 0 II\n~ 0 200/mV 16 0 0 0 0 V\n~ 0 200/mV 16 0 0 0 0 ABP\n")
    write_raw("var_s1", 125, 5, [("var_s1.dat", 16, 0, 0, [("V", sig(16, 5), 1, 0), ("II", sig(16, 5), 1, 0)])])
    write_raw("var_s3", 125, 4, [("var_s3.dat", 16, 0, 0, [("ABP", sig(16, 4), 1, 0), ("II", sig(16, 4), 1, 0)])])
    with open(os.path.join(OUT, "var.hea"), "w") as f:
        f.write("var/4 3 125 12\nvar_layout 0\nvar_s1 5\n~ 3\nvar_s3 4\n")
    cases["var"] = "multi-segment, variable layout: layout header, 2 segments with different signals, a null segment"
    records = {}
    for name, what in cases.items():
        r = read(name)
        r["what"] = what
        records[name] = r
    obj = {
        "generated_by": rel(__file__),
        "versions": {"python": platform.python_version(), "numpy": _ver("numpy"), "wfdb": _ver("wfdb")},
        "reader": "wfdb.rdrecord(record, physical=False): samples = smooth_frames=False .e_d_signal for signals "
                  "with several samples per frame, else the smooth_frames=True .d_signal column; "
                  "frames = smooth_frames=True .d_signal (signals with several samples per frame only)",
        "records": records,
    }
    write_json(os.path.join(OUT, "expected.json"), obj)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(records)} records to {rel(OUT)} ({total} bytes)")


if __name__ == "__main__":
    main()
