using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// Whole-array helpers on (array, offset, count) triples, float and double. The transcendental maps use
/// <see cref="VMath"/> (so they agree bit for bit with emitted fused loops); the arithmetic ones use TensorPrimitives.
/// Input and output may be the same array at the same offset; other overlaps are not supported.
/// </summary>
public static unsafe class VecOps
{
    /// <summary><c>y[i] = exp(x[i])</c> (e^x) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Exp(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Exp", x, xOff, y, yOff, n);
        fixed (float* px = x, py = y) Map<ExpOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = log(x[i])</c> (natural logarithm) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Log(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Log", x, xOff, y, yOff, n);
        fixed (float* px = x, py = y) Map<LogOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = tanh(x[i])</c> (hyperbolic tangent) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Tanh(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Tanh", x, xOff, y, yOff, n);
        fixed (float* px = x, py = y) Map<TanhOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = sigmoid(x[i])</c> (logistic sigmoid) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Sigmoid(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Sigmoid", x, xOff, y, yOff, n);
        fixed (float* px = x, py = y) Map<SigmoidOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = softplus(x[i])</c> (softplus) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Softplus(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Softplus", x, xOff, y, yOff, n);
        fixed (float* px = x, py = y) Map<SoftplusOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = a[i] + b[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Add(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Add", a, aOff, y, yOff, n, "a");
        Guard.Vector(b, nameof(b), bOff, n, "VecOps.Add");
        TensorPrimitives.Add(a.AsSpan(aOff, n), b.AsSpan(bOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = a[i]·b[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Mul(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Mul", a, aOff, y, yOff, n, "a");
        Guard.Vector(b, nameof(b), bOff, n, "VecOps.Mul");
        TensorPrimitives.Multiply(a.AsSpan(aOff, n), b.AsSpan(bOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = alpha·x[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Scale(float[] x, int xOff, float alpha, float[] y, int yOff, int n)
    {
        Check("VecOps.Scale", x, xOff, y, yOff, n);
        TensorPrimitives.Multiply(x.AsSpan(xOff, n), alpha, y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] += alpha·x[i]</c> (e.g. an SGD step with alpha = −lr).</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Axpy", x, xOff, y, yOff, n);
        TensorPrimitives.MultiplyAdd(x.AsSpan(xOff, n), alpha, y.AsSpan(yOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = x[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Copy(float[] x, int xOff, float[] y, int yOff, int n)
    {
        Check("VecOps.Copy", x, xOff, y, yOff, n);
        x.AsSpan(xOff, n).CopyTo(y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = value</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or the array is too short.</exception>
    public static void Fill(float[] y, int yOff, int n, float value)
    {
        Guard.NonNegative(n, nameof(n), "VecOps.Fill");
        Guard.Vector(y, nameof(y), yOff, n, "VecOps.Fill");
        y.AsSpan(yOff, n).Fill(value);
    }

    /// <summary><c>y[i] = exp(x[i])</c> (e^x) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Exp(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Exp", x, xOff, y, yOff, n);
        fixed (double* px = x, py = y) Map<ExpOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = log(x[i])</c> (natural logarithm) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Log(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Log", x, xOff, y, yOff, n);
        fixed (double* px = x, py = y) Map<LogOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = tanh(x[i])</c> (hyperbolic tangent) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Tanh(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Tanh", x, xOff, y, yOff, n);
        fixed (double* px = x, py = y) Map<TanhOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = sigmoid(x[i])</c> (logistic sigmoid) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Sigmoid(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Sigmoid", x, xOff, y, yOff, n);
        fixed (double* px = x, py = y) Map<SigmoidOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = softplus(x[i])</c> (softplus) for i &lt; n.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Softplus(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Softplus", x, xOff, y, yOff, n);
        fixed (double* px = x, py = y) Map<SoftplusOp>(px + xOff, py + yOff, n);
    }

    /// <summary><c>y[i] = a[i] + b[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Add(double[] a, int aOff, double[] b, int bOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Add", a, aOff, y, yOff, n, "a");
        Guard.Vector(b, nameof(b), bOff, n, "VecOps.Add");
        TensorPrimitives.Add(a.AsSpan(aOff, n), b.AsSpan(bOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = a[i]·b[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Mul(double[] a, int aOff, double[] b, int bOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Mul", a, aOff, y, yOff, n, "a");
        Guard.Vector(b, nameof(b), bOff, n, "VecOps.Mul");
        TensorPrimitives.Multiply(a.AsSpan(aOff, n), b.AsSpan(bOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = alpha·x[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Scale(double[] x, int xOff, double alpha, double[] y, int yOff, int n)
    {
        Check("VecOps.Scale", x, xOff, y, yOff, n);
        TensorPrimitives.Multiply(x.AsSpan(xOff, n), alpha, y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] += alpha·x[i]</c> (e.g. an SGD step with alpha = −lr).</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Axpy(double alpha, double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Axpy", x, xOff, y, yOff, n);
        TensorPrimitives.MultiplyAdd(x.AsSpan(xOff, n), alpha, y.AsSpan(yOff, n), y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = x[i]</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or an array is too short.</exception>
    public static void Copy(double[] x, int xOff, double[] y, int yOff, int n)
    {
        Check("VecOps.Copy", x, xOff, y, yOff, n);
        x.AsSpan(xOff, n).CopyTo(y.AsSpan(yOff, n));
    }

    /// <summary><c>y[i] = value</c>.</summary>
    /// <exception cref="ArgumentException">n is negative or the array is too short.</exception>
    public static void Fill(double[] y, int yOff, int n, double value)
    {
        Guard.NonNegative(n, nameof(n), "VecOps.Fill");
        Guard.Vector(y, nameof(y), yOff, n, "VecOps.Fill");
        y.AsSpan(yOff, n).Fill(value);
    }

    private static void Check<T>(string op, T[] x, int xOff, T[] y, int yOff, int n, string xName = "x")
    {
        Guard.NonNegative(n, nameof(n), op);
        Guard.Vector(x, xName, xOff, n, op);
        Guard.Vector(y, nameof(y), yOff, n, op);
    }

    /// <summary>y = op(x) over n elements: 512-bit vectors with a masked tail on AVX-512, else 256-bit vectors and the
    /// scalar overload (the same per-lane algorithm) for the tail.</summary>
    private static void Map<TOp>(float* x, float* y, int n) where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= n; i += 16) Vector512.Store(TOp.Apply(Vector512.Load(x + i)), y + i);
            if (i < n) Simd.StoreFirst(y + i, TOp.Apply(Simd.LoadFirst(x + i, n - i)), n - i);
            return;
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(TOp.Apply(Vector256.Load(x + i)), y + i);
        for (; i < n; i++) y[i] = TOp.Apply(Vector128.CreateScalar(x[i])).ToScalar();
    }

    private static void Map<TOp>(double* x, double* y, int n) where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 8 <= n; i += 8) Vector512.Store(TOp.Apply(Vector512.Load(x + i)), y + i);
            if (i < n) Simd.StoreFirst(y + i, TOp.Apply(Simd.LoadFirst(x + i, n - i)), n - i);
            return;
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) Vector256.Store(TOp.Apply(Vector256.Load(x + i)), y + i);
        for (; i < n; i++) y[i] = TOp.Apply(Vector128.CreateScalar(x[i])).ToScalar();
    }

    private interface IUnaryOp
    {
        static abstract Vector128<float> Apply(Vector128<float> x);
        static abstract Vector256<float> Apply(Vector256<float> x);
        static abstract Vector512<float> Apply(Vector512<float> x);
        static abstract Vector128<double> Apply(Vector128<double> x);
        static abstract Vector256<double> Apply(Vector256<double> x);
        static abstract Vector512<double> Apply(Vector512<double> x);
    }

    private readonly struct ExpOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply(Vector128<float> x) => VMath.Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply(Vector256<float> x) => VMath.Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply(Vector512<float> x) => VMath.Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Apply(Vector128<double> x) => VMath.Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Apply(Vector256<double> x) => VMath.Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Apply(Vector512<double> x) => VMath.Exp(x);
    }

    private readonly struct LogOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply(Vector128<float> x) => VMath.Log(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply(Vector256<float> x) => VMath.Log(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply(Vector512<float> x) => VMath.Log(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Apply(Vector128<double> x) => VMath.Log(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Apply(Vector256<double> x) => VMath.Log(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Apply(Vector512<double> x) => VMath.Log(x);
    }

    private readonly struct TanhOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply(Vector128<float> x) => VMath.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply(Vector256<float> x) => VMath.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply(Vector512<float> x) => VMath.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Apply(Vector128<double> x) => VMath.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Apply(Vector256<double> x) => VMath.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Apply(Vector512<double> x) => VMath.Tanh(x);
    }

    private readonly struct SigmoidOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply(Vector128<float> x) => VMath.Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply(Vector256<float> x) => VMath.Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply(Vector512<float> x) => VMath.Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Apply(Vector128<double> x) => VMath.Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Apply(Vector256<double> x) => VMath.Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Apply(Vector512<double> x) => VMath.Sigmoid(x);
    }

    private readonly struct SoftplusOp : IUnaryOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Apply(Vector128<float> x) => VMath.Softplus(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Apply(Vector256<float> x) => VMath.Softplus(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Apply(Vector512<float> x) => VMath.Softplus(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Apply(Vector128<double> x) => VMath.Softplus(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Apply(Vector256<double> x) => VMath.Softplus(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Apply(Vector512<double> x) => VMath.Softplus(x);
    }
}
