using System;
using System.Collections.Generic;
using System.Linq;

namespace Nabla.Ir;

// User-defined ops: an op given by its forward in IR ops, with its own derivative rules where the user has them.
public sealed partial class Op
{
    private Func<Node[], Node>? _forward;

    /// <summary>
    /// The forward of a custom op (<see cref="Define(string, int, Func{Node[], Node}, Func{Node, Node, Node?[]}?, Func{Node, Node?[], Node?}?)"/>):
    /// builds the op's value from its inputs in IR ops. Null for the built-in ops.
    /// </summary>
    public Func<Node[], Node>? Forward => _forward;

    /// <summary>True for an op made by <c>Op.Define</c> (<see cref="OpKind.Composite"/>).</summary>
    public bool IsCustom => _forward is not null;

    /// <summary>True when the custom op was given its own reverse-mode rule (otherwise <see cref="Vjp"/> differentiates <see cref="Forward"/>).</summary>
    public bool HasOwnVjp { get; private set; }

    /// <summary>True when the custom op was given its own forward-mode rule (otherwise <see cref="Jvp"/> differentiates <see cref="Forward"/>).</summary>
    public bool HasOwnJvp { get; private set; }

    /// <summary>Defines a custom op of one input. See <see cref="Define(string, int, Func{Node[], Node}, Func{Node, Node, Node?[]}?, Func{Node, Node?[], Node?}?)"/>.</summary>
    /// <example>
    /// A softplus that never overflows, with its derivative written by hand:
    /// <code>
    /// var softplus = Op.Define("stable_softplus", x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
    ///     vjp: (y, g) => new[] { g * F.Sigmoid(y.A) });
    /// Node h = softplus.Call(z);
    /// </code>
    /// </example>
    public static Op Define(string name, Func<Node, Node> forward, Func<Node, Node, Node?[]>? vjp = null, Func<Node, Node?[], Node?>? jvp = null)
    {
        if (forward is null) throw new ArgumentNullException(nameof(forward), $"Custom op \"{name}\" needs a forward function.");
        return Define(name, 1, xs => forward(xs[0]), vjp, jvp);
    }

    /// <summary>Defines a custom op of two inputs. See <see cref="Define(string, int, Func{Node[], Node}, Func{Node, Node, Node?[]}?, Func{Node, Node?[], Node?}?)"/>.</summary>
    public static Op Define(string name, Func<Node, Node, Node> forward, Func<Node, Node, Node?[]>? vjp = null, Func<Node, Node?[], Node?>? jvp = null)
    {
        if (forward is null) throw new ArgumentNullException(nameof(forward), $"Custom op \"{name}\" needs a forward function.");
        return Define(name, 2, xs => forward(xs[0], xs[1]), vjp, jvp);
    }

    /// <summary>
    /// Defines a custom op of <paramref name="arity"/> inputs. <paramref name="forward"/> builds its value from its inputs
    /// in IR ops (<see cref="F"/>, operators on <see cref="Node"/>; it may use any op, custom ones included, but no
    /// inputs or parameters of its own). <paramref name="vjp"/> is its reverse-mode rule: for <c>y = op(a, b, …)</c> and
    /// the adjoint <c>g</c> (shaped like y), each input's contribution, or null where it is zero (read the inputs as
    /// <c>y.A</c>, <c>y.B</c>, <c>y.Inputs[i]</c>, and y itself). <paramref name="jvp"/> is its forward-mode rule: y's
    /// tangent from the inputs' tangents (null where an input has none). A rule that is not given is derived by
    /// differentiating <paramref name="forward"/>, so an op with both rules omitted has exactly the derivatives of its
    /// forward. Rules are written in IR ops, so their results can be differentiated again.
    /// </summary>
    /// <remarks>
    /// A derived rule follows the conventions of the ops the forward is written with at their kinks (relu′(0) = 0,
    /// abs′(0) = 0): a smooth function written with kinking ops, such as softplus as relu(x) + log1p(e^−|x|), gets
    /// derivative 0 at x = 0 from a derived rule, not ½. Give both rules for such an op (GradCheck's JVP-vs-VJP check
    /// finds the difference).
    /// </remarks>
    /// <remarks>
    /// The op has a shape (and element type) wherever its forward does, is hash-consed like any op, and the interpreter
    /// evaluates it by its forward. Autodiff applies its rules; then, before the graph passes, the pipeline replaces
    /// every custom node by its forward (<see cref="Inline"/>), so the rewrites, both backends, the source generator and
    /// ahead-of-time models see only built-in ops and need nothing of the definition at run time. A rule that differs
    /// from the forward's true derivative (a straight-through estimator, a clipped gradient) is kept as written: that is
    /// what the rules are for, and what <c>Nabla.Testing.GradCheck</c> reports.
    /// </remarks>
    /// <exception cref="ArgumentException">The name is empty, not of letters, digits, <c>_</c> and <c>.</c>, or names a built-in op; the arity is below 1.</exception>
    public static Op Define(string name, int arity, Func<Node[], Node> forward, Func<Node, Node, Node?[]>? vjp = null, Func<Node, Node?[], Node?>? jvp = null)
    {
        CheckCustomName(name);
        if (arity < 1) throw new ArgumentException($"Custom op \"{name}\" must take at least one input (arity {arity}).", nameof(arity));
        if (forward is null) throw new ArgumentNullException(nameof(forward), $"Custom op \"{name}\" needs a forward function.");
        var op = new Op(name, OpKind.Composite, arity, "custom op " + name) { _forward = forward, HasOwnVjp = vjp is not null, HasOwnJvp = jvp is not null };
        op.ShapeRule = (o, _, inputs) => Expansion.Shape(o, inputs);
        op.TypeRule = (_, inputs) => Expansion.Type(op, inputs);
        op.Reference = Expansion.Reference;
        op.Vjp = vjp is null ? Expansion.DerivedVjp : Checked(op, vjp);
        op.Jvp = jvp is null ? Expansion.DerivedJvp : Checked(op, jvp);
        return op;
    }

    /// <summary>The node <c>this(x)</c>: see <see cref="Call(Node[])"/>. As a method group it is a <c>Func&lt;Node, Node&gt;</c> (<c>Module.Lambda("Softplus", softplus.Call)</c>).</summary>
    public Node Call(Node x) => Call(new[] { x });

    /// <summary>The node <c>this(a, b)</c>: see <see cref="Call(Node[])"/>.</summary>
    public Node Call(Node a, Node b) => Call(new[] { a, b });

    /// <summary>
    /// The node <c>this(inputs)</c> in the inputs' graph: for a custom op or any built-in op that takes no attributes
    /// (<c>F</c> has a builder for every built-in op, with its attributes).
    /// </summary>
    /// <exception cref="ArgumentException">No inputs, or the op is a leaf or takes attributes.</exception>
    /// <exception cref="ShapeException">The inputs' shapes or types do not fit the op (for a custom op: its forward).</exception>
    public Node Call(params Node[] inputs)
    {
        if (inputs is null || inputs.Length == 0) throw new ArgumentException($"{Name} needs at least one input.", nameof(inputs));
        if (Kind == OpKind.Leaf || AttrsType != typeof(Attrs))
            throw new ArgumentException($"{Name} takes {(Kind == OpKind.Leaf ? "no inputs (it is a leaf)" : AttrsType.Name)}; build it with its F function.");
        if (inputs[0] is null) throw new ArgumentNullException(nameof(inputs), $"{Name}: an input is null.");
        if (!IsVariadic && inputs.Length != Arity) throw new ArgumentException($"{Name} takes {Arity} input(s), got {inputs.Length}.", nameof(inputs));
        return inputs[0].Graph.Make(this, Attrs.None, inputs);
    }

    /// <summary>
    /// <paramref name="f"/> with every custom op replaced by its forward (recursively, for custom ops built of custom
    /// ops): the same values in built-in ops only. Returns <paramref name="f"/> itself when it has no custom op.
    /// </summary>
    public static Function Inline(Function f) => Expansion.Inline(f);

    // The user's VJP must give one entry per input, each shaped like its input or (broadcast) like the output; say so naming
    // the op rather than fail inside autodiff or sum a contribution larger than the output into wrong numbers.
    private static Func<Node, Node, Node?[]> Checked(Op op, Func<Node, Node, Node?[]> vjp) => (y, g) =>
    {
        var parts = vjp(y, g) ?? throw new InvalidOperationException($"The VJP of {KindName(op)} op \"{op.Name}\" returned null; return one entry per input (null for a zero contribution).");
        if (parts.Length != y.Inputs.Count)
            throw new InvalidOperationException($"The VJP of {KindName(op)} op \"{op.Name}\" returned {parts.Length} contribution(s) for {y.Inputs.Count} input(s).");
        var fitted = new Node?[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i] is not { } p) continue;
            var x = y.InputArray[i];
            if (!ReferenceEquals(p.Graph, y.Graph))
                throw new ArgumentException($"The VJP of {KindName(op)} op \"{op.Name}\" gives input {i} a contribution from another graph ({p.Describe()}).");
            if (p.DType != x.DType)
                throw new ShapeException($"The VJP of {KindName(op)} op \"{op.Name}\" gives input {i} ({x.Describe()}) a contribution of type {p.DType.ShortName()} ({p.Describe()}).");
            // Autodiff sums a contribution down to its input's shape; one smaller than the input (a scalar) is broadcast up.
            fitted[i] = p.Shape.Equals(x.Shape) || (x.Shape.BroadcastsTo(p.Shape) && p.Shape.BroadcastsTo(y.Shape)) ? p
                : p.Shape.BroadcastsTo(x.Shape) ? F.BroadcastTo(p, x.Shape)
                : throw new ShapeException($"The VJP of {KindName(op)} op \"{op.Name}\" gives input {i} ({x.Describe()}) a contribution {p.Describe()} that does not fit its shape.");
        }
        return fitted;
    };

    // The user's JVP gives y's tangent: in y's graph, of y's type, broadcasting to y's shape.
    private static Func<Node, Node?[], Node?> Checked(Op op, Func<Node, Node?[], Node?> jvp) => (y, tangents) =>
    {
        if (jvp(y, tangents) is not { } t) return null;
        if (!ReferenceEquals(t.Graph, y.Graph))
            throw new ArgumentException($"The JVP of {KindName(op)} op \"{op.Name}\" returned a tangent from another graph ({t.Describe()}).");
        if (t.DType != y.DType || !t.Shape.BroadcastsTo(y.Shape))
            throw new ShapeException($"The JVP of {KindName(op)} op \"{op.Name}\" returned the tangent {t.Describe()} for the output {y.Describe()}; it must have the output's type and broadcast to its shape.");
        return t;
    };

    private static string KindName(Op op) => op.IsKernel ? "kernel" : "custom";

    private static void CheckCustomName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A custom op needs a non-empty name.", nameof(name));
        foreach (var c in name)
            if (!(c is >= 'a' and <= 'z' || c is >= 'A' and <= 'Z' || c is >= '0' and <= '9' || c == '_' || c == '.'))
                throw new ArgumentException($"Custom op name \"{name}\" has the character '{c}'; use letters, digits, '_' and '.'.", nameof(name));
        if (ByName(name) is not null) throw new ArgumentException($"\"{name}\" is a built-in op; give the custom op another name.", nameof(name));
    }
}
