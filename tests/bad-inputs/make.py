#!/usr/bin/env python3
"""Writes the bad-input corpus next to this script (standard library only).

Each case is a directory `<group>/<case>/` holding the files one command reads; `cases.tsv` says
which command runs on it and which file its error must name. The files are committed; this script
documents how each was made and rewrites them identically.
"""
import gzip
import io
import os
import shutil
import struct
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []  # (case, file the error must name, arguments)


def case(group, name, files, names, args):
    d = os.path.join(HERE, group, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for rel, data in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    CASES.append((f"{group}/{name}", names, args))


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return buf.getvalue()


def npy(descr, shape, payload, header=None):
    if header is None:
        header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + payload


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


# ---------------------------------------------------------------- score
GOOD_PRED = "0.9,0.1\n0.2,0.8\n0.6,0.4\n"
GOOD_TARGET = "0\n1\n1\n"
SCORE = "score --pred {dir}/pred.csv --target {dir}/target.csv"


def score(name, pred=GOOD_PRED, target=GOOD_TARGET, names="pred.csv", extra="", files=None, args=None):
    f = {"pred.csv": pred, "target.csv": target}
    f.update(files or {})
    case("score", name, f, names, args or (SCORE + (" " + extra if extra else "")))


score("empty-pred", pred="")
score("ragged-row", pred="0.9,0.1\n0.2\n0.6,0.4\n")
score("text-cell", pred="0.9,0.1\n0.2,abc\n0.6,0.4\n")
score("nan-cell", pred="0.9,0.1\nnan,0.8\n0.6,0.4\n")
score("inf-cell", pred="0.9,0.1\ninf,0.8\n0.6,0.4\n")
score("header-only", pred="a,b\n")
score("non-utf8", pred=b"0.9,0.1\n0.2,0.8\xff\n0.6,0.4\n")
score("label-out-of-range", target="0\n1\n5\n", names="target.csv")
score("negative-label", target="0\n-1\n1\n", names="target.csv")
score("fractional-label", target="0\n1.5\n1\n", names="target.csv")
score("label-text", target="0\ncat\n1\n", names="target.csv")
score("fewer-targets", target="0\n1\n", names="target.csv")
score("more-targets", target="0\n1\n1\n0\n", names="target.csv")
score("hot-target-width", target="1,0,0\n0,1,0\n0,1,0\n", names="target.csv")
score("weights-wrong-length", files={"w.csv": "1\n1\n"}, names="w.csv",
      args=SCORE + " --sample-weight {dir}/w.csv")
score("weights-negative", files={"w.csv": "1\n-1\n1\n"}, names="w.csv",
      args=SCORE + " --sample-weight {dir}/w.csv")
score("weights-text", files={"w.csv": "1\nheavy\n1\n"}, names="w.csv",
      args=SCORE + " --sample-weight {dir}/w.csv")
score("classes-wrong-count", files={"classes.txt": "cat\ndog\nbird\n"}, names="classes.txt",
      args=SCORE + " --classes {dir}/classes.txt")
score("missing-pred", names="absent.csv", args="score --pred {dir}/absent.csv --target {dir}/target.csv")
score("pred-is-directory", files={"sub/x": ""}, names="sub", args="score --pred {dir}/sub --target {dir}/target.csv")
score("label-smoothing-too-big", names="label", extra="--label-smoothing 1.5")

NPY = "score --pred {dir}/pred.npy --target {dir}/target.csv"
good = f32(0.9, 0.1, 0.2, 0.8, 0.6, 0.4)
for name, data in {
    "npy-bad-magic": b"\x93NUMPZ\x01\x00" + npy("<f4", "(3, 2)", good)[8:],
    "npy-truncated-data": npy("<f4", "(3, 2)", good[:-3]),
    "npy-truncated-header": npy("<f4", "(3, 2)", good)[:30],
    "npy-complex-dtype": npy("<c8", "(3, 1)", good),
    "npy-three-dims": npy("<f4", "(3, 2, 1)", good),
    "npy-header-not-a-dict": npy("<f4", "", good, header="[1, 2, 3]"),
    "npy-shape-text": npy("<f4", "", good, header="{'descr': '<f4', 'fortran_order': False, 'shape': ('a', 2), }"),
    "npy-too-many-rows": npy("<f4", "(30, 2)", good),
}.items():
    case("score", name, {"pred.npy": data, "target.csv": GOOD_TARGET}, "pred.npy", NPY)

# ---------------------------------------------------------------- WFDB
# A two-signal record `r` of 10 frames in format 212 (3 bytes a frame), values 0..9 and 100..109.
def fmt212(a, b):
    out = bytearray()
    for x, y in zip(a, b):
        x &= 0xFFF
        y &= 0xFFF
        out += bytes([x & 0xFF, ((x >> 8) & 0x0F) | ((y >> 4) & 0xF0), y & 0xFF])
    return bytes(out)


S0 = list(range(10))
S1 = list(range(100, 110))
DAT = fmt212(S0, S1)
CK0, CK1 = sum(S0) & 0xFFFF, sum(S1) & 0xFFFF
HEA = f"r 2 360 10\nr.dat 212 200 11 1024 0 {CK0} 0 MLII\nr.dat 212 200 11 1024 100 {CK1} 0 V5\n"


def ann(*words):
    return b"".join(struct.pack("<H", w) for w in words)


# N beats at samples 2 and 6 (code 1 = N, time increments 2 and 4), then the end word.
ATR = ann((1 << 10) | 2, (1 << 10) | 4, 0)
INFO = "ecg info {dir}/r"


def wfdb(name, hea=HEA, dat=DAT, atr=ATR, names="r.hea", args=INFO, extra=None):
    files = {"r.hea": hea}
    if dat is not None:
        files["r.dat"] = dat
    if atr is not None:
        files["r.atr"] = atr
    files.update(extra or {})
    case("wfdb", name, files, names, args)


wfdb("empty-header", hea="")
wfdb("header-non-utf8", hea=HEA.replace("MLII", "ML") .encode() + b"\xff\xfe\n")
wfdb("header-missing-signal-count", hea="r\n")
wfdb("header-signal-line-without-format", hea="r 2 360 10\nr.dat\nr.dat\n")
wfdb("header-fewer-signal-lines", hea=HEA.rsplit("r.dat", 1)[0])
wfdb("header-unknown-format", hea=HEA.replace(" 212 ", " 999 "))
wfdb("header-huge-sample-count", hea=HEA.replace("r 2 360 10", "r 2 360 9223372036854775807"))
wfdb("header-zero-sampling-frequency", hea=HEA.replace("r 2 360 10", "r 2 0 10"))
wfdb("header-absurd-sampling-frequency", hea=HEA.replace("r 2 360 10", "r 2 1e300 10"))
wfdb("header-negative-signal-count", hea=HEA.replace("r 2 360 10", "r -2 360 10"))
wfdb("header-text-gain", hea=HEA.replace(" 200 11 ", " two 11 ", 1))
wfdb("header-negative-skew", hea=HEA.replace("r.dat 212 200", "r.dat 212:-3 200", 1))
wfdb("header-escaping-signal-file", hea=HEA.replace("r.dat", "../../../../etc/hostname"))
wfdb("header-absolute-signal-file", hea=HEA.replace("r.dat", "/etc/hostname"))
wfdb("missing-dat", dat=None, names="r.dat")
wfdb("truncated-dat", dat=DAT[:-4], names="r.dat")
wfdb("checksum-mismatch", hea=HEA.replace(f" {CK0} ", f" {CK0 + 1} ", 1), names="r.dat")
wfdb("first-value-mismatch", hea=HEA.replace(" 1024 0 ", " 1024 7 ", 1), names="r.dat")
wfdb("annotation-without-terminator", atr=ATR[:-2], names="r.atr")
wfdb("annotation-cut-mid-word", atr=ATR[:-3], names="r.atr")
wfdb("annotation-aux-past-end", atr=ann((1 << 10) | 2, (63 << 10) | 200) + b"ab", names="r.atr")
wfdb("annotation-bytes-after-end", atr=ATR + b"\x01\x04", names="r.atr")
wfdb("annotation-random-bytes", atr=bytes((i * 97 + 13) % 256 for i in range(37)), names="r.atr")
wfdb("to-wav-truncated-dat", dat=DAT[:-4], names="r.dat", args="ecg to-wav {dir}/r {out}/r.wav")
wfdb("header-zero-samples-per-frame", hea=HEA.replace("r.dat 212 200", "r.dat 212x0 200", 1))
# Multi-segment records: `r` lists segments; `s` is the valid two-signal record above.
SEG = {"s.hea": HEA.replace("r 2 360 10", "s 2 360 10").replace("r.dat", "s.dat"), "s.dat": DAT}
wfdb("multi-segment-nested", hea="r/1 2 360 10\ns 10\n", dat=None, atr=None, names="s.hea",
     extra={"s.hea": "s/1 2 360 10\nr 10\n"})
wfdb("multi-segment-huge-null-segment", hea="r/2 2 360\ns 10\n~ 99999999999\n", dat=None, atr=None, extra=SEG)
wfdb("multi-segment-signal-not-in-layout", hea="r/2 2 360 10\nl 0\ns 10\n", dat=None, atr=None, names="s.hea",
     extra=dict(SEG, **{"l.hea": "l 2 360 0\n~ 0 200/mV 11 1024 0 0 0 MLII\n~ 0 200/mV 11 1024 0 0 0 V1\n"}))
wfdb("multi-segment-length-mismatch", hea="r/1 2 360 12\ns 12\n", dat=None, atr=None, names="s.hea", extra=SEG)
wfdb("detect-absurd-sampling-frequency", hea=HEA.replace("r 2 360 10", "r 2 1e300 10"),
     args="ecg detect {dir}/r")

# ---------------------------------------------------------------- text corpora
TEXT = "train text --corpus ag-news --data {dir} --out {out}/runs/text/ag-news --limit 20 --epochs 1 --seeds 1 --quiet"
CLASSES = "World\nSports\nBusiness\nSci/Tech\n"
ROWS = "".join(f'"{1 + i % 4}","title {i}","body of document {i} about topic {i % 4}"\n' for i in range(40))


def agnews(name, csv_gz, classes=CLASSES, names="test.csv.gz"):
    case("text", name, {"ag_news/test.csv.gz": csv_gz, "ag_news/classes.txt": classes}, names, TEXT)


agnews("agnews-not-gzip", ROWS.encode())
agnews("agnews-truncated-gzip", gz(ROWS)[:-20])
agnews("agnews-label-out-of-range", gz(ROWS.replace('"3","title 2"', '"9","title 2"')))
agnews("agnews-label-text", gz(ROWS.replace('"3","title 2"', '"three","title 2"')))
agnews("agnews-missing-column", gz(ROWS.replace(',"title 5"', "")))
agnews("agnews-empty", gz(""))
agnews("agnews-empty-classes", gz(ROWS), classes="", names="classes.txt")

def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.USTAR_FORMAT) as t:
        for n, data in members.items():
            info = tarfile.TarInfo(n)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BBC = "train text --corpus bbc --data {dir} --out {out}/runs/text/bbc --limit 20 --epochs 1 --seeds 1 --quiet"
ARTICLES = {f"bbc/{c}/{i:03}.txt": f"story {i}\n\nabout {c}\n".encode()
            for i, c in enumerate(["business", "sport", "tech", "politics", "entertainment"] * 8)}
for name, data in {
    "bbc-truncated-archive": tar_gz(ARTICLES)[:-30],
    "bbc-not-gzip": b"category,filename,text\n",
    "bbc-no-articles": tar_gz({"bbc/README.TXT": b"nothing here\n"}),
}.items():
    case("text", name, {"bbc/bbc-fulltext.tar.gz": data}, "bbc-fulltext.tar.gz", BBC)

R8 = "train text --corpus r8 --data {dir} --out {out}/runs/text/r8 --limit 20 --epochs 1 --seeds 1 --quiet"
SGM = (b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" '
       b'OLDID="1" NEWID="1">\n<TOPICS><D>earn</D></TOPICS>\n<TEXT><TITLE>T</TITLE><BODY>profit up')
for name, data in {
    "reuters-not-gzip": b"this is not an archive\n",
    "reuters-truncated-archive": tar_gz({"reut2-000.sgm": SGM + b"</BODY></TEXT>\n</REUTERS>\n"})[:-30],
    "reuters-unclosed-article": tar_gz({"reut2-000.sgm": SGM}),
    "reuters-no-sgm-files": tar_gz({"README.txt": b"nothing here\n"}),
}.items():
    case("text", name, {"reuters21578/reuters21578.tar.gz": data}, "reuters21578.tar.gz", R8)

with open(os.path.join(HERE, "cases.tsv"), "w") as f:
    f.write("# case\tthe file the error names\targuments of `xent` ({dir}: the case, {out}: an existing output directory)\n")
    for c in CASES:
        f.write("\t".join(c) + "\n")
print(len(CASES), "cases")
