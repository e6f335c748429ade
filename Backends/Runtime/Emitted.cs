using System;
using System.Runtime.CompilerServices;

namespace Nabla.Runtime;

/// <summary>
/// The functions emitted code calls: one per elementwise IR op that is not a C# operator (its name is the op's
/// <c>Nabla.Ir.Op.RuntimeFunction</c>), each overloaded for <see cref="float"/>, <see cref="double"/>,
/// <see cref="System.Runtime.Intrinsics.Vector128{T}"/> and <see cref="System.Runtime.Intrinsics.Vector256{T}"/>, so one
/// fused loop body renders as the same text at every width; plus the softmax / log-softmax / log-sum-exp kernel, lane
/// reductions and im2col/col2im. Every form of an op is the same function: the transcendentals are <see cref="VMath"/>'s
/// (whose scalar and vector overloads agree bit for bit), the other ops are written once over the vector width and the
/// scalar forms run that code on one lane. So a loop's vector body and scalar tail compute identical bits, in emitted C#
/// and in the Expressions backend alike. Each matches the reference interpreter's definition of the op (<c>Nabla.Ir.Op</c>),
/// including NaN and ±0: ReLU and max/min propagate NaN, comparisons give 1 or 0, <c>where(c, a, b)</c> takes a wherever c ≠ 0.
/// </summary>
public static partial class Emitted
{
    /// <summary>A constant of type T (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Lit<T>(double v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float f = (float)v; return Unsafe.As<float, T>(ref f); }
        return Unsafe.As<double, T>(ref v);
    }

    /// <summary><see cref="Pow(float, float)"/> or <see cref="Pow(double, double)"/> for T = float or double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T PowLane<T>(T x, T y) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float r = Pow(Unsafe.As<T, float>(ref x), Unsafe.As<T, float>(ref y)); return Unsafe.As<float, T>(ref r); }
        double d = Pow(Unsafe.As<T, double>(ref x), Unsafe.As<T, double>(ref y));
        return Unsafe.As<double, T>(ref d);
    }
}
