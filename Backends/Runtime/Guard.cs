using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// Cheap argument validation shared by every public kernel; messages name the argument and the numbers. Each check
/// is an inlined comparison; building the message lives in a separate cold method.
/// </summary>
internal static class Guard
{
    /// <summary>
    /// The sizes of a sliding window over an NCHW image (convolution, pooling): n and c ≥ 0; image, kernel, strides and
    /// dilations ≥ 1; paddings ≥ 0. Each error names the argument (strides as strideH/strideW, and so on).
    /// </summary>
    public static void Window(string op, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        NonNegative(n, nameof(n), op);
        NonNegative(c, nameof(c), op);
        Positive(h, nameof(h), op);
        Positive(w, nameof(w), op);
        Positive(kh, nameof(kh), op);
        Positive(kw, nameof(kw), op);
        Positive(sh, "strideH", op);
        Positive(sw, "strideW", op);
        NonNegative(ph, "padH", op);
        NonNegative(pw, "padW", op);
        Positive(dh, "dilationH", op);
        Positive(dw, "dilationW", op);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NotNull<T>([NotNull] T[]? array, string name, string op)
    {
        if (array is null) ThrowNull(name, op);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NonNegative(int value, string name, string op)
    {
        if (value < 0) ThrowNegative(value, name, op);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Positive(int value, string name, string op)
    {
        if (value <= 0) throw new ArgumentException($"{op}: {name} = {value} must be > 0.", name);
    }

    /// <summary>A dense vector of <paramref name="count"/> elements starting at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Vector<T>([NotNull] T[]? array, string name, int offset, int count, string op)
    {
        if (array is null) ThrowNull(name, op);
        if (offset < 0 || count < 0 || (long)offset + count > array.Length) ThrowVector(array.Length, name, offset, count, op);
    }

    /// <summary>A row-major <paramref name="rows"/>×<paramref name="cols"/> matrix with row stride <paramref name="ld"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Matrix<T>([NotNull] T[]? array, string name, int offset, int rows, int cols, int ld, string ldName, string op)
    {
        if (array is null) ThrowNull(name, op);
        long need = rows == 0 || cols == 0 ? offset : offset + (long)(rows - 1) * ld + cols;
        if (ld < cols || offset < 0 || need > array.Length) ThrowMatrix(array.Length, name, offset, rows, cols, ld, ldName, op);
    }

    /// <summary><paramref name="batch"/> matrices, matrix b starting at offset + b·stride.</summary>
    public static void BatchedMatrix<T>([NotNull] T[]? array, string name, int offset, int rows, int cols, int ld, string ldName,
        int batch, int stride, string strideName, string op)
    {
        NotNull(array, name, op);
        if (stride < 0) throw new ArgumentException($"{op}: {strideName} = {stride} must be >= 0.", strideName);
        Matrix(array, name, offset, rows, cols, ld, ldName, op);
        if (batch > 1 && rows > 0 && cols > 0)
        {
            long need = offset + (long)(batch - 1) * stride + (long)(rows - 1) * ld + cols;
            if (need > array.Length)
                throw new ArgumentException(
                    $"{op}: array '{name}' (length {array.Length}) is too short for {batch} matrices of {rows}×{cols} at offset {offset} " +
                    $"with leading dimension {ld} and {strideName} {stride}: needs {need} elements.", name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enum(Activation activation, string op)
    {
        if ((uint)activation > (uint)Activation.Relu)
            throw new ArgumentException($"{op}: unknown activation {(int)activation}.", nameof(activation));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enum(BiasMode mode, string op)
    {
        if ((uint)mode > (uint)BiasMode.PerRow)
            throw new ArgumentException($"{op}: unknown bias mode {(int)mode}.", "biasMode");
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNull(string name, string op) => throw new ArgumentNullException(name, $"{op}: array '{name}' is null.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegative(int value, string name, string op)
        => throw new ArgumentException($"{op}: {name} = {value} must be >= 0.", name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowVector(int length, string name, int offset, int count, string op)
        => throw new ArgumentException(
            $"{op}: array '{name}' (length {length}) is too short for {count} elements at offset {offset}" +
            (offset < 0 ? " (negative offset)." : count < 0 ? " (negative count)." : $": needs {(long)offset + count} elements."), name);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMatrix(int length, string name, int offset, int rows, int cols, int ld, string ldName, string op)
    {
        if (ld < cols || ld < 0)
            throw new ArgumentException(
                $"{op}: leading dimension {ldName} = {ld} is smaller than the {cols} columns of '{name}' (stored {rows}×{cols}).", ldName);
        if (offset < 0)
            throw new ArgumentException($"{op}: offset of '{name}' = {offset} must be >= 0.", name);
        long need = rows == 0 || cols == 0 ? offset : offset + (long)(rows - 1) * ld + cols;
        throw new ArgumentException(
            $"{op}: array '{name}' (length {length}) is too short for a {rows}×{cols} matrix at offset {offset} " +
            $"with leading dimension {ld}: needs {need} elements.", name);
    }
}
