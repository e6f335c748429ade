using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

/// <summary>
/// What a custom op (<see cref="Op.Define(string, int, Func{Node[], Node}, Func{Node, Node, Node?[]}?, Func{Node, Node?[], Node?}?)"/>)
/// means, from its forward: its shape and type, its value in the interpreter, the derivative rules it was not given, and
/// its replacement by built-in ops. The forward is always run on stand-in inputs in a graph of its own and the result
/// copied where it is needed, so that it sees distinct inputs (op(x, x) has two) and cannot reach into the caller's graph.
/// </summary>
internal static class Expansion
{
    // Custom ops may be built of custom ops; a forward that calls its own op would recurse without end.
    private const int MaxDepth = 64;
    [ThreadStatic] private static int _depth;
    // Graph.Make asks for the type, then the shape, of the same inputs: build the forward once for both.
    [ThreadStatic] private static (Op Op, Node[] Inputs, Node Result)? _last;

    private const string InputPrefix = "%in", SeedName = "%g", TangentPrefix = "%t";

    /// <summary>The forward of <paramref name="op"/> on stand-ins shaped like <paramref name="inputs"/>, in a new graph.</summary>
    private static (Node Result, Node[] Leaves) Build(Op op, IReadOnlyList<Node> inputs, Graph? into = null)
    {
        var scratch = into ?? new Graph(inputs[0].Graph.DefaultType);
        var leaves = new Node[inputs.Count];
        for (int i = 0; i < leaves.Length; i++) leaves[i] = scratch.Input(InputPrefix + i, inputs[i].Shape, inputs[i].DType);
        if (_depth >= MaxDepth)
            throw new InvalidOperationException($"Custom op \"{op.Name}\": custom ops nested more than {MaxDepth} deep (does its forward call itself?).");
        Node? result;
        _depth++;
        try { result = op.Forward!(leaves); }
        catch (Exception e) when (e is ShapeException && !e.Message.StartsWith("Custom op ", StringComparison.Ordinal))
        {
            throw new ShapeException($"Custom op \"{op.Name}\" on {Describe(inputs)}: {e.Message}");
        }
        catch (ArgumentException e) when (e.Message.Contains("belongs to another graph"))
        {
            throw new InvalidOperationException($"Custom op \"{op.Name}\" on {Describe(inputs)}: its forward uses a node that is not one of its inputs ({e.Message}); pass every node it needs as an input.", e);
        }
        catch (Exception e) when (e is not ShapeException && !e.Message.StartsWith("Custom op ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Custom op \"{op.Name}\" on {Describe(inputs)}: its forward failed: {e.Message}", e);
        }
        finally { _depth--; }
        if (result is null) throw new InvalidOperationException($"Custom op \"{op.Name}\": its forward returned null.");
        if (!ReferenceEquals(result.Graph, scratch))
            throw new InvalidOperationException($"Custom op \"{op.Name}\": its forward returned {result.Describe()}, a node built outside it; build the result from the forward's inputs (a node it needs from elsewhere must be one of its inputs).");
        foreach (var n in Topo.Reachable(new[] { result }))
            if ((n.Op == Op.Input && Array.IndexOf(leaves, n) < 0) || n.Op == Op.Param)
                throw new InvalidOperationException($"Custom op \"{op.Name}\": its forward creates {n.Op.Name} \"{n.Name}\"; a custom op reads only its inputs (pass \"{n.Name}\" as one).");
        return (result, leaves);
    }

    // The type rule builds and remembers the forward; the shape rule, which Graph.Make calls next on the same inputs
    // (unless the node exists already), takes it and forgets it, so a thread keeps at most one forward reachable.
    private static Node Built(Op op, Node[] inputs, bool keep)
    {
        if (op.Arity != inputs.Length) throw new ShapeException($"{op.Name} takes {op.Arity} input(s), got {inputs.Length}.");
        if (_last is { } last && ReferenceEquals(last.Op, op) && last.Inputs.Length == inputs.Length && SameNodes(last.Inputs, inputs))
        {
            if (!keep) _last = null;
            return last.Result;
        }
        var result = Build(op, inputs).Result;
        _last = keep ? (op, (Node[])inputs.Clone(), result) : null;
        return result;
    }

    private static bool SameNodes(Node[] a, Node[] b)
    {
        for (int i = 0; i < a.Length; i++) if (!ReferenceEquals(a[i], b[i])) return false;
        return true;
    }

    /// <summary>The shape rule: the shape of the forward's result.</summary>
    public static Shape Shape(Op op, Node[] inputs) => Built(op, inputs, keep: false).Shape;

    /// <summary>The type rule: the element type of the forward's result.</summary>
    public static DType Type(Op op, Node[] inputs) => Built(op, inputs, keep: true).DType;

    /// <summary>The reference kernel: the interpreter runs the forward on the input values (float64).</summary>
    public static Tensor Reference(Node n, Tensor[] values, int[] outShape)
    {
        var (result, leaves) = Build(n.Op, n.InputArray);
        var bindings = new Dictionary<string, Tensor>();
        for (int i = 0; i < leaves.Length; i++) bindings[leaves[i].Name!] = values[i];
        // The batch size: from the output's batch axis, else from an input's (the forward may read the batch size
        // without reaching that input).
        int? batch = BatchAxis(n.Shape, outShape);
        for (int i = 0; i < leaves.Length && batch is null; i++) batch = BatchAxis(n.InputArray[i].Shape, values[i].Shape);
        if (batch is null && Topo.Reachable(new[] { result }).Any(x => x.Op == Op.BatchSize))
            throw new InvalidOperationException($"Custom op \"{n.Op.Name}\" reads the batch size, but neither its inputs nor its output have the batch axis to take it from.");
        return Interpreter.Evaluate(new[] { result }, bindings, DType.F64, batch)[result];
    }

    private static int? BatchAxis(Shape symbolic, int[] concrete)
    {
        for (int i = 0; i < symbolic.Rank; i++) if (symbolic[i] == Ir.Shape.Batch) return concrete[i];
        return null;
    }

    /// <summary>The reverse-mode rule of an op defined without one: the VJP of its forward.</summary>
    public static Node?[] DerivedVjp(Node y, Node g)
    {
        var scratch = new Graph(y.Graph.DefaultType);
        var (result, leaves) = Build(y.Op, y.InputArray, scratch);
        var seed = scratch.Input(SeedName, g.Shape, g.DType);
        var reached = Topo.Reachable(new[] { result });
        var wrt = leaves.Where(l => l.DType != DType.I32 && reached.Contains(l)).ToArray();
        var parts = new Node?[leaves.Length];
        if (wrt.Length == 0) return parts;
        var grads = Autodiff.Vjp(new[] { result }, new[] { seed }, wrt);
        var map = LeafMap(leaves, y.InputArray);
        map[seed] = g;
        var copied = Copy(y.Op, grads, map, y.Graph);
        for (int k = 0; k < wrt.Length; k++) parts[Array.IndexOf(leaves, wrt[k])] = copied[k];
        return parts;
    }

    /// <summary>The forward-mode rule of an op defined without one: the JVP of its forward.</summary>
    public static Node? DerivedJvp(Node y, Node?[] tangents)
    {
        var scratch = new Graph(y.Graph.DefaultType);
        var (result, leaves) = Build(y.Op, y.InputArray, scratch);
        var reached = Topo.Reachable(new[] { result });
        var map = LeafMap(leaves, y.InputArray);
        var wrt = new List<Node>();
        var seeds = new List<Node>();
        for (int i = 0; i < leaves.Length; i++)
        {
            if (tangents[i] is not { } t || !reached.Contains(leaves[i])) continue;
            var leaf = scratch.Input(TangentPrefix + i, t.Shape, t.DType);
            wrt.Add(leaves[i]); seeds.Add(leaf); map[leaf] = t;
        }
        if (wrt.Count == 0) return null;
        var tangent = Autodiff.Jvp(new[] { result }, wrt, seeds)[0];
        return Copy(y.Op, new[] { tangent }, map, y.Graph)[0];
    }

    /// <summary>See <see cref="Op.Inline"/>.</summary>
    public static Function Inline(Function f)
    {
        for (int level = 0; ; level++)
        {
            var nodes = Topo.Reachable(f.Roots);
            if (!nodes.Any(n => n.Op.IsCustom)) return f;
            if (level == MaxDepth)
                throw new InvalidOperationException($"Custom ops nested more than {MaxDepth} deep (\"{nodes.First(n => n.Op.IsCustom).Op.Name}\").");
            var map = new Dictionary<Node, Node>();
            foreach (var n in nodes)
            {
                if (n.IsLeaf) { map[n] = n; continue; }
                var inputs = n.InputArray.Select(i => map[i]).ToArray();
                if (n.Op.IsCustom)
                {
                    var (result, leaves) = Build(n.Op, inputs);
                    map[n] = Copy(n.Op, new[] { result }, LeafMap(leaves, inputs), f.Graph)[0];
                }
                else map[n] = SameNodes(inputs, n.InputArray) ? n : f.Graph.Make(n.Op, n.Attrs, inputs);
            }
            f = new Function(f.Graph, f.Outputs.Select(o => new Named(o.Name, map[o.Node])), f.Updates.Select(u => new Named(u.Name, map[u.Node])));
        }
    }

    private static Dictionary<Node, Node> LeafMap(Node[] leaves, IReadOnlyList<Node> inputs)
    {
        var map = new Dictionary<Node, Node>();
        for (int i = 0; i < leaves.Length; i++) map[leaves[i]] = inputs[i];
        return map;
    }

    // Copies the nodes reachable from `roots` into `target`, leaves through `map` (constants and the batch size are
    // remade there). Custom nodes are copied as custom nodes.
    private static Node[] Copy(Op op, IReadOnlyList<Node> roots, Dictionary<Node, Node> map, Graph target)
    {
        foreach (var n in Topo.Reachable(roots))
        {
            if (map.ContainsKey(n)) continue;
            if (n.Op == Op.Const)
                map[n] = n.Attrs.Data is { } data ? target.Const(data, n.Shape, n.DType) : target.Const(n.Attrs.Value, n.DType);
            else if (n.Op == Op.BatchSize) map[n] = target.BatchSize(n.DType);
            else if (n.IsLeaf) throw new InvalidOperationException($"Custom op \"{op.Name}\": {n.Describe()} is not one of its inputs.");
            else map[n] = target.Make(n.Op, n.Attrs, n.InputArray.Select(i => map[i]).ToArray());
        }
        return roots.Select(r => map[r]).ToArray();
    }

    private static string Describe(IReadOnlyList<Node> inputs) =>
        "(" + string.Join(", ", inputs.Select(i => i.DType.ShortName() + i.Shape)) + ")";
}
