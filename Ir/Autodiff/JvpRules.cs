using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// The forward-mode rules of the op registry (<see cref="Op.Jvp"/>), as a table: given <c>y = op(a, b, …)</c> and the
/// inputs' tangents (null where an input does not depend on the seeds), y's tangent (null when it is zero).
/// </summary>
public static class JvpRules
{
    /// <summary>The rule for each differentiable op (a view of <see cref="Op.All"/>).</summary>
    public static readonly IReadOnlyDictionary<Op, Func<Node, Node?[], Node?>> Table =
        Op.All.Where(o => o.Jvp is not null).ToDictionary(o => o, o => o.Jvp!);

    /// <summary>Ops without a rule.</summary>
    public static IEnumerable<Op> Missing => Op.All.Where(o => o.Kind != OpKind.Leaf && o.Jvp is null);
}
