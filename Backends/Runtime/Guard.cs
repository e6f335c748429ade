using System;
using System.Diagnostics.CodeAnalysis;

namespace Nabla.Runtime;

/// <summary>Cheap argument validation shared by every public kernel; messages name the argument and the numbers.</summary>
internal static class Guard
{
    public static void NotNull<T>([NotNull] T[]? array, string name, string op)
    {
        if (array is null) throw new ArgumentNullException(name, $"{op}: array '{name}' is null.");
    }

    public static void NonNegative(int value, string name, string op)
    {
        if (value < 0) throw new ArgumentException($"{op}: {name} = {value} must be >= 0.", name);
    }

    public static void Positive(int value, string name, string op)
    {
        if (value <= 0) throw new ArgumentException($"{op}: {name} = {value} must be > 0.", name);
    }

    /// <summary>A dense vector of <paramref name="count"/> elements starting at <paramref name="offset"/>.</summary>
    public static void Vector<T>([NotNull] T[]? array, string name, int offset, int count, string op)
    {
        NotNull(array, name, op);
        if (offset < 0 || count < 0 || (long)offset + count > array.Length)
            throw new ArgumentException(
                $"{op}: array '{name}' (length {array.Length}) is too short for {count} elements at offset {offset}" +
                (offset < 0 ? " (negative offset)." : $": needs {(long)offset + count} elements."), name);
    }

    /// <summary>A row-major <paramref name="rows"/>×<paramref name="cols"/> matrix with row stride <paramref name="ld"/>.</summary>
    public static void Matrix<T>([NotNull] T[]? array, string name, int offset, int rows, int cols, int ld, string ldName, string op)
    {
        NotNull(array, name, op);
        if (ld < cols || ld < 0)
            throw new ArgumentException(
                $"{op}: leading dimension {ldName} = {ld} is smaller than the {cols} columns of '{name}' (stored {rows}×{cols}).", ldName);
        if (offset < 0)
            throw new ArgumentException($"{op}: offset of '{name}' = {offset} must be >= 0.", name);
        long need = rows == 0 || cols == 0 ? offset : offset + (long)(rows - 1) * ld + cols;
        if (need > array.Length)
            throw new ArgumentException(
                $"{op}: array '{name}' (length {array.Length}) is too short for a {rows}×{cols} matrix at offset {offset} " +
                $"with leading dimension {ld}: needs {need} elements.", name);
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

    public static void Enum(Activation activation, string op)
    {
        if (activation is not (Activation.None or Activation.Relu))
            throw new ArgumentException($"{op}: unknown activation {(int)activation}.", nameof(activation));
    }

    public static void Enum(BiasMode mode, string op)
    {
        if (mode is not (BiasMode.None or BiasMode.PerColumn or BiasMode.PerRow))
            throw new ArgumentException($"{op}: unknown bias mode {(int)mode}.", "biasMode");
    }
}
