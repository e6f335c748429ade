using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// The vector operations the math kernels are written against, implemented for Vector128/256/512 of float or double.
/// A kernel written once as <c>F&lt;TS, TV&gt;(TV x) where TS : ISimd&lt;TV, float&gt;</c> is compiled by the JIT for each
/// width separately, so every width computes bit-identical results with straight-line vector code.
/// Integer operations act on the lanes' bit patterns (int32 lanes for float, int64 for double).
/// </summary>
internal interface ISimd<TV, T> where TV : struct where T : unmanaged
{
    static abstract int Count { get; }
    static abstract TV Splat(T x);
    static abstract T First(TV v);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    static abstract TV Abs(TV a);
    /// <summary>Minimum/maximum with the platform's NaN behaviour (callers fix NaN lanes themselves).</summary>
    static abstract TV Min(TV a, TV b);
    static abstract TV Max(TV a, TV b);
    /// <summary>IEEE 754:2019 minimum/maximum: NaN if either lane is NaN, −0 below +0 (<c>Math.Min</c>/<c>Math.Max</c> lane-wise).</summary>
    static abstract TV Minimum(TV a, TV b);
    static abstract TV Maximum(TV a, TV b);
    static abstract TV Sqrt(TV a);
    static abstract TV Ge(TV a, TV b);
    /// <summary>True when every lane of a equals the lane of b.</summary>
    static abstract bool EqualsAll(TV a, TV b);
    static abstract TV Lt(TV a, TV b);
    static abstract TV Gt(TV a, TV b);
    static abstract TV Eq(TV a, TV b);
    static abstract TV Select(TV mask, TV a, TV b);
    static abstract TV And(TV a, TV b);
    static abstract TV Or(TV a, TV b);
    static abstract TV Xor(TV a, TV b);
    static abstract bool Any(TV mask);
    /// <summary>True when every lane of the mask is set.</summary>
    static abstract bool All(TV mask);
    static abstract TV IAdd(TV a, TV b);
    static abstract TV ISub(TV a, TV b);
    static abstract TV IShl(TV a, int n);
    static abstract TV IShr(TV a, int n);
    static abstract TV ISar(TV a, int n);
    static abstract unsafe TV Load(T* p);
    static abstract unsafe void Store(TV v, T* p);
    /// <summary>Loads the first <paramref name="count"/> (0 &lt; count &lt; Count) lanes; the others are <paramref name="fill"/>'s. Reads nothing past p + count.</summary>
    static abstract unsafe TV LoadPartial(T* p, int count, TV fill);
    /// <summary>Stores the first <paramref name="count"/> lanes; writes nothing past p + count.</summary>
    static abstract unsafe void StorePartial(TV v, T* p, int count);
    static abstract T SumAcross(TV v);
    static abstract T MaxAcross(TV v);
    static abstract TV Exp(TV x);
    static abstract TV Log(TV x);
}

/// <summary>Width-independent fallbacks for partial loads and stores (a lane-by-lane copy through a local).</summary>
internal static unsafe class PartialCopy
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TV Load<TV, T>(T* p, int count, TV fill) where TV : unmanaged where T : unmanaged
    {
        T* t = (T*)&fill;
        for (int i = 0; i < count; i++) t[i] = p[i];
        return fill;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Store<TV, T>(TV v, T* p, int count) where TV : unmanaged where T : unmanaged
    {
        T* t = (T*)&v;
        for (int i = 0; i < count; i++) p[i] = t[i];
    }
}

internal readonly struct V128<T> : ISimd<Vector128<T>, T> where T : unmanaged
{
    public static int Count => Vector128<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(T x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T First(Vector128<T> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sub(Vector128<T> a, Vector128<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Mul(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Div(Vector128<T> a, Vector128<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c) => typeof(T) == typeof(float)
        ? Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min(Vector128<T> a, Vector128<T> b) => Vector128.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Minimum(Vector128<T> a, Vector128<T> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Maximum(Vector128<T> a, Vector128<T> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt(Vector128<T> a) => Vector128.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Ge(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool EqualsAll(Vector128<T> a, Vector128<T> b) => Vector128.EqualsAll(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Lt(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Gt(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Eq(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Select(Vector128<T> m, Vector128<T> a, Vector128<T> b) => Vector128.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> And(Vector128<T> a, Vector128<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Or(Vector128<T> a, Vector128<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Xor(Vector128<T> a, Vector128<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector128<T> m) => m != Vector128<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool All(Vector128<T> m) => Vector128.EqualsAll(m.AsByte(), Vector128<byte>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> IAdd(Vector128<T> a, Vector128<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() + b.AsInt32()).As<int, T>() : (a.AsInt64() + b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ISub(Vector128<T> a, Vector128<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() - b.AsInt32()).As<int, T>() : (a.AsInt64() - b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> IShl(Vector128<T> a, int n) => typeof(T) == typeof(float)
        ? Vector128.ShiftLeft(a.AsInt32(), n).As<int, T>() : Vector128.ShiftLeft(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> IShr(Vector128<T> a, int n) => typeof(T) == typeof(float)
        ? Vector128.ShiftRightLogical(a.AsInt32(), n).As<int, T>() : Vector128.ShiftRightLogical(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ISar(Vector128<T> a, int n) => typeof(T) == typeof(float)
        ? Vector128.ShiftRightArithmetic(a.AsInt32(), n).As<int, T>() : Vector128.ShiftRightArithmetic(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector128<T> Load(T* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void Store(Vector128<T> v, T* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T SumAcross(Vector128<T> v) => Vector128.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> x) => typeof(T) == typeof(float)
        ? MathF32<V128<float>, Vector128<float>>.Exp(x.AsSingle()).As<float, T>() : MathF64<V128<double>, Vector128<double>>.Exp(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log(Vector128<T> x) => typeof(T) == typeof(float)
        ? MathF32<V128<float>, Vector128<float>>.Log(x.AsSingle()).As<float, T>() : MathF64<V128<double>, Vector128<double>>.Log(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector128<T> v)
    {
        if (typeof(T) == typeof(float)) v = Vector128.MaxNative(v, Vector128.Shuffle(v.AsSingle(), Vector128.Create(1, 0, 3, 2)).As<float, T>());
        v = Vector128.MaxNative(v, Vector128.Shuffle(v.AsInt64(), Vector128.Create(1L, 0L)).As<long, T>());
        return v.ToScalar();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<T> LoadPartial(T* p, int count, Vector128<T> fill)
    {
        if (Avx.IsSupported)
        {
            Vector128<T> m = typeof(T) == typeof(float)
                ? Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).As<int, T>()
                : Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).As<long, T>();
            Vector128<T> v = typeof(T) == typeof(float) ? Avx.MaskLoad((float*)p, m.AsSingle()).As<float, T>() : Avx.MaskLoad((double*)p, m.AsDouble()).As<double, T>();
            return Vector128.ConditionalSelect(m, v, fill);
        }
        return PartialCopy.Load(p, count, fill);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StorePartial(Vector128<T> v, T* p, int count)
    {
        if (Avx.IsSupported)
        {
            Vector128<T> m = typeof(T) == typeof(float)
                ? Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).As<int, T>()
                : Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).As<long, T>();
            if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, m.AsSingle(), v.AsSingle()); else Avx.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
            return;
        }
        PartialCopy.Store(v, p, count);
    }
}

internal readonly struct V256<T> : ISimd<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T First(Vector256<T> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Div(Vector256<T> a, Vector256<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c) => typeof(T) == typeof(float)
        ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Minimum(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Maximum(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Ge(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool EqualsAll(Vector256<T> a, Vector256<T> b) => Vector256.EqualsAll(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Lt(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Gt(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Eq(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Select(Vector256<T> m, Vector256<T> a, Vector256<T> b) => Vector256.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> And(Vector256<T> a, Vector256<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Or(Vector256<T> a, Vector256<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Xor(Vector256<T> a, Vector256<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<T> m) => m != Vector256<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool All(Vector256<T> m) => Vector256.EqualsAll(m.AsByte(), Vector256<byte>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IAdd(Vector256<T> a, Vector256<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() + b.AsInt32()).As<int, T>() : (a.AsInt64() + b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ISub(Vector256<T> a, Vector256<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() - b.AsInt32()).As<int, T>() : (a.AsInt64() - b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IShl(Vector256<T> a, int n) => typeof(T) == typeof(float)
        ? Vector256.ShiftLeft(a.AsInt32(), n).As<int, T>() : Vector256.ShiftLeft(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IShr(Vector256<T> a, int n) => typeof(T) == typeof(float)
        ? Vector256.ShiftRightLogical(a.AsInt32(), n).As<int, T>() : Vector256.ShiftRightLogical(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ISar(Vector256<T> a, int n) => typeof(T) == typeof(float)
        ? Vector256.ShiftRightArithmetic(a.AsInt32(), n).As<int, T>() : Vector256.ShiftRightArithmetic(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void Store(Vector256<T> v, T* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T SumAcross(Vector256<T> v) => Vector256.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x) => typeof(T) == typeof(float)
        ? MathF32<V256<float>, Vector256<float>>.Exp(x.AsSingle()).As<float, T>() : MathF64<V256<double>, Vector256<double>>.Exp(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> x) => typeof(T) == typeof(float)
        ? MathF32<V256<float>, Vector256<float>>.Log(x.AsSingle()).As<float, T>() : MathF64<V256<double>, Vector256<double>>.Log(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector256<T> v)
    {
        return V128<T>.MaxAcross(Vector128.MaxNative(v.GetLower(), v.GetUpper()));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<T> LoadPartial(T* p, int count, Vector256<T> fill)
    {
        if (Avx.IsSupported)
        {
            Vector256<T> m = typeof(T) == typeof(float)
                ? Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).As<int, T>()
                : Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();
            Vector256<T> v = typeof(T) == typeof(float) ? Avx.MaskLoad((float*)p, m.AsSingle()).As<float, T>() : Avx.MaskLoad((double*)p, m.AsDouble()).As<double, T>();
            return Vector256.ConditionalSelect(m, v, fill);
        }
        return PartialCopy.Load(p, count, fill);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StorePartial(Vector256<T> v, T* p, int count)
    {
        if (Avx.IsSupported)
        {
            Vector256<T> m = typeof(T) == typeof(float)
                ? Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).As<int, T>()
                : Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();
            if (typeof(T) == typeof(float)) Avx.MaskStore((float*)p, m.AsSingle(), v.AsSingle()); else Avx.MaskStore((double*)p, m.AsDouble(), v.AsDouble());
            return;
        }
        PartialCopy.Store(v, p, count);
    }
}

internal readonly struct V512<T> : ISimd<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T First(Vector512<T> v) => v.ToScalar();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c) => typeof(T) == typeof(float)
        ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Minimum(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Maximum(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Ge(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool EqualsAll(Vector512<T> a, Vector512<T> b) => Vector512.EqualsAll(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Lt(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Gt(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Eq(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> m, Vector512<T> a, Vector512<T> b) => Vector512.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> And(Vector512<T> a, Vector512<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Xor(Vector512<T> a, Vector512<T> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<T> m) => m != Vector512<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool All(Vector512<T> m) => Vector512.EqualsAll(m.AsByte(), Vector512<byte>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IAdd(Vector512<T> a, Vector512<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() + b.AsInt32()).As<int, T>() : (a.AsInt64() + b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ISub(Vector512<T> a, Vector512<T> b) => typeof(T) == typeof(float)
        ? (a.AsInt32() - b.AsInt32()).As<int, T>() : (a.AsInt64() - b.AsInt64()).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IShl(Vector512<T> a, int n) => typeof(T) == typeof(float)
        ? Vector512.ShiftLeft(a.AsInt32(), n).As<int, T>() : Vector512.ShiftLeft(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IShr(Vector512<T> a, int n) => typeof(T) == typeof(float)
        ? Vector512.ShiftRightLogical(a.AsInt32(), n).As<int, T>() : Vector512.ShiftRightLogical(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ISar(Vector512<T> a, int n) => typeof(T) == typeof(float)
        ? Vector512.ShiftRightArithmetic(a.AsInt32(), n).As<int, T>() : Vector512.ShiftRightArithmetic(a.AsInt64(), n).As<long, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe void Store(Vector512<T> v, T* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T SumAcross(Vector512<T> v) => Vector512.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) => typeof(T) == typeof(float)
        ? MathF32<V512<float>, Vector512<float>>.Exp(x.AsSingle()).As<float, T>() : MathF64<V512<double>, Vector512<double>>.Exp(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> x) => typeof(T) == typeof(float)
        ? MathF32<V512<float>, Vector512<float>>.Log(x.AsSingle()).As<float, T>() : MathF64<V512<double>, Vector512<double>>.Log(x.AsDouble()).As<double, T>();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector512<T> v) => V256<T>.MaxAcross(Vector256.MaxNative(v.GetLower(), v.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<T> LoadPartial(T* p, int count, Vector512<T> fill)
    {
#if NET10_0_OR_GREATER
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Avx512F.MaskLoad((float*)p, Simd.FirstLanes<float>(count), fill.AsSingle()).As<float, T>();
            return Avx512F.MaskLoad((double*)p, Simd.FirstLanes<double>(count), fill.AsDouble()).As<double, T>();
        }
#endif
        return PartialCopy.Load(p, count, fill);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StorePartial(Vector512<T> v, T* p, int count) => Simd.StoreFirst(p, v, count);
}

