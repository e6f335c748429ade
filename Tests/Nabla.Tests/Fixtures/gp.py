#!/usr/bin/python3
"""Produces gp.json: the reference values for Tests/Nabla.Tests/Search/Gp*Tests.cs.

Run from this folder with Debian's python3 (numpy 1.24, mpmath 1.2; no scikit-learn or scipy on the machine):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 gp.py
- "posterior": Gaussian-process posteriors with fixed hyperparameters on tiny data sets, by the textbook closed form
  with a general linear solve (numpy.linalg.solve, no Cholesky, independent of the C# code):
  y standardized as (y - mean) / std (population std), K = k(X, X) + noise * I,
  mean* = m + s * k*^T K^-1 ytilde, var* = s^2 * (k(x*, x*) - k*^T K^-1 k*),
  lml = -1/2 ytilde^T K^-1 ytilde - 1/2 log det K - n/2 log 2 pi (standardized units).
- "erfc": erfc at chosen points to 30 significant digits by mpmath (50-digit arithmetic).
- "positive_part": h(z) = E[max(0, z + Z)] = z Phi(z) + phi(z) for Z ~ N(0, 1), the factor of expected improvement,
  to 30 significant digits by mpmath (50-digit arithmetic: the cancellation for negative z costs it ~3 digits at z = -40).
"""
import json
import math
import mpmath
import numpy as np

mpmath.mp.dps = 50


def kern(kind, a, b, ell, sf2):
    r2 = float(np.sum(((np.asarray(a) - np.asarray(b)) / np.asarray(ell)) ** 2))
    if kind == "Rbf":
        return sf2 * math.exp(-0.5 * r2)
    r = math.sqrt(5 * r2)
    return sf2 * (1 + r + 5 * r2 / 3) * math.exp(-r)


def case(kind, X, y, ell, sf2, noise, Xs):
    X = np.asarray(X, dtype=np.float64); y = np.asarray(y, dtype=np.float64); Xs = np.asarray(Xs, dtype=np.float64)
    m = y.mean(); s = y.std()
    yt = (y - m) / s
    n = len(y)
    K = np.array([[kern(kind, X[i], X[j], ell, sf2) for j in range(n)] for i in range(n)]) + noise * np.eye(n)
    a = np.linalg.solve(K, yt)
    sign, logdet = np.linalg.slogdet(K)
    lml = -0.5 * yt @ a - 0.5 * logdet - 0.5 * n * math.log(2 * math.pi)
    means, variances = [], []
    for xs in Xs:
        ks = np.array([kern(kind, X[i], xs, ell, sf2) for i in range(n)])
        means.append(float(m + s * ks @ a))
        variances.append(float(s * s * (sf2 - ks @ np.linalg.solve(K, ks))))
    return {"kind": kind, "x": X.tolist(), "y": y.tolist(), "length_scales": list(ell), "signal_variance": sf2,
            "noise_variance": noise, "x_star": Xs.tolist(), "mean": means, "variance": variances, "lml": float(lml)}


posterior = [
    case("Matern52", [[0.1], [0.4], [0.9]], [1.0, 2.5, 0.3], [0.3], 1.5, 1e-3, [[0.0], [0.25], [0.5], [0.9], [1.0]]),
    case("Rbf", [[0.1], [0.4], [0.9]], [1.0, 2.5, 0.3], [0.2], 0.8, 1e-2, [[0.0], [0.25], [0.5], [0.9], [1.0]]),
    case("Rbf", [[0.1, 0.2], [0.7, 0.3], [0.4, 0.9], [0.8, 0.8]], [0.61, 0.72, 0.55, 0.80], [0.4, 0.8], 0.7, 0.05,
         [[0.5, 0.5], [0.1, 0.2], [0.0, 1.0]]),
    case("Matern52", [[0.1, 0.2], [0.7, 0.3], [0.4, 0.9], [0.8, 0.8]], [0.61, 0.72, 0.55, 0.80], [0.4, 0.8], 0.7, 0.05,
         [[0.5, 0.5], [0.1, 0.2], [0.0, 1.0]]),
]

points = [-6, -3, -1.5, -1, -0.7, -0.3, -1e-3, 0, 1e-10, 1e-3, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1, 1.01, 1.5, 2, 2.5,
          3, 4, 5, 7, 10, 15, 20, 26]
erfc = [{"x": x, "erfc": mpmath.nstr(mpmath.erfc(mpmath.mpf(x)), 30)} for x in points]


def positive_part(z):
    z = mpmath.mpf(z)
    return z * mpmath.ncdf(z) + mpmath.npdf(z)


zs = [-40, -30, -20, -12, -8, -5, -3, -2, -1.5, -1.01, -1, -0.99, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 5, 8.5, 30]
positive = [{"z": z, "h": mpmath.nstr(positive_part(z), 30)} for z in zs]

with open("gp.json", "w") as f:
    json.dump({"posterior": posterior, "erfc": erfc, "positive_part": positive}, f, indent=1)
print("wrote gp.json")
