using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// The reverse-mode rules of the op registry (<see cref="Op.Vjp"/>), as a table: given the node <c>y = op(a, b, …)</c>
/// and the adjoint <c>g = ∂L/∂y</c>, the contribution to each input's adjoint (null when it is zero).
/// </summary>
public static class VjpRules
{
    /// <summary>The rule for each differentiable op (a view of <see cref="Op.All"/>).</summary>
    public static readonly IReadOnlyDictionary<Op, Func<Node, Node, Node?[]>> Table =
        Op.All.Where(o => o.Vjp is not null).ToDictionary(o => o, o => o.Vjp!);

    /// <summary>Ops without a rule (leaves are not differentiated through).</summary>
    public static IEnumerable<Op> Missing => Op.All.Where(o => o.Kind != OpKind.Leaf && o.Vjp is null);
}
