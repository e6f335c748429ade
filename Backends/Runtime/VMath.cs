using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

/// <summary>
/// Vectorized elementary functions for emitted fused loops: scalar, Vector128, Vector256 and Vector512 overloads for
/// float and double. All widths (and the scalar overloads) run the same algorithm lane by lane and agree bit for bit,
/// so a loop's vector body and scalar tail produce identical values. Accuracy is within a few ulp of Math/MathF over
/// the normal range, with IEEE behaviour at ±∞, NaN, overflow and underflow.
/// </summary>
public static class VMath
{
    /// <summary>e^x. exp(x) overflows to +∞ above ~88.72 (float) / ~709.78 (double) and underflows through the subnormals to 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF32<V128<float>, Vector128<float>>.Exp(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.Exp(x);

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.Exp(x);

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.Exp(x);

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x) => MathF64<V128<double>, Vector128<double>>.Exp(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.Exp(x);

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.Exp(x);

    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.Exp(x);

    /// <summary>Natural logarithm: log(0) = -∞, log(+∞) = +∞, NaN for x &lt; 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => MathF32<V128<float>, Vector128<float>>.Log(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.Log(x);

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.Log(x);

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.Log(x);

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log(double x) => MathF64<V128<double>, Vector128<double>>.Log(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Log(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.Log(x);

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.Log(x);

    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.Log(x);

    /// <summary>Hyperbolic tangent, odd, exactly ±1 for large |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF32<V128<float>, Vector128<float>>.Tanh(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Tanh(double x) => MathF64<V128<double>, Vector128<double>>.Tanh(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Tanh(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Tanh(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.Tanh(x);

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.Tanh(x);

    /// <summary>Logistic function 1 / (1 + e^-x); never NaN for finite x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => MathF32<V128<float>, Vector128<float>>.Sigmoid(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double x) => MathF64<V128<double>, Vector128<double>>.Sigmoid(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sigmoid(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sigmoid(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.Sigmoid(x);

    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.Sigmoid(x);

    /// <summary>Stable softplus max(x, 0) + log1p(e^-|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x) => MathF32<V128<float>, Vector128<float>>.Softplus(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Softplus(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.Softplus(x);

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Softplus(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.Softplus(x);

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Softplus(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.Softplus(x);

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Softplus(double x) => MathF64<V128<double>, Vector128<double>>.Softplus(Vector128.CreateScalar(x)).ToScalar();

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Softplus(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.Softplus(x);

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Softplus(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.Softplus(x);

    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Softplus(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.Softplus(x);

    /// <summary>Sine (Cody-Waite reduction; arguments beyond 8192 (float) / 1e5 (double) use Math.Sin lane by lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sin(float x) => MathF32<V128<float>, Vector128<float>>.SinCos(Vector128.CreateScalar(x), false).ToScalar();

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sin(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.SinCos(x, false);

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sin(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.SinCos(x, false);

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sin(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.SinCos(x, false);

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sin(double x) => MathF64<V128<double>, Vector128<double>>.SinCos(Vector128.CreateScalar(x), false).ToScalar();

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sin(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.SinCos(x, false);

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sin(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.SinCos(x, false);

    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sin(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.SinCos(x, false);

    /// <summary>Cosine (see Sin for the argument range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Cos(float x) => MathF32<V128<float>, Vector128<float>>.SinCos(Vector128.CreateScalar(x), true).ToScalar();

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Cos(Vector128<float> x) => MathF32<V128<float>, Vector128<float>>.SinCos(x, true);

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Cos(Vector256<float> x) => MathF32<V256<float>, Vector256<float>>.SinCos(x, true);

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Cos(Vector512<float> x) => MathF32<V512<float>, Vector512<float>>.SinCos(x, true);

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Cos(double x) => MathF64<V128<double>, Vector128<double>>.SinCos(Vector128.CreateScalar(x), true).ToScalar();

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Cos(Vector128<double> x) => MathF64<V128<double>, Vector128<double>>.SinCos(x, true);

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Cos(Vector256<double> x) => MathF64<V256<double>, Vector256<double>>.SinCos(x, true);

    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Cos(Vector512<double> x) => MathF64<V512<double>, Vector512<double>>.SinCos(x, true);
}
