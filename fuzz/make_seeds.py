#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from small slices of the carried datasets (standard library only).

Run from the repository root: python3 fuzz/make_seeds.py. The seeds are committed; rerun only to
change them. Every seed is a real file or a prefix of one (with the header adjusted to the slice).
"""

import csv
import gzip
import io
import struct
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "datasets"
SEEDS = ROOT / "fuzz" / "seeds"
SEP = b"\n%%xent-fuzz-part%%\n"  # fuzz/src/lib.rs PART_SEPARATOR


def put(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def decode_212(b, frames):
    """Two interleaved format-212 signals, `frames` frames."""
    a, c = [], []
    for i in range(frames):
        b0, b1, b2 = b[3 * i : 3 * i + 3]
        x = b0 | ((b1 & 0x0F) << 8)
        y = b2 | ((b1 & 0xF0) << 4)
        a.append(x - 4096 if x & 0x800 else x)
        c.append(y - 4096 if y & 0x800 else y)
    return a, c


def checksum(v):
    s = sum(v) & 0xFFFF
    return s - 65536 if s >= 32768 else s


def atr_prefix(raw, words):
    """The first `words` 16-bit words of an annotation file, cut at an annotation boundary, plus
    the 0 0 terminator."""
    out, pos = bytearray(), 0
    while pos + 2 <= len(raw) and pos < 2 * words:
        w = raw[pos] | (raw[pos + 1] << 8)
        a, i = w >> 10, w & 0x3FF
        n = 2
        if a == 59:  # SKIP
            n = 6
        elif a == 63:  # AUX
            n = 2 + i + (i & 1)
        elif a == 0 and i == 0:
            break
        out += raw[pos : pos + n]
        pos += n
    return bytes(out) + b"\0\0"


def wfdb():
    mitdb = DATA / "mitdb"
    for rec in ["100", "102", "114"]:
        put("wfdb_header", f"{rec}.hea", (mitdb / f"{rec}.hea").read_bytes())
    put("wfdb_header", "crlf-comments.hea", (mitdb / "100.hea").read_bytes().replace(b"\n", b"\r\n"))

    dat = (mitdb / "100.dat").read_bytes()[:600]
    # wfdb_signal: fmt byte (0 → 212, 1 → 16), signals - 1, byte offset, mode (1: 8-byte count).
    put("wfdb_signal", "212-pair-inferred", bytes([0, 1, 0, 0]) + dat)
    put("wfdb_signal", "212-pair-declared", bytes([0, 1, 0, 1]) + struct.pack("<Q", 200) + dat)
    put("wfdb_signal", "212-single-offset", bytes([0, 0, 3, 0]) + dat)
    put("wfdb_signal", "16-triple", bytes([1, 2, 0, 1]) + struct.pack("<Q", 100) + dat)

    for rec in ["100", "108", "203"]:
        raw = (mitdb / f"{rec}.atr").read_bytes()
        put("wfdb_annotation", f"{rec}-prefix.atr", atr_prefix(raw, 400))
    put("wfdb_annotation", "123.atr", (mitdb / "123.atr").read_bytes())

    # wfdb_record: 100 cut to 300 frames, initial values and checksums recomputed.
    frames = 300
    dat = (mitdb / "100.dat").read_bytes()[: 3 * frames]
    a, b = decode_212(dat, frames)
    hea = (
        f"r 2 360 {frames}\n"
        f"r.dat 212 200 11 1024 {a[0]} {checksum(a)} 0 MLII\n"
        f"r.dat 212 200 11 1024 {b[0]} {checksum(b)} 0 V5\n"
        "# 69 M 1085 1629 x1\n"
    ).encode()
    atr = atr_prefix((mitdb / "100.atr").read_bytes(), 12)
    put("wfdb_record", "100-300-frames", hea + SEP + dat[: 3 * frames] + SEP + atr)
    put("wfdb_record", "100-no-atr", hea + SEP + dat[: 3 * frames])


def npy(descr, shape, payload):
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    total = 10 + len(header) + 1
    header += b" " * ((64 - total % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def score():
    pdir = DATA / "predictions" / "mnist_cnn_keras_bce"
    rows = 8
    pred_raw = (pdir / "pred.npy").read_bytes()[128 : 128 + rows * 10 * 4]
    labels_raw = (pdir / "labels.npy").read_bytes()[128 : 128 + rows * 8]
    logits_raw = (pdir / "logits.npy").read_bytes()[128 : 128 + rows * 10 * 4]
    put("score_npy", "pred.npy", npy("<f4", (rows, 10), pred_raw))
    put("score_npy", "labels.npy", npy("<i8", (rows,), labels_raw))
    put("score_npy", "logits-fortran.npy", npy("<f4", (10, rows), logits_raw).replace(b"False", b"True "))
    put("score_npy", "pred-f8.npy", npy("<f8", (rows * 10,), struct.pack(f"<{rows * 10}d", *struct.unpack(f"<{rows * 10}f", pred_raw))))

    pred = struct.unpack(f"<{rows * 10}f", pred_raw)
    labels = struct.unpack(f"<{rows}q", labels_raw)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"p{k}" for k in range(10)])
    for r in range(rows):
        w.writerow([repr(pred[r * 10 + k]) for k in range(10)])
    put("score_csv", "pred.csv", out.getvalue())
    put("score_csv", "labels.csv", "label\n" + "".join(f"{v}\n" for v in labels))
    put("score_csv", "onehot.csv", "".join(",".join("1" if k == v else "0" for k in range(10)) + "\n" for v in labels))
    put("score_csv", "weights-crlf.csv", "".join(f"{0.5 + r}\r\n" for r in range(rows)))


def text():
    with tarfile.open(DATA / "reuters21578" / "reuters21578.tar.gz") as t:
        sgm = t.extractfile("reuters21578/reut2-000.sgm").read()
    # The DTD line and the first three articles.
    end = 0
    for _ in range(3):
        end = sgm.index(b"</REUTERS>", end) + len(b"</REUTERS>")
    reut = sgm[: end + 1]
    put("reuters_sgml", "reut2-000-first3.sgm", reut)
    # An article without BODY (TEXT TYPE="BRIEF" / "UNPROC") if one exists in the first file.
    i = sgm.find(b'TYPE="BRIEF"')
    if i >= 0:
        s = sgm.rfind(b"<REUTERS", 0, i)
        e = sgm.index(b"</REUTERS>", i) + len(b"</REUTERS>")
        put("reuters_sgml", "brief.sgm", sgm[s:e] + b"\n")

    with gzip.open(DATA / "ag_news" / "test.csv.gz") as f:
        lines = [f.readline() for _ in range(12)]
    put("agnews_csv", "test-12.csv", b"".join(lines))

    with gzip.open(DATA / "bbc" / "bbc_news.csv.gz", "rt", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        picked, seen = [], set()
        for row in r:
            if row[0] not in seen:  # one short-ish article of each class
                seen.add(row[0])
                picked.append(row[:2] + [row[2][:600]])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(picked)
    put("bbc_csv", "bbc-5.csv", out.getvalue())

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        add("bbc/README.TXT", b"BBC fuzz seed\n")
        for cat, _, txt in picked[:2]:
            add(f"bbc/{cat}/001.txt", txt[:300].encode("utf-8"))
        add("reuters21578/reut2-000.sgm", reut[: reut.index(b"</REUTERS>") + 11])
    put("corpus_tar", "bbc-reuters.tar", buf.getvalue())


if __name__ == "__main__":
    wfdb()
    score()
    text()
