using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Nabla.Ir;

namespace Nabla.Testing;

/// <summary>Which of the checks a case failed.</summary>
public enum GradCheckKind
{
    /// <summary>The VJP (reverse mode) against central finite differences of sum(u·f(x)).</summary>
    FiniteDifferences,
    /// <summary>The JVP (forward mode) against the VJP: ⟨u, J v⟩ = ⟨Jᵀu, v⟩.</summary>
    JvpVsVjp,
    /// <summary>A compiled backend (or the optimized graph) against the float64 interpreter, on the value or a derivative.</summary>
    Backend,
    /// <summary>Building or evaluating the function threw (a shape rule, a rule returning the wrong shape, a NaN…).</summary>
    Exception,
    /// <summary>
    /// No finite difference could be taken in any case (every element within a step of a kink point, or where the
    /// one-sided slopes disagree): the VJP was not checked, so the check does not pass.
    /// </summary>
    NothingCompared,
}

/// <summary>
/// One generated case: the symbolic shapes of the inputs, the batch size bound to <see cref="Shape.Batch"/>, the input
/// values and the projection. After a failure this is the shrunk counterexample.
/// </summary>
public sealed class GradCheckCase
{
    internal GradCheckCase(Shape[] shapes, int batch, Tensor[] inputs, bool simpleProjection, int seed, string[] names)
    {
        ShapeArray = shapes; Batch = batch; InputArray = inputs; SimpleProjection = simpleProjection; Seed = seed; NameArray = names;
    }

    internal readonly Shape[] ShapeArray;
    internal readonly string[] NameArray;
    internal readonly Tensor[] InputArray;

    /// <summary>The symbolic shapes of the inputs (may contain <see cref="Shape.Batch"/>).</summary>
    public IReadOnlyList<Shape> Shapes => ShapeArray;
    /// <summary>The batch size <see cref="Shape.Batch"/> is bound to.</summary>
    public int Batch { get; }
    /// <summary>The inputs' names in the graph and the report (<c>x0</c>, <c>x1</c>, … for ops and functions; <c>x</c> for a module, <c>prediction</c> for a loss).</summary>
    public IReadOnlyList<string> Names => NameArray;
    /// <summary>The input values (concrete shapes).</summary>
    public IReadOnlyList<Tensor> Inputs => InputArray;
    /// <summary>True when the projections u and v are all ones (shrinking tries this first); else drawn from <see cref="Seed"/>.</summary>
    public bool SimpleProjection { get; }
    /// <summary>The seed of the projections u, v (when not simple) and of generated targets.</summary>
    public int Seed { get; }

    /// <summary>The shapes, batch and values, one line per input.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, InputArray.Select((t, i) => $"{NameArray[i]}: {ShapeArray[i]} = {Report.Values(t)}")) +
        $"{Environment.NewLine}batch {Batch}";
}

/// <summary>The failure of a check: what failed, on which (shrunk) case, and where the largest error is.</summary>
public sealed class GradCheckFailure
{
    internal GradCheckFailure(GradCheckKind check, string message)
    {
        Check = check; Message = message;
    }

    /// <summary>Which check failed.</summary>
    public GradCheckKind Check { get; }
    /// <summary>For <see cref="GradCheckKind.Backend"/>: the backend and graph, e.g. <c>expressions (optimized)</c>; else null.</summary>
    public string? Backend { get; internal set; }
    /// <summary>One line saying what disagreed.</summary>
    public string Message { get; internal set; }
    /// <summary>The (shrunk) case.</summary>
    public GradCheckCase Case { get; internal set; } = null!;
    /// <summary>The variable whose derivative (or the output whose value) disagreed, e.g. <c>x0</c> or <c>layer.weight</c>; null for the JVP check.</summary>
    public string? Variable { get; internal set; }
    /// <summary>The flat index of the element with the largest error (−1 when there is none, as for the JVP check).</summary>
    public int Element { get; internal set; } = -1;
    /// <summary>The multi-index of <see cref="Element"/> in the variable's concrete shape.</summary>
    public IReadOnlyList<int> Index { get; internal set; } = Array.Empty<int>();
    /// <summary>The expected value at the largest error: the central difference, the VJP's ⟨Jᵀu, v⟩, or the interpreter's value.</summary>
    public double Expected { get; internal set; }
    /// <summary>The actual value there: the VJP, the JVP's ⟨u, J v⟩, or the compiled value.</summary>
    public double Actual { get; internal set; }
    /// <summary>The error at that element (the measure of the failed check).</summary>
    public double Error { get; internal set; }
    /// <summary>The expected tensor (central differences, or the interpreter's values), when there is one; skipped kink elements are NaN.</summary>
    public Tensor? ExpectedTensor { get; internal set; }
    /// <summary>The actual tensor (the VJP, or the compiled values), when there is one.</summary>
    public Tensor? ActualTensor { get; internal set; }
    /// <summary>The projection u of the output (sum(u·f(x)) is differentiated).</summary>
    public Tensor? Projection { get; internal set; }
    /// <summary>The generated targets of a loss or network check, by input name (empty otherwise).</summary>
    public IReadOnlyDictionary<string, Tensor> Targets { get; internal set; } = new Dictionary<string, Tensor>();
    /// <summary>The exception, for <see cref="GradCheckKind.Exception"/>.</summary>
    public Exception? Exception { get; internal set; }
}

/// <summary>Thrown by <see cref="GradCheckResult.ThrowIfFailed"/>; the message is the full report.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>An exception carrying <paramref name="result"/>.</summary>
    public GradCheckException(GradCheckResult result) : base(result?.ToString()) { Result = result!; }

    /// <summary>The failed result.</summary>
    public GradCheckResult Result { get; }
}

/// <summary>
/// The outcome of a gradient check. <see cref="ToString"/> is a readable multi-line report; on failure it shows the
/// shrunk counterexample, which check failed, the inputs, the expected and actual gradients, the element with the
/// largest error and the seed that replays the run.
/// </summary>
public sealed class GradCheckResult
{
    internal GradCheckResult(string subject, bool passed, int cases, int shrinks, ulong seed, GradCheckOptions options, GradCheckFailure? failure, int skippedAtKinks, int compared)
    {
        Subject = subject; Passed = passed; Cases = cases; Shrinks = shrinks; Seed = seed; Options = options; Failure = failure; SkippedAtKinks = skippedAtKinks; Compared = compared;
    }

    /// <summary>What was checked, e.g. <c>op softplus</c>.</summary>
    public string Subject { get; }
    /// <summary>True when every case passed every check.</summary>
    public bool Passed { get; }
    /// <summary>Cases tried (up to and including the first failure).</summary>
    public int Cases { get; }
    /// <summary>Shrink steps that kept the failure (0 when it passed).</summary>
    public int Shrinks { get; }
    /// <summary>The seed of the run (set <see cref="GradCheckOptions.Seed"/> to it to replay).</summary>
    public ulong Seed { get; }
    /// <summary>The options used.</summary>
    public GradCheckOptions Options { get; }
    /// <summary>The shrunk failure, or null when it passed.</summary>
    public GradCheckFailure? Failure { get; }
    /// <summary>
    /// Elements whose finite difference was skipped (over all passing cases): within a step of a kink point, or where the
    /// one-sided slopes disagree (a kink inside the function).
    /// </summary>
    public int SkippedAtKinks { get; }

    /// <summary>Elements whose VJP was compared with a finite difference (over all passing cases).</summary>
    public int Compared { get; }

    /// <summary>Throws a <see cref="GradCheckException"/> (whose message is this report) when the check failed.</summary>
    public GradCheckResult ThrowIfFailed()
    {
        if (!Passed) throw new GradCheckException(this);
        return this;
    }

    /// <summary>The report: one line when it passed; the shrunk counterexample when it failed.</summary>
    public override string ToString() => Report.Format(this);
}

internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Num(double v) => v.ToString("G10", Inv);

    /// <summary>Values as nested brackets (a scalar plain), at most 64 of them.</summary>
    public static string Values(Tensor t, string? nanAs = null)
    {
        string Num(double v) => nanAs is not null && double.IsNaN(v) ? nanAs : Report.Num(v);
        if (t.Rank == 0) return Num(t.Data[0]);
        var sb = new StringBuilder();
        int shown = 0;
        void Rec(int axis, int offset, int stride)
        {
            sb.Append('[');
            int inner = stride / t.Shape[axis];
            for (int i = 0; i < t.Shape[axis]; i++)
            {
                if (i > 0) sb.Append(", ");
                if (shown >= 64) { sb.Append('…'); break; }
                if (axis == t.Rank - 1) { sb.Append(Num(t.Data[offset + i])); shown++; }
                else Rec(axis + 1, offset + i * inner, inner);
            }
            sb.Append(']');
        }
        Rec(0, 0, t.Size);
        return sb.ToString();
    }

    public static string Index(IReadOnlyList<int> index) => "[" + string.Join(",", index) + "]";

    public static string Format(GradCheckResult r)
    {
        var o = r.Options;
        if (r.Passed)
            return $"GradCheck {r.Subject}: passed {r.Cases} cases (seed {r.Seed}; {r.Compared} finite differences compared, {r.SkippedAtKinks} skipped at kinks).";
        var f = r.Failure!;
        var c = f.Case;
        var nl = Environment.NewLine;
        var sb = new StringBuilder();
        sb.Append($"GradCheck {r.Subject}: FAILED after {r.Cases} case(s), shrunk {r.Shrinks} time(s) (seed {r.Seed}).").Append(nl);
        sb.Append("check:    ").Append(f.Check switch
        {
            GradCheckKind.FiniteDifferences => FormattableString.Invariant($"VJP vs central finite differences (h = {o.Step:G3}, tolerance {o.Tolerance:G3})"),
            GradCheckKind.JvpVsVjp => FormattableString.Invariant($"JVP vs VJP, <u, J v> = <J^T u, v> (tolerance {o.JvpTolerance:G3})"),
            GradCheckKind.Backend => FormattableString.Invariant($"backend {f.Backend} vs interpreter (float64, tolerance {o.BackendTolerance:G3})"),
            GradCheckKind.NothingCompared => FormattableString.Invariant($"VJP vs central finite differences (h = {o.Step:G3}): nothing compared"),
            _ => "building or evaluating the function",
        }).Append(nl);
        sb.Append("failure:  ").Append(f.Message).Append(nl);
        sb.Append("shapes:   ").Append(string.Join(", ", c.ShapeArray.Select((s, i) => $"{c.NameArray[i]}: {s}"))).Append($" (batch {c.Batch})").Append(nl);
        for (int i = 0; i < c.InputArray.Length; i++)
            sb.Append(i == 0 ? "inputs:   " : "          ").Append($"{c.NameArray[i]} = ").Append(Values(c.InputArray[i])).Append(nl);
        foreach (var kv in f.Targets) sb.Append("target:   ").Append($"{kv.Key} = ").Append(Values(kv.Value)).Append(nl);
        if (f.Projection is { } u) sb.Append("u:        ").Append(Values(u)).Append(c.SimpleProjection ? " (all ones)" : "").Append(nl);
        string what = f.Check == GradCheckKind.Backend ? (f.Variable ?? "") : "d/d" + f.Variable;
        string expLabel = f.Check switch { GradCheckKind.FiniteDifferences => "(finite differences)", GradCheckKind.Backend => "(interpreter)", _ => "" };
        string actLabel = f.Check switch { GradCheckKind.FiniteDifferences => "(VJP)", GradCheckKind.Backend => $"({f.Backend})", _ => "" };
        if (f.ExpectedTensor is { } e)
        {
            bool fd = f.Check == GradCheckKind.FiniteDifferences;
            sb.Append($"expected {expLabel}: {what} = ").Append(Values(e, fd ? "kink" : null));
            if (fd && e.Data.Any(double.IsNaN)) sb.Append(" (kink: at a kink point, not compared)");
            sb.Append(nl);
        }
        if (f.ActualTensor is { } a) sb.Append($"actual   {actLabel}: {what} = ").Append(Values(a)).Append(nl);
        if (f.Element >= 0)
            sb.Append($"largest error: {what}{Index(f.Index)} (element {f.Element}): expected {Num(f.Expected)}, actual {Num(f.Actual)}, error {f.Error.ToString("0.00E+0", Inv)}").Append(nl);
        else if (f.Check == GradCheckKind.JvpVsVjp)
            sb.Append($"<u, J v> by JVP = {Num(f.Actual)}, <J^T u, v> by VJP = {Num(f.Expected)}, error {f.Error.ToString("0.00E+0", Inv)}").Append(nl);
        if (f.Exception is { } ex) sb.Append("exception: ").Append(ex.GetType().Name).Append(": ").Append(ex.Message).Append(nl);
        sb.Append($"replay:   options with {{ Seed = {r.Seed} }}");
        return sb.ToString();
    }
}
