using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A fused elementwise loop over [rows, cols]: for each row, a vector loop per width of the kernel's
    /// <see cref="LoopPlan"/> in order (e.g. Vector256, then Vector128 for its tail and for machines with 128-bit vectors
    /// only), each behind its <c>IsHardwareAccelerated</c> check, then a scalar loop (the tail, and the path when vectors
    /// are off). A flat loop (rows = 1) has no row loop.
    /// </summary>
    private void Loop(CodeWriter w, ElementwiseKernel k)
    {
        using (w.Block())
        {
            DeclareRefs(w, k.Inputs, k.Outputs);
            bool flat = k.Rows == new Dim(1);
            if (flat)
            {
                w.Line($"int n = {Names.Size(k.Cols)}, i = 0;");
                for (int i = 0; i < k.Inputs.Count; i++)
                    if (k.Inputs[i].Access == Access.Col) w.Line($"{T} col{i} = in{i};");
                LoopBody(w, k, "i", "i", "n");
                return;
            }
            w.Line($"int rows = {Names.Size(k.Rows)}, cols = {Names.Size(k.Cols)};");
            using (w.Block("for (int r = 0; r < rows; r++)"))
            {
                w.Line("int row = r * cols, c = 0;");
                for (int i = 0; i < k.Inputs.Count; i++)
                    if (k.Inputs[i].Access == Access.Col) w.Line($"{T} col{i} = Unsafe.Add(ref in{i}, r);");
                LoopBody(w, k, "row + c", "c", "cols");
            }
        }
    }

    /// <summary><c>ref float in0 = ref MemoryMarshal.GetArrayDataReference(x);</c> per input and output; scalars read once.</summary>
    private void DeclareRefs(CodeWriter w, IReadOnlyList<KernelInput> inputs, IReadOnlyList<Rewrites.Schedule.Buffer> outputs)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Access == Access.Scalar) w.Line($"{T} s{i} = {Arr(inputs[i].Buffer)}[0];");
            else w.Line($"ref {T} in{i} = ref MemoryMarshal.GetArrayDataReference({Arr(inputs[i].Buffer)});");
        }
        for (int o = 0; o < outputs.Count; o++)
            w.Line($"ref {T} out{o} = ref MemoryMarshal.GetArrayDataReference({Arr(outputs[o])});");
    }

    // The plan's loops over one row (or the flat range): index expressions for full and row-broadcast inputs.
    private void LoopBody(CodeWriter w, ElementwiseKernel k, string full, string col, string count)
    {
        string v = full == "i" ? "i" : "c";
        foreach (var width in k.Plan.Widths)
        {
            int bits = width.Bits, lanes = width.Lanes;
            using (w.Block($"if (vec && Vector{bits}.IsHardwareAccelerated)"))
            using (w.Block($"for (; {v} <= {count} - {lanes}; {v} += {lanes})"))
            {
                foreach (var line in RenderBody(k.Body, k.Inputs, bits, full, col)) w.Line(line);
                for (int o = 0; o < k.Body.Stores.Count; o++) w.Line($"t{k.Body.Stores[o]}.StoreUnsafe(ref out{o}, (nuint)({full}));");
            }
        }
        using (w.Block($"for (; {v} < {count}; {v}++)"))
        {
            foreach (var line in RenderBody(k.Body, k.Inputs, 0, full, col)) w.Line(line);
            for (int o = 0; o < k.Body.Stores.Count; o++) w.Line($"Unsafe.Add(ref out{o}, {full}) = t{k.Body.Stores[o]};");
        }
    }

    /// <summary>
    /// The body's instructions as <c>var tN = ...;</c> lines at a width (0 = scalar, 128, 256). Loads read element
    /// <paramref name="full"/> of full inputs and element <paramref name="col"/> of row-broadcast inputs; column-broadcast
    /// inputs read <c>colK</c> and scalar inputs <c>sK</c>, both hoisted out of the loop.
    /// </summary>
    private IEnumerable<string> RenderBody(FusedBody body, IReadOnlyList<KernelInput> inputs, int bits, string full, string col)
    {
        string vec = "Vector" + bits;
        string Splat(string scalar) => bits == 0 ? scalar : $"{vec}.Create({scalar})";
        for (int i = 0; i < body.Instrs.Count; i++)
        {
            var ins = body.Instrs[i];
            string rhs;
            switch (ins.Kind)
            {
                case InstrKind.Load:
                    var input = inputs[ins.Input];
                    rhs = input.Access switch
                    {
                        Access.Scalar => Splat("s" + ins.Input),
                        Access.Col => Splat("col" + ins.Input),
                        _ => bits == 0
                            ? $"Unsafe.Add(ref in{ins.Input}, {(input.Access == Access.Full ? full : col)})"
                            : $"{vec}.LoadUnsafe(ref in{ins.Input}, (nuint)({(input.Access == Access.Full ? full : col)}))",
                    };
                    break;
                case InstrKind.Const: rhs = Splat(Lit(ins.Value)); break;
                case InstrKind.Batch: rhs = Splat($"({T})batch"); break;
                default: rhs = Apply(ins.Op!, ins.Args.Select(a => "t" + a).ToArray()); break;
            }
            yield return $"var t{i} = {rhs};";
        }
    }

    /// <summary>
    /// An elementwise op on operands that are scalars or vectors alike, by the one rule both emitters follow (read from
    /// the op registry): <c>a op b</c> / <c>-a</c> for an <see cref="Op.Operator"/>, else <c>Emitted.{RuntimeFunction}(args)</c>,
    /// whose float, double, Vector128 and Vector256 overloads compute the same function; a kernel op
    /// (<c>Op.DefineElementwise</c>) is a call of the user's method, <c>global::{KernelMethod}(args)</c>, whose overloads
    /// the user wrote (vector ones only when the op is vectorized: otherwise the plan has no vector loop).
    /// </summary>
    internal static string Apply(Op op, string[] a)
    {
        if (op.KernelMethod is { } kernel) return $"global::{kernel}({string.Join(", ", a)})";
        if (op.Operator is { } symbol) return a.Length == 1 ? symbol + a[0] : $"{a[0]} {symbol} {a[1]}";
        if (op.RuntimeFunction is { } name) return $"Emitted.{name}({string.Join(", ", a)})";
        throw new System.NotSupportedException($"The C# emitter has no rule for the op {op.Name}: it is neither an operator nor a runtime function.");
    }
}
