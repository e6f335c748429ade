using System;
using System.Collections;
using System.Collections.Generic;

namespace Nabla.Generator.Model;

/// <summary>
/// An immutable array compared by its elements, so pipeline models that hold lists stay value-equatable (the
/// incremental generator caches a step only when its output equals the previous one).
/// </summary>
/// <typeparam name="T">An element type with value equality.</typeparam>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
{
    private readonly T[]? _items;

    /// <summary>Wraps <paramref name="items"/> (the caller must not change the array afterwards).</summary>
    public EquatableArray(T[] items) { _items = items; }

    /// <summary>The empty array.</summary>
    public static EquatableArray<T> Empty => new(Array.Empty<T>());

    /// <summary>The elements.</summary>
    public T[] AsArray() => _items ?? Array.Empty<T>();

    /// <inheritdoc/>
    public int Count => _items?.Length ?? 0;

    /// <inheritdoc/>
    public T this[int index] => AsArray()[index];

    /// <inheritdoc/>
    public bool Equals(EquatableArray<T> other)
    {
        var a = AsArray(); var b = other.AsArray();
        if (a.Length != b.Length) return false;
        var cmp = EqualityComparer<T>.Default;
        for (int i = 0; i < a.Length; i++) if (!cmp.Equals(a[i], b[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EquatableArray<T> o && Equals(o);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        int h = 17;
        var cmp = EqualityComparer<T>.Default;
        foreach (var x in AsArray()) h = unchecked(h * 31 + (x is null ? 0 : cmp.GetHashCode(x)));
        return h;
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)AsArray()).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Element-wise equality.</summary>
    public static bool operator ==(EquatableArray<T> a, EquatableArray<T> b) => a.Equals(b);
    /// <summary>Element-wise inequality.</summary>
    public static bool operator !=(EquatableArray<T> a, EquatableArray<T> b) => !a.Equals(b);
}

/// <summary>Creation helpers for <see cref="EquatableArray{T}"/>.</summary>
internal static class EquatableArray
{
    /// <summary>An equatable copy of <paramref name="items"/>.</summary>
    public static EquatableArray<T> From<T>(IEnumerable<T> items) => new(new List<T>(items).ToArray());
    /// <summary>An equatable array of the arguments.</summary>
    public static EquatableArray<T> Of<T>(params T[] items) => new(items);
}
