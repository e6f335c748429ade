namespace Nabla.Ir;

/// <summary>Element type of a tensor in the IR.</summary>
public enum DType
{
    /// <summary>IEEE 754 single precision (the default for networks).</summary>
    F32 = 0,
    /// <summary>IEEE 754 double precision (the reference interpreter's native type).</summary>
    F64 = 1,
    /// <summary>
    /// 32-bit signed integers: indices and class labels. The IR keeps integer semantics (no arithmetic, no gradient; see
    /// <see cref="F.Cast"/>, <see cref="F.Gather"/>, <see cref="F.OneHot"/>). A compiled model has one element type, so
    /// at run time an i32 tensor travels in the model's float or double arrays (exact for integers up to 2²⁴ in float),
    /// and every kernel that reads indices checks that each one is an integer in range.
    /// </summary>
    I32 = 2,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>The short name used by the printer: <c>f32</c>, <c>f64</c> or <c>i32</c>.</summary>
    public static string ShortName(this DType t) => t == DType.F32 ? "f32" : t == DType.I32 ? "i32" : "f64";

    /// <summary>Size of one element in bytes.</summary>
    public static int SizeInBytes(this DType t) => t == DType.F64 ? 8 : 4;

    /// <summary>True for the floating-point types (<see cref="DType.F32"/>, <see cref="DType.F64"/>).</summary>
    public static bool IsFloat(this DType t) => t != DType.I32;
}
