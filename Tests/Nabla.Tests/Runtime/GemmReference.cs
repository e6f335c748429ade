using System;
using System.Runtime.CompilerServices;
using Nabla.Runtime;

namespace Nabla.Tests.Runtime;

/// <summary>One randomized GEMM call: shapes, layouts, scalars, epilogue and the seed for its data.</summary>
public sealed record GemmSpec(int M, int N, int K, bool TransA, bool TransB, int ExtraLda, int ExtraLdb, int ExtraLdc,
    int OffA, int OffB, int OffC, float Alpha, float Beta, BiasMode Bias, Activation Act, bool Mask, int Seed)
{
    public int Lda => (TransA ? M : K) + ExtraLda;
    public int Ldb => (TransB ? K : N) + ExtraLdb;
    public int Ldc => N + ExtraLdc;
    public int LdMask => N + 1;
}

/// <summary>Operands for a <see cref="GemmSpec"/> and a float64 triple-loop reference.</summary>
public sealed class GemmData<T> where T : unmanaged
{
    public readonly GemmSpec S;
    public readonly T[] A, B, C, C0, Bias, Mask;

    public GemmData(GemmSpec s)
    {
        S = s;
        var rng = new Random(s.Seed);
        A = Fill(new T[s.OffA + (s.TransA ? s.K : s.M) * s.Lda + 2], rng);
        B = Fill(new T[s.OffB + (s.TransB ? s.N : s.K) * s.Ldb + 2], rng);
        C0 = Fill(new T[s.OffC + s.M * s.Ldc + 2], rng);
        if (s.Beta == 0)
            for (int i = 0; i < s.M; i++)
                for (int j = 0; j < s.N; j++) C0[s.OffC + i * s.Ldc + j] = FromDouble(double.NaN); // beta = 0: C must not be read
        C = (T[])C0.Clone();
        Bias = Fill(new T[Math.Max(s.M, s.N) + 3], rng);
        Mask = Fill(new T[s.M * s.LdMask + 1], rng);
    }

    private static T FromDouble(double x)
    {
        float f = (float)x;
        return typeof(T) == typeof(float) ? Unsafe.As<float, T>(ref f) : Unsafe.As<double, T>(ref x);
    }
    private static double ToDouble(T x) => typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref x) : Unsafe.As<T, double>(ref x);

    private static T[] Fill(T[] x, Random rng)
    {
        for (int i = 0; i < x.Length; i++) x[i] = FromDouble(rng.NextDouble() * 2 - 1);
        return x;
    }

    public double At(T[] x, int i) => ToDouble(x[i]);

    /// <summary>Runs the GEMM under test.</summary>
    public void Run()
    {
        var s = S;
        if (typeof(T) == typeof(float))
            Gemm.Sgemm(s.M, s.N, s.K, s.Alpha, (float[])(object)A, s.OffA, s.Lda, s.TransA, (float[])(object)B, s.OffB, s.Ldb, s.TransB,
                s.Beta, (float[])(object)C, s.OffC, s.Ldc, (float[])(object)Bias, 2, s.Bias, s.Act,
                s.Mask ? (float[])(object)Mask : null, 1, s.LdMask);
        else
            Gemm.Dgemm(s.M, s.N, s.K, s.Alpha, (double[])(object)A, s.OffA, s.Lda, s.TransA, (double[])(object)B, s.OffB, s.Ldb, s.TransB,
                s.Beta, (double[])(object)C, s.OffC, s.Ldc, (double[])(object)Bias, 2, s.Bias, s.Act,
                s.Mask ? (double[])(object)Mask : null, 1, s.LdMask);
    }

    /// <summary>Checks every element of C against the float64 reference (and that nothing outside C changed).</summary>
    public void Verify(double relTol)
    {
        var s = S;
        // op(A) row-major and op(B) transposed, in double, so the reference is a contiguous dot product.
        var a = new double[s.M * s.K];
        var bt = new double[s.N * s.K];
        for (int i = 0; i < s.M; i++)
            for (int p = 0; p < s.K; p++) a[i * s.K + p] = At(A, s.OffA + (s.TransA ? p * s.Lda + i : i * s.Lda + p));
        for (int j = 0; j < s.N; j++)
            for (int p = 0; p < s.K; p++) bt[j * s.K + p] = At(B, s.OffB + (s.TransB ? j * s.Ldb + p : p * s.Ldb + j));
        for (int i = 0; i < s.M; i++)
        {
            for (int j = 0; j < s.N; j++)
            {
                double sum = 0, mag = 0;
                for (int p = 0, ai = i * s.K, bj = j * s.K; p < s.K; p++)
                {
                    double x = a[ai + p] * bt[bj + p];
                    sum += x; mag += Math.Abs(x);
                }
                double c0 = At(C0, s.OffC + i * s.Ldc + j);
                double r = s.Alpha * sum + (s.Beta == 0 ? 0 : s.Beta * c0);
                double scale = Math.Abs(s.Alpha) * mag + (s.Beta == 0 ? 0 : Math.Abs(s.Beta * c0));
                if (s.Bias == BiasMode.PerColumn) r += At(Bias, 2 + j);
                else if (s.Bias == BiasMode.PerRow) r += At(Bias, 2 + i);
                if (s.Act == Activation.Relu) r = Math.Max(r, 0);
                if (s.Mask && !(At(Mask, 1 + i * s.LdMask + j) > 0)) r = 0;
                double got = At(C, s.OffC + i * s.Ldc + j);
                double tol = relTol * (scale + 1) * (s.K + 2);
                if (!(Math.Abs(got - r) <= tol))
                    throw new Exception($"{s}: C[{i},{j}] = {got}, expected {r} (tolerance {tol})");
            }
        }
        for (int x = 0; x < C.Length; x++)
        {
            int rel = x - s.OffC;
            bool inside = rel >= 0 && rel < s.M * s.Ldc && rel % s.Ldc < s.N;
            if (!inside && !At(C, x).Equals(At(C0, x)))
                throw new Exception($"{s}: element {x} outside C was changed");
        }
    }
}
