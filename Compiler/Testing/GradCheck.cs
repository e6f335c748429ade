using System;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Testing;

/// <summary>
/// Property-based gradient checks. Each entry point draws random cases with FsCheck — shapes (for elementwise ops,
/// rank 0–3 broadcast-compatible operands, sometimes with the symbolic batch bound to 1–4), values in a domain with a
/// fraction placed exactly on kink points, random projections u and v — and verifies on each:
/// <list type="number">
/// <item>the VJP (<see cref="Autodiff.Grad(Node, System.Collections.Generic.IReadOnlyList{Node})"/>, float64 interpreter)
/// against central finite differences of sum(u·f(x)) (Theano's verify_grad; none within a step of a kink),</item>
/// <item>the JVP against the VJP: ⟨u, J v⟩ = ⟨Jᵀu, v⟩ (kinks included),</item>
/// <item>the Expressions and Roslyn backends and the optimized graph against the interpreter, on the value and every
/// derivative (the first <see cref="GradCheckOptions.BackendCases"/> cases).</item>
/// </list>
/// On failure FsCheck shrinks the case (batch toward 1, shapes toward rank 0 and size 1, u and v toward ones, values
/// toward 0 and short numbers; a candidate must fail the same check as the first failure), and the
/// <see cref="GradCheckResult"/> holds the smallest failing case found. Nothing here
/// needs a test framework: call <see cref="GradCheckResult.ThrowIfFailed"/> (or one of the <c>Assert…</c> methods) from
/// xunit or NUnit, or print the result from a console.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Checks <paramref name="op"/> — built-in or custom (<c>Op.Define</c>) — on random inputs. An elementwise op, or a
    /// custom op given no <paramref name="inputShapes"/> (it is then taken to be elementwise), gets generated
    /// broadcast-compatible shapes; any other op needs <paramref name="inputShapes"/> (and <paramref name="attrs"/> when
    /// it has attributes) — or use <see cref="Function(Func{Node[], Node}, Shape[])"/> with a builder.
    /// </summary>
    /// <exception cref="ArgumentException">The op needs shapes or attributes that were not given.</exception>
    public static GradCheckResult Op(Op op, GradCheckOptions? options = null, Attrs? attrs = null, params Shape[] inputShapes)
    {
        if (op is null) throw new ArgumentNullException(nameof(op));
        if (op.Kind == OpKind.Leaf) throw new ArgumentException($"GradCheck.Op: {op.Name} is a leaf; there is nothing to differentiate.");
        var a = attrs ?? Attrs.None;
        if (a == Attrs.None && op.AttrsType != typeof(Attrs))
            throw new ArgumentException($"GradCheck.Op: {op.Name} takes {op.AttrsType.Name}; pass them as attrs, or use GradCheck.Function with a builder (e.g. xs => F.Sum(xs[0], 1)).");
        bool generated = inputShapes is null || inputShapes.Length == 0;
        if (generated && (!(op.Kind == OpKind.Elementwise || op.IsCustom) || op.IsVariadic))
            throw new ArgumentException($"GradCheck.Op: {op.Name} is not elementwise ({op.Kind}); give its input shapes, e.g. GradCheck.Op(op, options, attrs, Shape.Of(Shape.Batch, 3)).");
        int arity = generated ? op.Arity : inputShapes!.Length;
        return Engine.Run(new FunctionSubject("op " + op.Name, xs => xs[0].Graph.Make(op, a, xs), generated ? null : inputShapes, arity), options);
    }

    /// <summary>Checks <paramref name="op"/> with the default options (see <see cref="Op(Nabla.Ir.Op, GradCheckOptions?, Attrs?, Shape[])"/>).</summary>
    public static GradCheckResult Op(Op op) => Op(op, null, null);

    /// <summary>
    /// Checks the function <paramref name="build"/> makes of input nodes of <paramref name="inputShapes"/> (which may contain
    /// <see cref="Shape.Batch"/>): the most general form — any op with any attributes, a composition, a custom op's call.
    /// </summary>
    public static GradCheckResult Function(Func<Node[], Node> build, params Shape[] inputShapes) => Function(build, null, inputShapes);

    /// <summary>As <see cref="Function(Func{Node[], Node}, Shape[])"/>, with options; the report calls it <paramref name="name"/> when given.</summary>
    public static GradCheckResult Function(Func<Node[], Node> build, GradCheckOptions? options, Shape[] inputShapes, string? name = null)
    {
        if (build is null) throw new ArgumentNullException(nameof(build));
        if (inputShapes is null || inputShapes.Length == 0) throw new ArgumentException("GradCheck.Function needs at least one input shape.", nameof(inputShapes));
        return Engine.Run(new FunctionSubject(name ?? "function of " + string.Join(", ", inputShapes.Select(s => s.ToString())), build, inputShapes, inputShapes.Length), options);
    }

    /// <summary>
    /// Checks an elementwise function of <paramref name="arity"/> inputs on generated broadcast-compatible shapes (as
    /// <see cref="Op(Nabla.Ir.Op)"/> does for an elementwise op), e.g. a custom op: <c>GradCheck.Elementwise(xs => myOp.Call(xs), 1)</c>.
    /// </summary>
    public static GradCheckResult Elementwise(Func<Node[], Node> build, int arity, GradCheckOptions? options = null, string? name = null)
    {
        if (build is null) throw new ArgumentNullException(nameof(build));
        if (arity < 1) throw new ArgumentOutOfRangeException(nameof(arity), arity, "An elementwise function takes at least one input.");
        return Engine.Run(new FunctionSubject(name ?? $"elementwise function of {arity} input(s)", build, null, arity), options);
    }

    /// <summary>
    /// Checks <paramref name="module"/> on inputs of <paramref name="inputShape"/> (e.g. [B, 3]): the gradient of a random
    /// projection sum(u·module(x)) with respect to the input and every trainable parameter (eval mode; parameters at
    /// their initial values drawn from <paramref name="seed"/>).
    /// </summary>
    public static GradCheckResult Module(Module module, Shape inputShape, GradCheckOptions? options = null, long seed = 0)
    {
        if (module is null) throw new ArgumentNullException(nameof(module));
        if (inputShape is null) throw new ArgumentNullException(nameof(inputShape));
        return Engine.Run(new ModuleSubject(module, inputShape, seed), options);
    }

    /// <summary>
    /// Checks <paramref name="loss"/>'s gradient with respect to a prediction of <paramref name="predictionShape"/>
    /// (e.g. [B, 4]) against targets of the loss's target shape, drawn per case as <see cref="GradCheckOptions.Targets"/>
    /// says (class indices for an integer target by default; give <see cref="TargetKind.Probabilities"/> or
    /// <see cref="TargetKind.Binary"/> where the loss needs them).
    /// </summary>
    public static GradCheckResult Loss(Loss loss, Shape predictionShape, GradCheckOptions? options = null, Reduction reduction = Reduction.Mean)
    {
        if (loss is null) throw new ArgumentNullException(nameof(loss));
        if (predictionShape is null) throw new ArgumentNullException(nameof(predictionShape));
        return Engine.Run(new LossSubject(loss, predictionShape, reduction), options);
    }

    /// <summary>
    /// Checks the gradients a training step of <paramref name="model"/> with <paramref name="setup"/> uses: those of the
    /// training objective (train mode, dropout off, every loss term and regularizer) with respect to every trainable
    /// parameter, at the model's current parameters, on generated inputs and targets.
    /// </summary>
    public static GradCheckResult Network(Model model, TrainingSetup setup, GradCheckOptions? options = null)
    {
        if (model is null) throw new ArgumentNullException(nameof(model));
        if (setup is null) throw new ArgumentNullException(nameof(setup));
        return Engine.Run(new NetworkSubject(model, setup), options);
    }

    /// <summary>Checks <paramref name="op"/> and throws a <see cref="GradCheckException"/> carrying the report when it fails.</summary>
    public static void AssertOp(Op op, GradCheckOptions? options = null, Attrs? attrs = null, params Shape[] inputShapes) =>
        Op(op, options, attrs, inputShapes).ThrowIfFailed();

    /// <summary>Checks a function and throws a <see cref="GradCheckException"/> carrying the report when it fails.</summary>
    public static void AssertFunction(Func<Node[], Node> build, params Shape[] inputShapes) => Function(build, inputShapes).ThrowIfFailed();
}
