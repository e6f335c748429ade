using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// General matrix multiplication on row-major arrays with a fused epilogue:
/// <c>C = alpha·op(A)·op(B) + beta·C</c>, then <c>+= bias</c>, then the activation, then the mask.
/// A packed, register-blocked AVX-512 kernel handles large shapes; GEMV, outer-product and small-shape paths keep
/// the fixed cost of tiny calls low. Calls allocate nothing and may use up to <see cref="Parallelism.MaxThreads"/>
/// threads; results are bit-for-bit independent of the thread count.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>
    /// Single-precision GEMM with epilogue. op(A) is m×k: stored m×k with row stride <paramref name="lda"/>
    /// (<paramref name="transA"/> = false) or k×m (true); likewise op(B) is k×n. When <paramref name="beta"/> is 0, C is
    /// not read (it may hold NaN). Then <paramref name="bias"/> is added per <paramref name="biasMode"/>, the
    /// <paramref name="activation"/> applied, and, if <paramref name="mask"/> is not null,
    /// <c>C[i,j] = mask[i,j] &gt; 0 ? C[i,j] : 0</c>. m, n or k may be 0 (k = 0 gives <c>C = beta·C</c> and the epilogue).
    /// When <paramref name="alpha"/> is 0, A and B are not read.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is smaller than its row length,
    /// or an array is too short for the elements the call would touch; the message names the argument and the numbers.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgemm(int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, bool transA,
        float[] b, int bOffset, int ldb, bool transB,
        float beta, float[] c, int cOffset, int ldc,
        float[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        float[]? mask, int maskOffset, int ldMask)
    {
        Validate("Gemm.Sgemm", m, n, k, a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc,
            bias, biasOffset, biasMode, activation, mask, maskOffset, ldMask);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pmask = mask)
        {
            var p = new Problem<float>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA,
                B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
                Bias = biasMode == BiasMode.None ? null : pbias + biasOffset, BiasMode = biasMode,
                Relu = activation == Activation.Relu,
                Mask = pmask == null ? null : pmask + maskOffset, LdMask = ldMask,
            };
            Run(ref p, Parallelism.MaxThreads);
        }
    }

    /// <summary>Double-precision GEMM with epilogue; see <see cref="Sgemm"/> for the contract.</summary>
    /// <exception cref="ArgumentException">See <see cref="Sgemm"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dgemm(int m, int n, int k, double alpha,
        double[] a, int aOffset, int lda, bool transA,
        double[] b, int bOffset, int ldb, bool transB,
        double beta, double[] c, int cOffset, int ldc,
        double[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        double[]? mask, int maskOffset, int ldMask)
    {
        Validate("Gemm.Dgemm", m, n, k, a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc,
            bias, biasOffset, biasMode, activation, mask, maskOffset, ldMask);
        if (m == 0 || n == 0) return;
        fixed (double* pa = a, pb = b, pc = c, pbias = bias, pmask = mask)
        {
            var p = new Problem<double>
            {
                M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa + aOffset, Lda = lda, TransA = transA,
                B = pb + bOffset, Ldb = ldb, TransB = transB,
                C = pc + cOffset, Ldc = ldc,
                Bias = biasMode == BiasMode.None ? null : pbias + biasOffset, BiasMode = biasMode,
                Relu = activation == Activation.Relu,
                Mask = pmask == null ? null : pmask + maskOffset, LdMask = ldMask,
            };
            Run(ref p, Parallelism.MaxThreads);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate<T>(string op, int m, int n, int k,
        T[] a, int aOffset, int lda, bool transA, T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc, T[]? bias, int biasOffset, BiasMode biasMode, Activation activation,
        T[]? mask, int maskOffset, int ldMask)
    {
        Guard.NonNegative(m, nameof(m), op);
        Guard.NonNegative(n, nameof(n), op);
        Guard.NonNegative(k, nameof(k), op);
        Guard.Matrix(a, nameof(a), aOffset, transA ? k : m, transA ? m : k, lda, nameof(lda), op);
        Guard.Matrix(b, nameof(b), bOffset, transB ? n : k, transB ? k : n, ldb, nameof(ldb), op);
        Guard.Matrix(c, nameof(c), cOffset, m, n, ldc, nameof(ldc), op);
        Guard.Enum(biasMode, op);
        Guard.Enum(activation, op);
        if (biasMode != BiasMode.None)
            Guard.Vector(bias, nameof(bias), biasOffset, biasMode == BiasMode.PerColumn ? n : m, op);
        if (mask != null)
            Guard.Matrix(mask, nameof(mask), maskOffset, m, n, ldMask, nameof(ldMask), op);
    }
}

/// <summary>One GEMM call with pointers into pinned arrays (valid while the public entry point runs).</summary>
internal unsafe struct Problem<T> where T : unmanaged
{
    public int M, N, K;
    public T Alpha, Beta;
    public T* A; public int Lda; public bool TransA;
    public T* B; public int Ldb; public bool TransB;
    public T* C; public int Ldc;
    public T* Bias; public BiasMode BiasMode; public bool Relu;
    public T* Mask; public int LdMask;

    /// <summary>op(A)[i, kk].</summary>
    public readonly T AAt(int i, int kk) => TransA ? A[(long)kk * Lda + i] : A[(long)i * Lda + kk];

    /// <summary>op(B)[kk, j].</summary>
    public readonly T BAt(int kk, int j) => TransB ? B[(long)j * Ldb + kk] : B[(long)kk * Ldb + j];

    /// <summary>True when bias, activation or mask must be applied.</summary>
    public readonly bool HasEpilogue => BiasMode != BiasMode.None || Relu || Mask != null;
}
