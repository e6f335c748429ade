using System;
using System.Globalization;
using System.Numerics;

namespace Nabla.Runtime;

// The index kernels (gather, scatter_add, one_hot). A compiled model has one element type, so i32 indices arrive in
// float or double arrays; each kernel converts every index and checks that it is an integer in range before it writes
// anything: a bad index is an ArgumentOutOfRangeException naming the op, the index and the range, never a read outside
// the data.
public static partial class Emitted
{
    /// <summary>
    /// gather: <c>output[o, j, i] = x[o, indices[j], i]</c> with x viewed as [outer, size, inner] and output as
    /// [outer, count, inner]. <paramref name="what"/> names the op and layer in errors.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not an integer in [0, size).</exception>
    /// <exception cref="ArgumentException">A size is negative or an array is shorter than the shape needs.</exception>
    public static void Gather<T>(T[] x, T[] indices, T[] output, int outer, int size, int count, int inner, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes("Gather", what, outer, size, count, inner);
        if (x.Length < (long)outer * size * inner || indices.Length < count || output.Length < (long)outer * count * inner)
            throw new ArgumentException($"Emitted.Gather ({what}): arrays too short for x [{outer}, {size}, {inner}] and {count} indices.");
        CheckIndices(indices, count, size, what);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < count; j++)
            {
                int k = int.CreateTruncating(indices[j]);
                x.AsSpan((int)(((long)o * size + k) * inner), inner).CopyTo(output.AsSpan((int)(((long)o * count + j) * inner), inner));
            }
    }

    /// <summary>
    /// scatter_add, the adjoint of <see cref="Gather{T}"/>: <c>output = 0</c>, then <c>output[o, indices[j], i] += updates[o, j, i]</c>
    /// for j in increasing order (repeated indices accumulate, deterministically), with output [outer, size, inner] and
    /// updates [outer, count, inner].
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not an integer in [0, size).</exception>
    /// <exception cref="ArgumentException">A size is negative or an array is shorter than the shape needs.</exception>
    public static void ScatterAdd<T>(T[] updates, T[] indices, T[] output, int outer, int size, int count, int inner, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes("ScatterAdd", what, outer, size, count, inner);
        if (updates.Length < (long)outer * count * inner || indices.Length < count || output.Length < (long)outer * size * inner)
            throw new ArgumentException($"Emitted.ScatterAdd ({what}): arrays too short for updates [{outer}, {count}, {inner}] into [{outer}, {size}, {inner}].");
        CheckIndices(indices, count, size, what);
        output.AsSpan(0, (int)((long)outer * size * inner)).Clear();
        for (int j = 0; j < count; j++)
        {
            int k = int.CreateTruncating(indices[j]);
            for (int o = 0; o < outer; o++)
            {
                var src = updates.AsSpan((int)(((long)o * count + j) * inner), inner);
                var dst = output.AsSpan((int)(((long)o * size + k) * inner), inner);
                for (int i = 0; i < src.Length; i++) dst[i] += src[i];
            }
        }
    }

    /// <summary>one_hot: <c>output[j, c] = 1</c> where <c>c = indices[j]</c>, else 0; output is [count, classes].</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not an integer in [0, classes).</exception>
    /// <exception cref="ArgumentException">A size is negative or an array is shorter than the shape needs.</exception>
    public static void OneHot<T>(T[] indices, T[] output, int count, int classes, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes("OneHot", what, 1, classes, count, 1);
        if (indices.Length < count || output.Length < (long)count * classes)
            throw new ArgumentException($"Emitted.OneHot ({what}): arrays too short for {count} indices of {classes} classes.");
        CheckIndices(indices, count, classes, what);
        output.AsSpan(0, count * classes).Clear();
        for (int j = 0; j < count; j++) output[j * classes + int.CreateTruncating(indices[j])] = T.One;
    }

    private static void CheckSizes(string kernel, string what, int outer, int size, int count, int inner)
    {
        if (outer < 0 || size < 0 || count < 0 || inner < 0)
            throw new ArgumentException($"Emitted.{kernel} ({what}): negative size in [{outer}, {size}, {inner}] with {count} indices.");
    }

    // Every index must be an integer in [0, size): checked for all of them before any is used.
    private static void CheckIndices<T>(T[] indices, int count, int size, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T limit = T.CreateTruncating(size);
        for (int j = 0; j < count; j++)
        {
            T v = indices[j];
            if (!(v >= T.Zero && v < limit && T.IsInteger(v)))
                throw new ArgumentOutOfRangeException(null,
                    $"{what}: index {double.CreateTruncating(v).ToString("R", CultureInfo.InvariantCulture)} at position {j} is not an integer in [0, {size}).");
        }
    }
}
