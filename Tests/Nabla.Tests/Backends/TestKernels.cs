using System;
using System.Runtime.Intrinsics;

namespace Nabla.Tests.Backends;

/// <summary>
/// The C# methods behind the kernel ops of <see cref="KernelOpTests"/> and <c>KernelOpNetworkTests</c>
/// (<c>Op.DefineElementwise</c>): public static method groups the compiled code calls.
/// </summary>
public static class TestKernels
{
    /// <summary>softsign x / (1 + |x|). Vectorized: the vector forms use the same IEEE operations, so every form gives the same bits.</summary>
    public static float Softsign(float x) => x / (1f + MathF.Abs(x));
    /// <summary>softsign in double.</summary>
    public static double Softsign(double x) => x / (1.0 + Math.Abs(x));
    /// <summary>softsign on 128-bit float vectors (a concrete overload).</summary>
    public static Vector128<float> Softsign(Vector128<float> x) => x / (Vector128<float>.One + Vector128.Abs(x));
    /// <summary>softsign on 128-bit double vectors (a concrete overload).</summary>
    public static Vector128<double> Softsign(Vector128<double> x) => x / (Vector128<double>.One + Vector128.Abs(x));
    /// <summary>softsign on 256-bit vectors (one generic overload for float and double).</summary>
    public static Vector256<T> Softsign<T>(Vector256<T> x) => x / (Vector256<T>.One + Vector256.Abs(x));

    /// <summary>a·σ(b) = a / (1 + e^−b): scalar only (no vector overloads), of two inputs.</summary>
    public static float Gate(float a, float b) => a / (1f + MathF.Exp(-b));
    /// <summary>a·σ(b) in double.</summary>
    public static double Gate(double a, double b) => a / (1.0 + Math.Exp(-b));

    /// <summary>Which form ran: the scalar forms add 1, the 128-bit ones 2, the 256-bit ones 3 (for the plan tests only).</summary>
    public static float Spy(float x) => x + 1f;
    /// <summary>See <see cref="Spy(float)"/>.</summary>
    public static double Spy(double x) => x + 1.0;
    /// <summary>See <see cref="Spy(float)"/>.</summary>
    public static Vector128<T> Spy<T>(Vector128<T> x) => x + Vector128.Create(Scalar<T>(2));
    /// <summary>See <see cref="Spy(float)"/>.</summary>
    public static Vector256<T> Spy<T>(Vector256<T> x) => x + Vector256.Create(Scalar<T>(3));

    /// <summary>2x (scalar only); <see cref="Triple(float)"/> has the same shape: two kernel ops named alike must stay apart.</summary>
    public static float Twice(float x) => 2f * x;
    /// <summary>2x in double.</summary>
    public static double Twice(double x) => 2.0 * x;
    /// <summary>3x (scalar only).</summary>
    public static float Triple(float x) => 3f * x;
    /// <summary>3x in double.</summary>
    public static double Triple(double x) => 3.0 * x;

    /// <summary>Only a double form: code of float elements cannot call it.</summary>
    public static double DoubleOnly(double x) => x;

    /// <summary>A kernel in a nested type: its C# name is <c>Nabla.Tests.Backends.TestKernels.Nested.Cube</c>.</summary>
    public static class Nested
    {
        /// <summary>x³.</summary>
        public static float Cube(float x) => x * x * x;
        /// <summary>x³ in double.</summary>
        public static double Cube(double x) => x * x * x;
    }

    private static T Scalar<T>(double v) => typeof(T) == typeof(float) ? (T)(object)(float)v : (T)(object)v;
}

/// <summary>Not public: compiled code in another assembly could not call it.</summary>
internal static class HiddenKernels
{
    public static float Id(float x) => x;
    public static double Id(double x) => x;
}
