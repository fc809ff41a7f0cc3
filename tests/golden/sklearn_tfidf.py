"""Golden TF-IDF weights from scikit-learn for crates/xent-text/src/bow.rs (pasted into its tests).

Run from the repository root inside the venv (`just golden` creates it):

    .venv/bin/python tests/golden/sklearn_tfidf.py

Documents are written with one letter per token id (a = 2, b = 3, c = 4, d = 5; "u" stands for [UNK] = 1, which
xent drops and which scikit-learn never sees because it is left out of the vocabulary). Prints the idf of a..d
and the unit-norm TF-IDF row of the query "b a b" with TfidfVectorizer's defaults (smooth_idf, norm l2, raw tf),
then the same row with sublinear_tf=True.
Generated with: Python 3.11.7, scikit-learn 1.9.1, numpy 2.4.6.
"""
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

train = ["a b b", "b c", "c c c d u"]
vec = TfidfVectorizer(token_pattern=r"\S+", vocabulary=["a", "b", "c", "d"])
vec.fit(train)
print("python", sys.version.split()[0], "scikit-learn", sklearn.__version__, "numpy", np.__version__)
print("idf a..d:", [repr(float(x)) for x in vec.idf_])
print("row of 'b a b' (a, b):", [repr(float(x)) for x in vec.transform(["b a b"]).toarray()[0][:2]])
sub = TfidfVectorizer(token_pattern=r"\S+", vocabulary=["a", "b", "c", "d"], sublinear_tf=True).fit(train)
print("sublinear row of 'b a b' (a, b):", [repr(float(x)) for x in sub.transform(["b a b"]).toarray()[0][:2]])
