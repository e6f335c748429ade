using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;

namespace Nabla.Backends.Expressions;

/// <summary>
/// The vector instruction set one compiled model uses: <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/> of
/// float or double, and expression factories for its static methods (<c>Vector256.Add</c>, <c>Vector256.Exp</c>, ...).
/// Loads and stores go through <c>Vector256.LoadUnsafe(ref readonly T)</c> / <c>StoreUnsafe(ref T)</c> with the array
/// element as the by-ref argument: the expression compiler emits <c>ldelema</c> for it (a bounds-checked element
/// address), which runs as fast as the hand-written C# loop; <c>Vector256.Create(T[], int)</c> ran 1.7× slower.
/// </summary>
internal sealed class VectorIsa
{
    private static readonly ConcurrentDictionary<(Type, Type, string, string), MethodInfo> Cache = new();

    private VectorIsa(Type element, int bits)
    {
        Element = element;
        Bits = bits;
        Static = bits == 256 ? typeof(Vector256) : typeof(Vector128);
        Type = (bits == 256 ? typeof(Vector256<>) : typeof(Vector128<>)).MakeGenericType(element);
        Width = bits / 8 / (element == typeof(float) ? 4 : 8);
    }

    /// <summary>float or double.</summary>
    public Type Element { get; }
    /// <summary>256 or 128.</summary>
    public int Bits { get; }
    /// <summary>The static class holding the vector methods (<c>Vector256</c>).</summary>
    public Type Static { get; }
    /// <summary>The vector type (<c>Vector256&lt;float&gt;</c>).</summary>
    public Type Type { get; }
    /// <summary>Lanes per vector.</summary>
    public int Width { get; }

    /// <summary>
    /// The widest accelerated instruction set no wider than <paramref name="maxBits"/> (0: no limit), or null when
    /// neither 256- nor 128-bit vectors are hardware accelerated (then only scalar loops are emitted).
    /// </summary>
    public static VectorIsa? Best(Type element, int maxBits)
    {
        if (maxBits < 0) return null;
        if ((maxBits == 0 || maxBits >= 256) && Vector256.IsHardwareAccelerated) return new VectorIsa(element, 256);
        if ((maxBits == 0 || maxBits >= 128) && Vector128.IsHardwareAccelerated) return new VectorIsa(element, 128);
        return null;
    }

    /// <summary>
    /// The first of <paramref name="widths"/> (bits, in a kernel plan's order) that is no wider than
    /// <paramref name="widest"/> and hardware accelerated here, or null (scalar code) when none is or
    /// <paramref name="widest"/> is null.
    /// </summary>
    public static VectorIsa? FirstAccelerated(Type element, IEnumerable<int> widths, VectorIsa? widest)
    {
        if (widest is null) return null;
        foreach (var bits in widths)
        {
            if (bits > widest.Bits) continue;
            if (bits == widest.Bits) return widest;
            if (bits == 128 && Vector128.IsHardwareAccelerated) return new VectorIsa(element, 128);
        }
        return null;
    }

    /// <summary>A call of the static vector method <paramref name="name"/> whose parameters match the argument types.</summary>
    public Expression Call(string name, params Expression[] args) => Expression.Call(Method(name, args.Select(a => a.Type).ToArray()), args);

    /// <summary>Loads one vector starting at <c>array[index]</c>.</summary>
    public Expression Load(Expression array, Expression index) =>
        Expression.Call(Method("LoadUnsafe", Element.MakeByRefType()), Expression.ArrayAccess(array, index));

    /// <summary>Stores <paramref name="value"/> starting at <c>array[index]</c>.</summary>
    public Expression Store(Expression array, Expression index, Expression value) =>
        Expression.Call(Method("StoreUnsafe", Type, Element.MakeByRefType()), value, Expression.ArrayAccess(array, index));

    /// <summary>Every lane set to the scalar <paramref name="value"/> (of the element type).</summary>
    public Expression Broadcast(Expression value) => Call("Create", value);

    /// <summary>Every lane set to the constant <paramref name="value"/>.</summary>
    public Expression Constant(double value) =>
        Broadcast(Expression.Constant(Element == typeof(float) ? (object)(float)value : value, Element));

    /// <summary>Lane <paramref name="lane"/> of a vector as a scalar.</summary>
    public Expression Lane(Expression vector, int lane) => Call("GetElement", vector, Expression.Constant(lane));

    /// <summary>The method of <see cref="Static"/> called <paramref name="name"/> taking exactly <paramref name="args"/>
    /// (by-ref parameters match their element type made by-ref); generic definitions are closed over the element type.</summary>
    public MethodInfo Method(string name, params Type[] args)
    {
        var key = (Static, Element, name, string.Join(",", args.Select(a => a.FullName)));
        return Cache.GetOrAdd(key, _ => Find(name, args));
    }

    private MethodInfo Find(string name, Type[] args)
    {
        foreach (var m in Static.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.Name != name || m.GetParameters().Length != args.Length) continue;
            var closed = m;
            if (m.IsGenericMethodDefinition)
            {
                if (m.GetGenericArguments().Length != 1) continue;
                try { closed = m.MakeGenericMethod(Element); }
                catch (ArgumentException) { continue; }
            }
            var ps = closed.GetParameters();
            bool match = true;
            for (int i = 0; i < ps.Length && match; i++) match = ps[i].ParameterType == args[i];
            if (match) return closed;
        }
        throw new MissingMethodException($"{Static.Name}.{name}({string.Join(", ", args.Select(a => a.Name))}) does not exist in this runtime.");
    }
}
