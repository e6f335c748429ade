using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// Symbolic differentiation. Reverse mode (<see cref="Vjp"/>, <see cref="Grad(Node, IReadOnlyList{Node})"/>)
/// and forward mode (<see cref="Jvp"/>) both build IR in the same graph, so their results can be printed,
/// optimized, compiled — and differentiated again (<see cref="HessianVectorProduct"/>). Only nodes on a
/// path to the requested variables get derivative work: frozen parameters cost nothing.
/// </summary>
public static class Autodiff
{
    /// <summary>Gradients of the scalar <paramref name="output"/> with respect to each of <paramref name="wrt"/>.</summary>
    public static Node[] Grad(Node output, IReadOnlyList<Node> wrt)
    {
        if (output.Shape.Rank != 0)
            throw new ShapeException($"Grad needs a scalar output; {output.Describe()} is not (sum it first, or call Vjp with a seed).");
        return Vjp(new[] { output }, new[] { output.Graph.Const(1, output.DType) }, wrt);
    }

    /// <summary>
    /// Vector-Jacobian product: Σ seedᵢ·∂outputᵢ/∂w for each w in <paramref name="wrt"/> (seeds shaped like the outputs).
    /// A variable that the outputs do not depend on gets a zero tensor.
    /// </summary>
    public static Node[] Vjp(IReadOnlyList<Node> outputs, IReadOnlyList<Node> seeds, IReadOnlyList<Node> wrt)
    {
        if (outputs.Count != seeds.Count) throw new ArgumentException($"Vjp: {outputs.Count} outputs but {seeds.Count} seeds.");
        for (int i = 0; i < outputs.Count; i++)
        {
            if (!seeds[i].Shape.BroadcastsTo(outputs[i].Shape) || seeds[i].DType != outputs[i].DType)
                throw new ShapeException($"Vjp: seed {seeds[i].Describe()} does not fit output {outputs[i].Describe()}.");
            if (!ReferenceEquals(seeds[i].Graph, outputs[i].Graph)) throw new ArgumentException($"Vjp: seed {seeds[i].Describe()} belongs to another graph.");
        }
        SameGraph("Vjp", outputs, wrt);
        NoIntegers("Vjp", outputs.Concat(wrt));
        var nodes = Topo.Reachable(outputs);
        var active = Active(nodes, wrt);
        var adjoints = new Dictionary<Node, List<Node>>();
        void Contribute(Node n, Node g)
        {
            if (!adjoints.TryGetValue(n, out var list)) adjoints[n] = list = new List<Node>();
            list.Add(g);
        }
        for (int i = 0; i < outputs.Count; i++)
            if (active.Contains(outputs[i])) Contribute(outputs[i], F.BroadcastTo(seeds[i], outputs[i].Shape));

        // Reverse topological order: when a node is reached, every consumer has contributed.
        for (int k = nodes.Count - 1; k >= 0; k--)
        {
            var y = nodes[k];
            if (y.IsLeaf || !adjoints.TryGetValue(y, out var contributions)) continue;
            var g = Total(contributions);
            if (y.Op.Vjp is not { } rule)
                throw new NotSupportedException($"No reverse-mode rule for {y.Op.Name} (at {y.Describe()}).");
            var parts = rule(y, g);
            for (int i = 0; i < y.InputArray.Length; i++)
            {
                var x = y.InputArray[i];
                if (parts[i] is { } part && active.Contains(x)) Contribute(x, F.SumTo(part, x.Shape));
            }
        }
        return wrt.Select(w => adjoints.TryGetValue(w, out var c) ? Total(c) : F.Zeros(w.Graph, w.Shape, w.DType)).ToArray();
    }

    /// <summary>
    /// Jacobian-vector product: the directional derivative of each of <paramref name="outputs"/> when each
    /// variable <paramref name="wrt"/>[i] moves along <paramref name="tangents"/>[i].
    /// </summary>
    public static Node[] Jvp(IReadOnlyList<Node> outputs, IReadOnlyList<Node> wrt, IReadOnlyList<Node> tangents)
    {
        if (wrt.Count != tangents.Count) throw new ArgumentException($"Jvp: {wrt.Count} variables but {tangents.Count} tangents.");
        SameGraph("Jvp", outputs, wrt.Concat(tangents).ToArray());
        NoIntegers("Jvp", wrt);
        var tangent = new Dictionary<Node, Node>();
        for (int i = 0; i < wrt.Count; i++)
        {
            if (!tangents[i].Shape.BroadcastsTo(wrt[i].Shape) || tangents[i].DType != wrt[i].DType)
                throw new ShapeException($"Jvp: tangent {tangents[i].Describe()} does not fit variable {wrt[i].Describe()}.");
            tangent[wrt[i]] = F.BroadcastTo(tangents[i], wrt[i].Shape);
        }
        foreach (var y in Topo.Reachable(outputs))
        {
            if (y.IsLeaf || tangent.ContainsKey(y) || y.DType == DType.I32) continue; // i32 values have no tangent
            var ts = y.InputArray.Select(x => tangent.TryGetValue(x, out var t) ? t : null).ToArray();
            if (ts.All(t => t is null)) continue;
            if (y.Op.Jvp is not { } rule)
                throw new NotSupportedException($"No forward-mode rule for {y.Op.Name} (at {y.Describe()}).");
            if (rule(y, ts) is { } ty) tangent[y] = F.BroadcastTo(ty, y.Shape);
        }
        return outputs.Select(o => tangent.TryGetValue(o, out var t) ? t : F.Zeros(o.Graph, o.Shape, o.DType)).ToArray();
    }

    /// <summary>
    /// Hessian-vector products of the scalar <paramref name="output"/> by forward-over-reverse: the JVP of
    /// the gradient along <paramref name="v"/>. Returns H·v split like <paramref name="wrt"/>.
    /// </summary>
    public static Node[] HessianVectorProduct(Node output, IReadOnlyList<Node> wrt, IReadOnlyList<Node> v) =>
        Jvp(Grad(output, wrt), wrt, v);

    /// <summary>
    /// A function whose outputs are <paramref name="output"/>'s value (named <c>value</c>) and its gradient
    /// with respect to each named input or parameter (named <c>d/dNAME</c>).
    /// </summary>
    public static Function Grad(Function f, string output, params string[] wrt)
    {
        var y = f[output];
        var vars = wrt.Select(n => f.Graph.Find(n) ?? throw new ArgumentException($"Grad: no input or parameter named \"{n}\".")).ToArray();
        var grads = Grad(y, vars);
        var outs = new List<Named> { new("value", y) };
        outs.AddRange(wrt.Select((n, i) => new Named("d/d" + n, grads[i])));
        return new Function(f.Graph, outs);
    }

    // Every node must live in the outputs' graph (derivatives are built there).
    private static void SameGraph(string what, IReadOnlyList<Node> outputs, IReadOnlyList<Node> others)
    {
        if (outputs.Count == 0) return;
        var g = outputs[0].Graph;
        foreach (var n in outputs.Concat(others))
            if (!ReferenceEquals(n.Graph, g)) throw new ArgumentException($"{what}: {n.Describe()} belongs to another graph than {outputs[0].Describe()}.");
    }

    // No derivative is taken of or with respect to an i32 tensor (indices, labels): it is piecewise constant.
    private static void NoIntegers(string what, IEnumerable<Node> nodes)
    {
        foreach (var n in nodes)
            if (n.DType == DType.I32) throw new ShapeException($"{what}: {n.Describe()} holds i32 indices; no derivative is taken of or with respect to an integer tensor.");
    }

    // The nodes that lie on a path from some variable in `wrt` (in `nodes`, which is topologically ordered). An i32 node
    // is never active: no gradient flows into an integer tensor (cast to i32 stops it).
    private static HashSet<Node> Active(IReadOnlyList<Node> nodes, IReadOnlyList<Node> wrt)
    {
        var active = new HashSet<Node>(wrt);
        foreach (var n in nodes)
            if (!n.IsLeaf && n.DType != DType.I32 && n.InputArray.Any(active.Contains)) active.Add(n);
        return active;
    }

    // Sums contributions as a balanced tree in a fixed order (deterministic, shallow).
    private static Node Total(List<Node> parts)
    {
        var level = parts;
        while (level.Count > 1)
        {
            var next = new List<Node>((level.Count + 1) / 2);
            for (int i = 0; i + 1 < level.Count; i += 2) next.Add(level[i] + level[i + 1]);
            if (level.Count % 2 == 1) next.Add(level[level.Count - 1]);
            level = next;
        }
        return level[0];
    }
}
