namespace Nabla.Ir;

/// <summary>Element type of a tensor in the IR.</summary>
public enum DType
{
    /// <summary>IEEE 754 single precision (the default for networks).</summary>
    F32 = 0,
    /// <summary>IEEE 754 double precision (the reference interpreter's native type).</summary>
    F64 = 1,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>The short name used by the printer: <c>f32</c> or <c>f64</c>.</summary>
    public static string ShortName(this DType t) => t == DType.F32 ? "f32" : "f64";

    /// <summary>Size of one element in bytes.</summary>
    public static int SizeInBytes(this DType t) => t == DType.F32 ? 4 : 8;
}
