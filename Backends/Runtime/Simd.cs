using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Runtime;

/// <summary>
/// Width-generic helpers over <see cref="Vector512{T}"/> for T = float or double. The <c>typeof(T)</c> tests are
/// JIT-time constants, so each instantiation compiles to straight-line AVX-512 code.
/// </summary>
internal static unsafe class Simd
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    /// <summary>All-ones lanes for lane index &lt; <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FirstLanes<T>(int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).As<int, T>();
        return Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).As<long, T>();
    }

    /// <summary>Loads the first <paramref name="count"/> (0..Count) lanes from <paramref name="p"/>; the others are zero.
    /// Never touches memory past <c>p + count</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadFirst<T>(T* p, int count) where T : unmanaged
    {
#if NET10_0_OR_GREATER
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Avx512F.MaskLoad((float*)p, FirstLanes<float>(count), Vector512<float>.Zero).As<float, T>();
            return Avx512F.MaskLoad((double*)p, FirstLanes<double>(count), Vector512<double>.Zero).As<double, T>();
        }
#endif
        if (Avx.IsSupported) return LoadFirstAvx(p, count);
        return LoadFirstSlow(p, count);
    }

    /// <summary>Without AVX-512 (Vector512 then runs as two 256-bit halves): masked 256-bit loads of both halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> LoadFirstAvx<T>(T* p, int count) where T : unmanaged
    {
        int half = Vector256<T>.Count;
        if (typeof(T) == typeof(float))
        {
            Vector256<float> lo = Avx.MaskLoad((float*)p, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle());
            Vector256<float> hi = count > half
                ? Avx.MaskLoad((float*)p + half, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count - half)).AsSingle())
                : Vector256<float>.Zero;
            return Vector512.Create(lo, hi).As<float, T>();
        }
        Vector256<double> dlo = Avx.MaskLoad((double*)p, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble());
        Vector256<double> dhi = count > half
            ? Avx.MaskLoad((double*)p + half, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)(count - half))).AsDouble())
            : Vector256<double>.Zero;
        return Vector512.Create(dlo, dhi).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<T> LoadFirstSlow<T>(T* p, int count) where T : unmanaged
    {
        Vector512<T> v = default;
        T* t = (T*)&v;
        for (int i = 0; i < count; i++) t[i] = p[i];
        return v;
    }

    /// <summary>Stores the first <paramref name="count"/> lanes of <paramref name="v"/> to <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst<T>(T* p, Vector512<T> v, int count) where T : unmanaged
    {
#if NET10_0_OR_GREATER
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, FirstLanes<float>(count), v.AsSingle());
            else Avx512F.MaskStore((double*)p, FirstLanes<double>(count), v.AsDouble());
            return;
        }
#endif
        if (Avx.IsSupported) { StoreFirstAvx(p, v, count); return; }
        StoreFirstSlow(p, v, count);
    }

    /// <summary>Without AVX-512: masked 256-bit stores of the halves that hold any of the first <paramref name="count"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFirstAvx<T>(T* p, Vector512<T> v, int count) where T : unmanaged
    {
        int half = Vector256<T>.Count;
        if (typeof(T) == typeof(float))
        {
            Avx.MaskStore((float*)p, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle(), v.GetLower().AsSingle());
            if (count > half)
                Avx.MaskStore((float*)p + half, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count - half)).AsSingle(), v.GetUpper().AsSingle());
            return;
        }
        Avx.MaskStore((double*)p, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble(), v.GetLower().AsDouble());
        if (count > half)
            Avx.MaskStore((double*)p + half, Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)(count - half))).AsDouble(), v.GetUpper().AsDouble());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreFirstSlow<T>(T* p, Vector512<T> v, int count) where T : unmanaged
    {
        T* t = (T*)&v;
        for (int i = 0; i < count; i++) p[i] = t[i];
    }

    /// <summary>Loads up to one full vector: a plain load when <paramref name="count"/> ≥ Count, else a masked one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load<T>(T* p, int count) where T : unmanaged
        => count >= Vector512<T>.Count ? Vector512.Load(p) : LoadFirst(p, count);

    /// <summary>Loads min(count, Count) lanes (count may be ≤ 0: zero vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadFirstOrFull<T>(T* p, int count) where T : unmanaged
        => count >= Vector512<T>.Count ? Vector512.Load(p) : count <= 0 ? Vector512<T>.Zero : LoadFirst(p, count);

    /// <summary>Stores up to one full vector (see <see cref="Load{T}(T*, int)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* p, Vector512<T> v, int count) where T : unmanaged
    {
        if (count >= Vector512<T>.Count) v.Store(p);
        else StoreFirst(p, v, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromInt<T>(int x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float f = x; return Unsafe.As<float, T>(ref f); }
        double d = x; return Unsafe.As<double, T>(ref d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero<T>(T x) where T : unmanaged
        => typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref x) == 0f : Unsafe.As<T, double>(ref x) == 0d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsOne<T>(T x) where T : unmanaged
        => typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref x) == 1f : Unsafe.As<T, double>(ref x) == 1d;
}
