using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Nabla;

/// <summary>
/// Compares by reference (modules and parameters are identities, not values). Used instead of .NET 5's
/// <c>ReferenceEqualityComparer</c> so that the DSL's sources also compile for netstandard2.0 (the source
/// generator can link them).
/// </summary>
internal sealed class ReferenceComparer : IEqualityComparer<object>
{
    public static readonly ReferenceComparer Instance = new();
    public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);
    public int GetHashCode(object obj) => RuntimeHelpers.GetHashCode(obj);
}
