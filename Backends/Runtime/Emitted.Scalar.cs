using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using F = Nabla.Runtime.Lanes<Nabla.Runtime.V128<float>, System.Runtime.Intrinsics.Vector128<float>, float>;
using D = Nabla.Runtime.Lanes<Nabla.Runtime.V128<double>, System.Runtime.Intrinsics.Vector128<double>, double>;

namespace Nabla.Runtime;

// The scalar forms: VMath's scalar overloads, and the width-generic definitions of Lanes run on one lane of a Vector128.
public static partial class Emitted
{
    /// <summary>eˣ (<see cref="VMath.Exp(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Exp(float x) => VMath.Exp(x);
    /// <inheritdoc cref="Exp(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Exp(double x) => VMath.Exp(x);
    /// <summary>Natural logarithm (<see cref="VMath.Log(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Log(float x) => VMath.Log(x);
    /// <inheritdoc cref="Log(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Log(double x) => VMath.Log(x);
    /// <summary>Sine (<see cref="VMath.Sin(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sin(float x) => VMath.Sin(x);
    /// <inheritdoc cref="Sin(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sin(double x) => VMath.Sin(x);
    /// <summary>Cosine (<see cref="VMath.Cos(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Cos(float x) => VMath.Cos(x);
    /// <inheritdoc cref="Cos(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Cos(double x) => VMath.Cos(x);
    /// <summary>Hyperbolic tangent (<see cref="VMath.Tanh(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Tanh(float x) => VMath.Tanh(x);
    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Tanh(double x) => VMath.Tanh(x);
    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ), without overflow for large |x| (<see cref="VMath.Sigmoid(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sigmoid(float x) => VMath.Sigmoid(x);
    /// <inheritdoc cref="Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sigmoid(double x) => VMath.Sigmoid(x);
    /// <summary>Softplus log(1+eˣ) as max(x,0) + log1p(e^−|x|) (<see cref="VMath.Softplus(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Softplus(float x) => VMath.Softplus(x);
    /// <inheritdoc cref="Softplus(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Softplus(double x) => VMath.Softplus(x);

    /// <summary>√x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sqrt(float x) => F.Sqrt(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Sqrt(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sqrt(double x) => D.Sqrt(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>|x| (the sign bit cleared, NaN included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Abs(float x) => F.Abs(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Abs(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Abs(double x) => D.Abs(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>max(x, 0) without a branch; NaN stays NaN and −0 becomes +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float x) => F.Relu(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Relu(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Relu(double x) => D.Relu(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>1 where x &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Step(float x) => F.Step(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Step(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Step(double x) => D.Step(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>1 for x &gt; 0, −1 for x &lt; 0; ±0 and NaN stay as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sign(float x) => F.Sign(Vector128.CreateScalar(x)).ToScalar();
    /// <inheritdoc cref="Sign(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sign(double x) => D.Sign(Vector128.CreateScalar(x)).ToScalar();
    /// <summary>The IEEE maximum (<see cref="Math.Max(double, double)"/>): NaN if either is NaN, max(−0, +0) = +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float x, float y) => F.Max(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <inheritdoc cref="Max(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Max(double x, double y) => D.Max(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <summary>The IEEE minimum (<see cref="Math.Min(double, double)"/>): NaN if either is NaN, min(−0, +0) = −0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Min(float x, float y) => F.Min(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <inheritdoc cref="Min(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Min(double x, double y) => D.Min(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <summary>1 where x &gt; y, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Gt(float x, float y) => F.Gt(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <inheritdoc cref="Gt(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Gt(double x, double y) => D.Gt(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <summary>1 where x ≥ y, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Ge(float x, float y) => F.Ge(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <inheritdoc cref="Ge(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Ge(double x, double y) => D.Ge(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <summary>1 where x = y, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Eq(float x, float y) => F.Eq(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <inheritdoc cref="Eq(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Eq(double x, double y) => D.Eq(Vector128.CreateScalar(x), Vector128.CreateScalar(y)).ToScalar();
    /// <summary>a where c ≠ 0 (NaN included), else b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Where(float c, float a, float b) => F.Where(Vector128.CreateScalar(c), Vector128.CreateScalar(a), Vector128.CreateScalar(b)).ToScalar();
    /// <inheritdoc cref="Where(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Where(double c, double a, double b) => D.Where(Vector128.CreateScalar(c), Vector128.CreateScalar(a), Vector128.CreateScalar(b)).ToScalar();

    /// <summary>
    /// xʸ: <see cref="MathF.Pow(float, float)"/>, except that the small integer exponents 1, 2, 3 and −1 are x, x·x,
    /// (x·x)·x and 1/x (a constant exponent then costs a multiplication in a vector loop, and every width computes
    /// the same bits; x·x is also the correctly rounded square).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pow(float x, float y) => y == 2f ? x * x : y == 1f ? x : y == 3f ? x * x * x : y == -1f ? 1f / x : MathF.Pow(x, y);
    /// <inheritdoc cref="Pow(float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Pow(double x, double y) => y == 2d ? x * x : y == 1d ? x : y == 3d ? x * x * x : y == -1d ? 1d / x : Math.Pow(x, y);
}
