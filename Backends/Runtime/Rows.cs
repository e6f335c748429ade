using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// Row-wise kernels over a dense row-major [rows, cols] matrix (reductions along the last axis), float and double:
/// softmax, log-softmax, logsumexp, softmax cross-entropy (with its gradient fused), column/row sums and argmax.
/// All are numerically stable for large logits and deterministic (fixed summation order); they allocate nothing.
/// </summary>
public static unsafe class Rows
{
    /// <summary>Row-wise softmax of the [rows, cols] block x into y (y may be x). A row holding NaN gives NaN.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void Softmax(float[] x, int xOff, float[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.Softmax", x, xOff, y, yOff, rows, cols, (long)rows * cols);
        fixed (float* px = x, py = y) RowsImpl<float>.Softmax(px + xOff, py + yOff, rows, cols);
    }

    /// <summary>Row-wise log-softmax <c>x − logsumexp(x)</c> into y (y may be x); stable for large logits.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void LogSoftmax(float[] x, int xOff, float[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.LogSoftmax", x, xOff, y, yOff, rows, cols, (long)rows * cols);
        fixed (float* px = x, py = y) RowsImpl<float>.LogSoftmax(px + xOff, py + yOff, rows, cols);
    }

    /// <summary><c>y[r] = log Σ_j exp(x[r, j])</c>, computed stably; y has <paramref name="rows"/> entries.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void LogSumExp(float[] x, int xOff, float[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.LogSumExp", x, xOff, y, yOff, rows, cols, rows);
        fixed (float* px = x, py = y) RowsImpl<float>.LogSumExp(px + xOff, py + yOff, rows, cols);
    }

    /// <summary>
    /// Softmax cross-entropy against target rows t: <c>loss[r] = logsumexp(x_r)·Σ_j t_rj − Σ_j t_rj·x_rj</c>
    /// (= −Σ t·log softmax(x)), and if <paramref name="grad"/> is not null
    /// <c>grad_r = gradScale·(softmax(x_r)·Σ_j t_rj − t_r)</c>. grad may be x.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void SoftmaxCrossEntropy(float[] x, int xOff, float[] t, int tOff, int rows, int cols,
        float[] loss, int lossOff, float[]? grad, int gOff, float gradScale)
    {
        const string op = "Rows.SoftmaxCrossEntropy";
        Check2(op, x, xOff, t, tOff, rows, cols, (long)rows * cols, "t");
        Guard.Vector(loss, nameof(loss), lossOff, rows, op);
        if (grad != null) Guard.Vector(grad, nameof(grad), gOff, rows * cols, op);
        fixed (float* px = x, pt = t, pl = loss, pg = grad)
            RowsImpl<float>.CrossEntropy(px + xOff, pt + tOff, null, rows, cols, pl + lossOff, pg == null ? null : pg + gOff, gradScale);
    }

    /// <summary>
    /// Softmax cross-entropy against class labels: <c>loss[r] = logsumexp(x_r) − x[r, labels[r]]</c>, and if
    /// <paramref name="grad"/> is not null <c>grad_r = gradScale·(softmax(x_r) − onehot(labels[r]))</c>. grad may be x.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative, an array is too short, or a label lies outside
    /// [0, cols) (the message names the row); nothing is written then.</exception>
    public static void SoftmaxCrossEntropyIndexed(float[] x, int xOff, int[] labels, int labelsOff, int rows, int cols,
        float[] loss, int lossOff, float[]? grad, int gOff, float gradScale)
    {
        const string op = "Rows.SoftmaxCrossEntropyIndexed";
        Check1(op, x, xOff, rows, cols);
        Guard.Vector(labels, nameof(labels), labelsOff, rows, op);
        Guard.Vector(loss, nameof(loss), lossOff, rows, op);
        if (grad != null) Guard.Vector(grad, nameof(grad), gOff, rows * cols, op);
        CheckLabels(op, labels, labelsOff, rows, cols);
        fixed (float* px = x, pl = loss, pg = grad)
        fixed (int* pi = labels)
            RowsImpl<float>.CrossEntropy(px + xOff, null, pi + labelsOff, rows, cols, pl + lossOff, pg == null ? null : pg + gOff, gradScale);
    }

    /// <summary>
    /// <c>y[j] = (accumulate ? y[j] : 0) + scale·Σ_r x[r, j]</c>, summing rows in order 0..rows−1 (deterministic);
    /// e.g. the bias gradient of a dense layer.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void ColumnSum(float[] x, int xOff, int rows, int cols, float[] y, int yOff, float scale, bool accumulate)
    {
        Check2("Rows.ColumnSum", x, xOff, y, yOff, rows, cols, cols);
        fixed (float* px = x, py = y) RowsImpl<float>.ColumnSum(px + xOff, rows, cols, py + yOff, scale, accumulate);
    }

    /// <summary><c>y[r] = (accumulate ? y[r] : 0) + scale·Σ_j x[r, j]</c> in a fixed order.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void RowSum(float[] x, int xOff, int rows, int cols, float[] y, int yOff, float scale, bool accumulate)
    {
        Check2("Rows.RowSum", x, xOff, y, yOff, rows, cols, rows);
        fixed (float* px = x, py = y) RowsImpl<float>.RowSum(px + xOff, rows, cols, py + yOff, scale, accumulate);
    }

    /// <summary>Index of the first maximum of each row (a NaN counts as the maximum, as in NumPy and PyTorch); cols must be ≥ 1.</summary>
    /// <exception cref="ArgumentException">A count is negative, cols is 0 with rows &gt; 0, or an array is too short.</exception>
    public static void ArgMax(float[] x, int xOff, int rows, int cols, int[] result, int resultOff)
    {
        const string op = "Rows.ArgMax";
        Check1(op, x, xOff, rows, cols);
        Guard.Vector(result, nameof(result), resultOff, rows, op);
        if (rows > 0 && cols == 0) throw new ArgumentException($"{op}: cols = 0 has no maximum.", nameof(cols));
        for (int r = 0; r < rows; r++)
        {
            int b = xOff + r * cols, best = 0;
            float m = x[b];
            if (!float.IsNaN(m))
                for (int j = 1; j < cols; j++)
                {
                    float v = x[b + j];
                    if (v > m) { m = v; best = j; }
                    else if (float.IsNaN(v)) { best = j; break; }
                }
            result[resultOff + r] = best;
        }
    }

    /// <summary>(double) Row-wise softmax of the [rows, cols] block x into y (y may be x). A row holding NaN gives NaN.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void Softmax(double[] x, int xOff, double[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.Softmax", x, xOff, y, yOff, rows, cols, (long)rows * cols);
        fixed (double* px = x, py = y) RowsImpl<double>.Softmax(px + xOff, py + yOff, rows, cols);
    }

    /// <summary>(double) Row-wise log-softmax <c>x − logsumexp(x)</c> into y (y may be x); stable for large logits.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void LogSoftmax(double[] x, int xOff, double[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.LogSoftmax", x, xOff, y, yOff, rows, cols, (long)rows * cols);
        fixed (double* px = x, py = y) RowsImpl<double>.LogSoftmax(px + xOff, py + yOff, rows, cols);
    }

    /// <summary>(double) <c>y[r] = log Σ_j exp(x[r, j])</c>, computed stably; y has <paramref name="rows"/> entries.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void LogSumExp(double[] x, int xOff, double[] y, int yOff, int rows, int cols)
    {
        Check2("Rows.LogSumExp", x, xOff, y, yOff, rows, cols, rows);
        fixed (double* px = x, py = y) RowsImpl<double>.LogSumExp(px + xOff, py + yOff, rows, cols);
    }

    /// <summary>(double) 
    /// Softmax cross-entropy against target rows t: <c>loss[r] = logsumexp(x_r)·Σ_j t_rj − Σ_j t_rj·x_rj</c>
    /// (= −Σ t·log softmax(x)), and if <paramref name="grad"/> is not null
    /// <c>grad_r = gradScale·(softmax(x_r)·Σ_j t_rj − t_r)</c>. grad may be x.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void SoftmaxCrossEntropy(double[] x, int xOff, double[] t, int tOff, int rows, int cols,
        double[] loss, int lossOff, double[]? grad, int gOff, double gradScale)
    {
        const string op = "Rows.SoftmaxCrossEntropy";
        Check2(op, x, xOff, t, tOff, rows, cols, (long)rows * cols, "t");
        Guard.Vector(loss, nameof(loss), lossOff, rows, op);
        if (grad != null) Guard.Vector(grad, nameof(grad), gOff, rows * cols, op);
        fixed (double* px = x, pt = t, pl = loss, pg = grad)
            RowsImpl<double>.CrossEntropy(px + xOff, pt + tOff, null, rows, cols, pl + lossOff, pg == null ? null : pg + gOff, gradScale);
    }

    /// <summary>(double) 
    /// Softmax cross-entropy against class labels: <c>loss[r] = logsumexp(x_r) − x[r, labels[r]]</c>, and if
    /// <paramref name="grad"/> is not null <c>grad_r = gradScale·(softmax(x_r) − onehot(labels[r]))</c>. grad may be x.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative, an array is too short, or a label lies outside
    /// [0, cols) (the message names the row); nothing is written then.</exception>
    public static void SoftmaxCrossEntropyIndexed(double[] x, int xOff, int[] labels, int labelsOff, int rows, int cols,
        double[] loss, int lossOff, double[]? grad, int gOff, double gradScale)
    {
        const string op = "Rows.SoftmaxCrossEntropyIndexed";
        Check1(op, x, xOff, rows, cols);
        Guard.Vector(labels, nameof(labels), labelsOff, rows, op);
        Guard.Vector(loss, nameof(loss), lossOff, rows, op);
        if (grad != null) Guard.Vector(grad, nameof(grad), gOff, rows * cols, op);
        CheckLabels(op, labels, labelsOff, rows, cols);
        fixed (double* px = x, pl = loss, pg = grad)
        fixed (int* pi = labels)
            RowsImpl<double>.CrossEntropy(px + xOff, null, pi + labelsOff, rows, cols, pl + lossOff, pg == null ? null : pg + gOff, gradScale);
    }

    /// <summary>(double) 
    /// <c>y[j] = (accumulate ? y[j] : 0) + scale·Σ_r x[r, j]</c>, summing rows in order 0..rows−1 (deterministic);
    /// e.g. the bias gradient of a dense layer.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void ColumnSum(double[] x, int xOff, int rows, int cols, double[] y, int yOff, double scale, bool accumulate)
    {
        Check2("Rows.ColumnSum", x, xOff, y, yOff, rows, cols, cols);
        fixed (double* px = x, py = y) RowsImpl<double>.ColumnSum(px + xOff, rows, cols, py + yOff, scale, accumulate);
    }

    /// <summary>(double) <c>y[r] = (accumulate ? y[r] : 0) + scale·Σ_j x[r, j]</c> in a fixed order.</summary>
    /// <exception cref="ArgumentException">A count is negative or an array is too short.</exception>
    public static void RowSum(double[] x, int xOff, int rows, int cols, double[] y, int yOff, double scale, bool accumulate)
    {
        Check2("Rows.RowSum", x, xOff, y, yOff, rows, cols, rows);
        fixed (double* px = x, py = y) RowsImpl<double>.RowSum(px + xOff, rows, cols, py + yOff, scale, accumulate);
    }

    /// <summary>(double) Index of the first maximum of each row (a NaN counts as the maximum, as in NumPy and PyTorch); cols must be ≥ 1.</summary>
    /// <exception cref="ArgumentException">A count is negative, cols is 0 with rows &gt; 0, or an array is too short.</exception>
    public static void ArgMax(double[] x, int xOff, int rows, int cols, int[] result, int resultOff)
    {
        const string op = "Rows.ArgMax";
        Check1(op, x, xOff, rows, cols);
        Guard.Vector(result, nameof(result), resultOff, rows, op);
        if (rows > 0 && cols == 0) throw new ArgumentException($"{op}: cols = 0 has no maximum.", nameof(cols));
        for (int r = 0; r < rows; r++)
        {
            int b = xOff + r * cols, best = 0;
            double m = x[b];
            if (!double.IsNaN(m))
                for (int j = 1; j < cols; j++)
                {
                    double v = x[b + j];
                    if (v > m) { m = v; best = j; }
                    else if (double.IsNaN(v)) { best = j; break; }
                }
            result[resultOff + r] = best;
        }
    }

    private static void Check1<T>(string op, T[] x, int xOff, int rows, int cols)
    {
        Guard.NonNegative(rows, nameof(rows), op);
        Guard.NonNegative(cols, nameof(cols), op);
        Guard.Vector(x, nameof(x), xOff, rows * cols, op);
    }

    private static void Check2<T>(string op, T[] x, int xOff, T[] y, int yOff, int rows, int cols, long yCount, string yName = "y")
    {
        Check1(op, x, xOff, rows, cols);
        if (yCount > int.MaxValue) throw new ArgumentException($"{op}: {rows}×{cols} is too large.", nameof(rows));
        Guard.Vector(y, yName, yOff, (int)yCount, op);
    }

    private static void CheckLabels(string op, int[] labels, int off, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int l = labels[off + r];
            if ((uint)l >= (uint)cols)
                throw new ArgumentException($"{op}: labels[{off + r}] = {l} (row {r}) is outside [0, {cols}).", nameof(labels));
        }
    }
}

/// <summary>Picks the widest vector width the hardware runs and forwards to <see cref="RowsCore{TS, TV, T}"/>.</summary>
internal static unsafe class RowsImpl<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Softmax(T* x, T* y, int rows, int cols)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.Softmax(x, y, rows, cols);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.Softmax(x, y, rows, cols);
        else RowsCore<V128<T>, Vector128<T>, T>.Softmax(x, y, rows, cols);
    }

    public static void LogSoftmax(T* x, T* y, int rows, int cols)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.LogSoftmax(x, y, rows, cols);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.LogSoftmax(x, y, rows, cols);
        else RowsCore<V128<T>, Vector128<T>, T>.LogSoftmax(x, y, rows, cols);
    }

    public static void LogSumExp(T* x, T* y, int rows, int cols)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.LogSumExp(x, y, rows, cols);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.LogSumExp(x, y, rows, cols);
        else RowsCore<V128<T>, Vector128<T>, T>.LogSumExp(x, y, rows, cols);
    }

    public static void CrossEntropy(T* x, T* t, int* labels, int rows, int cols, T* loss, T* grad, T gradScale)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.CrossEntropy(x, t, labels, rows, cols, loss, grad, gradScale);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.CrossEntropy(x, t, labels, rows, cols, loss, grad, gradScale);
        else RowsCore<V128<T>, Vector128<T>, T>.CrossEntropy(x, t, labels, rows, cols, loss, grad, gradScale);
    }

    public static void ColumnSum(T* x, int rows, int cols, T* y, T scale, bool accumulate)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.ColumnSum(x, rows, cols, y, scale, accumulate);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.ColumnSum(x, rows, cols, y, scale, accumulate);
        else RowsCore<V128<T>, Vector128<T>, T>.ColumnSum(x, rows, cols, y, scale, accumulate);
    }

    public static void RowSum(T* x, int rows, int cols, T* y, T scale, bool accumulate)
    {
        if (Avx512F.IsSupported) RowsCore<V512<T>, Vector512<T>, T>.RowSum(x, rows, cols, y, scale, accumulate);
        else if (Vector256.IsHardwareAccelerated) RowsCore<V256<T>, Vector256<T>, T>.RowSum(x, rows, cols, y, scale, accumulate);
        else RowsCore<V128<T>, Vector128<T>, T>.RowSum(x, rows, cols, y, scale, accumulate);
    }
}
