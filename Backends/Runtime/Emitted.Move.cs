using System;

namespace Nabla.Runtime;

public static partial class Emitted
{
    /// <summary>
    /// Copies a strided region (the kernel of slice, concat and pad): for every <c>o</c> below <paramref name="outer"/> and
    /// <c>i</c> below <paramref name="inner"/>,
    /// <c>dst[dstOffset + o·dstOuter + i·dstInner] = src[srcOffset + o·srcOuter + i·srcInner]</c>. A row that is contiguous
    /// on both sides is copied as one block. Strides are not negative; the region must lie inside both arrays, which is
    /// checked before anything is written.
    /// </summary>
    /// <exception cref="ArgumentException">A size, stride or offset is negative, or the region does not fit an array.</exception>
    public static void Move<T>(T[] src, int srcOffset, T[] dst, int dstOffset, int outer, int srcOuter, int dstOuter, int inner, int srcInner, int dstInner)
    {
        if (src is null) throw new ArgumentNullException(nameof(src));
        if (dst is null) throw new ArgumentNullException(nameof(dst));
        if (outer < 0 || inner < 0) throw new ArgumentException($"Emitted.Move: a {outer} x {inner} region is invalid.");
        if (outer == 0 || inner == 0) return;
        Fits("source", src.Length, srcOffset, outer, srcOuter, inner, srcInner);
        Fits("destination", dst.Length, dstOffset, outer, dstOuter, inner, dstInner);
        if (srcInner == 1 && dstInner == 1)
        {
            for (int o = 0; o < outer; o++)
                src.AsSpan(srcOffset + o * srcOuter, inner).CopyTo(dst.AsSpan(dstOffset + o * dstOuter, inner));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            int s = srcOffset + o * srcOuter, d = dstOffset + o * dstOuter;
            for (int i = 0; i < inner; i++, s += srcInner, d += dstInner) dst[d] = src[s];
        }
    }

    // The region's first and last elements lie inside an array of `length` (strides and offset not negative).
    private static void Fits(string what, int length, int offset, int outer, int outerStride, int inner, int innerStride)
    {
        if (offset < 0 || outerStride < 0 || innerStride < 0)
            throw new ArgumentException($"Emitted.Move: the {what} offset {offset} or strides {outerStride}, {innerStride} are negative.");
        long last = offset + (long)(outer - 1) * outerStride + (long)(inner - 1) * innerStride;
        if (last >= length)
            throw new ArgumentException($"Emitted.Move: the {outer} x {inner} region at {offset} with strides {outerStride}, {innerStride} ends at {last}, past the {what}'s {length} elements.");
    }
}
