using System;

namespace Nabla.Ir;

// User-defined elementwise ops run by the user's own C# method: opaque to the rewrites, fused into loops by the scheduler.
public sealed partial class Op
{
    private bool _scalarOnly;

    /// <summary>
    /// For an op made by <c>Op.DefineElementwise</c>: the C# name of the public static method group the compiled code
    /// calls, namespace- and type-qualified (<c>MyApp.Kernels.Swish</c>; a nested type's name is written with dots, as in
    /// C#). Null for every other op.
    /// </summary>
    public string? KernelMethod { get; private set; }

    /// <summary>True for an op made by <c>Op.DefineElementwise</c>: an elementwise op computed by <see cref="KernelMethod"/>.</summary>
    public bool IsKernel => KernelMethod is not null;

    /// <summary>
    /// True when the compiled code may run the op on <c>Vector128&lt;T&gt;</c>/<c>Vector256&lt;T&gt;</c> as well as on
    /// scalars: every built-in op, and a kernel op defined with <c>vectorized: true</c>. A loop or reduction whose body
    /// holds an op that is not vectorized runs scalar only (<c>Planner</c> gives it no vector widths).
    /// </summary>
    public bool IsVectorized => !_scalarOnly;

    /// <summary>
    /// Defines an elementwise op of one input computed by the user's C# method <paramref name="kernel"/>. See
    /// <see cref="DefineElementwise(string, Func{double, double, double}, string, Func{Node, Node, Node?[]}, Func{Node, Node?[], Node?}?, bool)"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// public static class Kernels
    /// {
    ///     public static float Swish(float x) =&gt; x / (1f + MathF.Exp(-x));
    ///     public static double Swish(double x) =&gt; x / (1.0 + Math.Exp(-x));
    /// }
    ///
    /// var swish = Op.DefineElementwise("swish", x =&gt; x / (1 + Math.Exp(-x)), "MyApp.Kernels.Swish",
    ///     vjp: (y, g) =&gt; new[] { g * (F.Sigmoid(y.A) + y * (1.0 - F.Sigmoid(y.A))) });
    /// Node h = swish.Call(z);
    /// </code>
    /// </example>
    public static Op DefineElementwise(string name, Func<double, double> reference, string kernel, Func<Node, Node, Node?[]> vjp,
        Func<Node, Node?[], Node?>? jvp = null, bool vectorized = false)
    {
        if (reference is null) throw new ArgumentNullException(nameof(reference), $"Kernel op \"{name}\" needs its float64 reference function.");
        return Kernel(new Op(name, OpKind.Elementwise, 1, $"kernel op {name} ({kernel})", reference, null), kernel, vjp, jvp, vectorized);
    }

    /// <summary>
    /// Defines an elementwise op (with NumPy broadcasting) computed by the user's C# method: the compiled code calls
    /// <c>global::{kernel}(a, b)</c> for every element, fused into the loops of the built-in elementwise ops around it.
    /// </summary>
    /// <param name="name">The printed name: letters, digits, <c>_</c> and <c>.</c>, not a built-in op's.</param>
    /// <param name="reference">
    /// The op's meaning in float64: what the interpreter (and so <c>GradCheck</c>) computes, and what the kernel is checked
    /// against. Constant folding does not use it: an op of constants stays an op, so compiled code runs the kernel (only the
    /// opt-in inference pass <c>FoldAffine</c>, which evaluates static subgraphs with the interpreter, uses the reference there).
    /// </param>
    /// <param name="kernel">
    /// The C# name of a public static method group of a public type (<c>MyApp.Kernels.Swish</c>) with a <c>float</c> and a
    /// <c>double</c> overload (each taking and returning that type), and when <paramref name="vectorized"/> also overloads
    /// for <c>Vector128&lt;float&gt;</c>, <c>Vector128&lt;double&gt;</c>, <c>Vector256&lt;float&gt;</c> and
    /// <c>Vector256&lt;double&gt;</c> (or generic <c>Vector128&lt;T&gt;</c>/<c>Vector256&lt;T&gt;</c> ones). The backends
    /// find it among the loaded assemblies and say so, naming the op and the method, when it or an overload is missing.
    /// </param>
    /// <param name="vjp">
    /// The reverse-mode rule in IR ops (required: there is no IR forward to differentiate): for <c>y = op(a, b)</c> and the
    /// adjoint <c>g</c>, each input's contribution shaped like y (or null where it is zero).
    /// </param>
    /// <param name="jvp">
    /// The forward-mode rule, or null to derive it from <paramref name="vjp"/>: an elementwise op's Jacobian is diagonal,
    /// so its tangent is Σᵢ vjpᵢ(y, tᵢ) (each input's tangent broadcast to y's shape and passed as the adjoint).
    /// </param>
    /// <param name="vectorized">
    /// True when the method has the vector overloads, so loops run it in vector bodies with scalar tails; false (the
    /// default) makes every loop or reduction holding the op scalar-only.
    /// </param>
    /// <remarks>
    /// Unlike <c>Op.Define</c>, the op stays an op: its <see cref="Kind"/> is <see cref="OpKind.Elementwise"/>, its shape the
    /// broadcast of its inputs, it is hash-consed by identity, no rewrite knows anything about it (no facts, no algebra, no
    /// folding), and the scheduler fuses it into elementwise loops and reduction prologues. The compiled code (Roslyn, the
    /// expression backend, the source generator's output) calls the user's method directly.
    /// </remarks>
    /// <exception cref="ArgumentException">The name is not a valid custom op name or is a built-in op's; <paramref name="kernel"/> is not a qualified C# name.</exception>
    public static Op DefineElementwise(string name, Func<double, double, double> reference, string kernel, Func<Node, Node, Node?[]> vjp,
        Func<Node, Node?[], Node?>? jvp = null, bool vectorized = false)
    {
        if (reference is null) throw new ArgumentNullException(nameof(reference), $"Kernel op \"{name}\" needs its float64 reference function.");
        return Kernel(new Op(name, OpKind.Elementwise, 2, $"kernel op {name} ({kernel})", null, reference), kernel, vjp, jvp, vectorized);
    }

    private static Op Kernel(Op op, string kernel, Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?>? jvp, bool vectorized)
    {
        CheckCustomName(op.Name);
        CheckKernelName(op.Name, kernel);
        if (vjp is null)
            throw new ArgumentNullException(nameof(vjp), $"Kernel op \"{op.Name}\" needs a VJP: its forward is C# code, which autodiff cannot differentiate.");
        op.ShapeRule = ShapeRules.Elementwise;
        op.Reference = Interpreter.ElementwiseKernel;
        op.KernelMethod = kernel;
        op._scalarOnly = !vectorized;
        op.Vjp = Checked(op, vjp);
        op.Jvp = jvp is null ? DiagonalJvp(op.Vjp) : Checked(op, jvp);
        return op;
    }

    // An elementwise op's Jacobian is diagonal: J·t = Σᵢ ∂y/∂xᵢ ⊙ tᵢ, and the VJP with tᵢ (broadcast to y) as the adjoint
    // gives exactly the i-th term (only the VJP's i-th contribution is used).
    private static Func<Node, Node?[], Node?> DiagonalJvp(Func<Node, Node, Node?[]> vjp) => (y, tangents) =>
    {
        Node? sum = null;
        for (int i = 0; i < tangents.Length; i++)
        {
            if (tangents[i] is not { } t) continue;
            var seed = t.Shape.Equals(y.Shape) ? t : F.BroadcastTo(t, y.Shape);
            if (vjp(y, seed)[i] is not { } term) continue;
            // A contribution summed down to a broadcast input's shape has lost the per-element terms the tangent needs.
            if (!term.Shape.Equals(y.Shape))
                throw new ShapeException($"Kernel op \"{y.Op.Name}\": its VJP gives input {i} ({y.InputArray[i].Describe()}) the contribution {term.Describe()}, not shaped like the output {y.Describe()}, so its JVP cannot be derived from it; return output-shaped contributions (autodiff sums them to the input) or give the op a jvp.");
            sum = sum is null ? term : sum + term;
        }
        return sum;
    };

    private static void CheckKernelName(string name, string kernel)
    {
        if (string.IsNullOrEmpty(kernel))
            throw new ArgumentException($"Kernel op \"{name}\" needs the name of its C# method (e.g. \"MyApp.Kernels.Swish\").", nameof(kernel));
        var parts = kernel.Split('.');
        bool valid = parts.Length >= 2;
        foreach (var p in parts)
        {
            if (p.Length == 0 || !(char.IsLetter(p[0]) || p[0] == '_')) { valid = false; break; }
            foreach (var c in p) if (!(char.IsLetterOrDigit(c) || c == '_')) valid = false;
        }
        if (!valid)
            throw new ArgumentException($"Kernel op \"{name}\": \"{kernel}\" is not a type-qualified C# method name such as \"MyApp.Kernels.Swish\".", nameof(kernel));
    }
}
