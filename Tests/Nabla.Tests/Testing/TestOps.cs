using System;
using System.Collections.Generic;
using System.Reflection;
using Nabla.Ir;

namespace Nabla.Tests.Testing;

/// <summary>
/// Unary elementwise ops with hand-written (deliberately wrong) rules, to show what the checker catches. They are made
/// through the registry's private factory for unary ops (reflection), with a forward written in IR ops and evaluated by
/// the interpreter per element; they are not in <see cref="Op.All"/> and have no lowering, so the checks that use them
/// turn the backends off. (Custom ops defined with the public <c>Op.Define</c> replace this once they are on main.)
/// </summary>
internal static class TestOps
{
    public static Op Unary(string name, Func<Node, Node> forward, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?>? jvp = null)
    {
        Func<double, double> f = x =>
        {
            var g = new Graph(DType.F64);
            var y = forward(g.Const(x, DType.F64));
            return Interpreter.Evaluate(new[] { y }, new Dictionary<string, Tensor>(), DType.F64, 1)[y].Value;
        };
        // A unary elementwise op's Jacobian is diagonal: J·t = Jᵀ·t, so the VJP rule gives a JVP unless one is given.
        jvp ??= (y, t) => vjp(y, t[0]!)[0];
        var factory = typeof(Op).GetMethod("Unary", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException("Op.Unary (the registry's private factory) is gone; use Op.Define.");
        return (Op)factory.Invoke(null, new object?[] { name, name, f, vjp, jvp, OpFacts.None, null })!;
    }
}
