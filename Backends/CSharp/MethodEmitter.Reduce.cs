using System.Linq;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A reduction of a fused body over the middle axis of [outer, length, inner], scaled, printed from the kernel's
    /// <see cref="ReducePlan"/>: one branch per width of the plan (<c>if (vec &amp;&amp; Vector256.IsHardwareAccelerated) ...
    /// else if (vec &amp;&amp; Vector128...)</c>: the widest accelerated one runs), then the scalar path. The plan fixes the
    /// order of every operation, so results are reproducible and equal to the expression backend's at the same width.
    /// </summary>
    private void Reduce(CodeWriter w, ReduceKernel k)
    {
        if (k.IsColumnSum)
        {
            w.Line($"Emitted.SumColumns({Arr(k.Inputs[0].Buffer)}, {Names.Size(k.Outer)}, {Names.Size(k.Length)}, {Names.Size(k.Inner)}, {Arr(k.Output)});");
            return;
        }
        bool max = k.Op == ReduceOp.Max;
        string init = max ? $"{T}.NegativeInfinity" : Lit(0);
        string Combine(string acc, string v) => max ? $"{acc} = Emitted.Max({acc}, {v});" : $"{acc} += {v};";
        string result = k.Body.Stores[0] is var st ? "t" + st : "";
        bool unit = k.Scale.IsConstant && k.Scale.Constant == 1;
        string Scaled(string acc) => unit ? acc : $"{acc} * scale";
        bool contiguous = k.Plan.Layout == ReduceLayout.Contiguous;
        using (w.Block())
        {
            DeclareRefs(w, k.Inputs, new[] { k.Output });
            if (!unit) w.Line($"{T} scale = {Term(k.Scale)};");
            // inner is declared only where it is read (an unused local is a warning in the generator's output).
            w.Line($"int outer = {Names.Size(k.Outer)}, len = {Names.Size(k.Length)}{(contiguous ? "" : ", inner = " + Names.Size(k.Inner))};");
            using (w.Block("for (int o = 0; o < outer; o++)"))
            {
                if (contiguous)
                {
                    w.Line($"int row = o * len, l = 0;");
                    w.Line($"{T} acc = {init};");
                }
                else w.Line("int i = 0;");
                for (int n = 0; n < k.Plan.Widths.Count; n++)
                {
                    var width = k.Plan.Widths[n];
                    using (w.Block($"{(n == 0 ? "" : "else ")}if (vec && Vector{width.Bits}.IsHardwareAccelerated)"))
                    {
                        if (contiguous) ContiguousVectors(w, k, width, init, result, Combine, max);
                        else StridedVectors(w, k, width, init, result, Combine, Scaled);
                    }
                }
                if (contiguous)
                {
                    using (w.Block("for (; l < len; l++)"))
                    {
                        foreach (var line in RenderBody(k.Body, k.Inputs, 0, "row + l", "l")) w.Line(line);
                        w.Line(Combine("acc", result));
                    }
                    w.Line($"Unsafe.Add(ref out0, o) = {Scaled("acc")};");
                }
                else
                    using (w.Block("for (; i < inner; i++)"))
                    {
                        w.Line($"{T} acc = {init};");
                        using (w.Block("for (int l = 0; l < len; l++)"))
                        {
                            w.Line("int at = (o * len + l) * inner + i;");
                            foreach (var line in RenderBody(k.Body, k.Inputs, 0, "at", "at")) w.Line(line);
                            w.Line(Combine("acc", result));
                        }
                        w.Line($"Unsafe.Add(ref out0, o * inner + i) = {Scaled("acc")};");
                    }
            }
        }
    }

    // One contiguous run at one width: the chains over whole blocks, merged in the plan's order, one accumulator over the
    // remaining whole vectors, then its lanes into acc (the scalar tail follows outside).
    private void ContiguousVectors(CodeWriter w, ReduceKernel k, ReduceWidth width, string init, string result,
        System.Func<string, string, string> combine, bool max)
    {
        int bits = width.Bits, lanes = width.Lanes;
        var rest = string.Concat(Enumerable.Range(1, width.Chains - 1).Select(c => $", acc{c} = acc0"));
        w.Line($"Vector{bits}<{T}> acc0 = Vector{bits}.Create({init}){rest};");
        if (width.Chains > 1)
        {
            using (w.Block($"for (; l <= len - {width.Block}; l += {width.Block})"))
                for (int c = 0; c < width.Chains; c++)
                    using (w.Block())
                    {
                        string at = c == 0 ? "row + l" : $"row + l + {c * lanes}";
                        foreach (var line in RenderBody(k.Body, k.Inputs, bits, at, at)) w.Line(line);
                        w.Line(combine($"acc{c}", result));
                    }
            foreach (var (into, from) in ReducePlan.ChainMerges(width.Chains)) w.Line(combine($"acc{into}", $"acc{from}"));
        }
        using (w.Block($"for (; l <= len - {lanes}; l += {lanes})"))
        {
            foreach (var line in RenderBody(k.Body, k.Inputs, bits, "row + l", "l")) w.Line(line);
            w.Line(combine("acc0", result));
        }
        w.Line(max ? "acc = Emitted.MaxLane(acc0);" : "acc = Emitted.Sum(acc0);");
    }

    // Adjacent outputs at one width: chains·lanes per pass, then lanes per pass, the last pass overlapping the previous
    // one so that it ends at the last output (recomputed outputs get the same values). Each output adds in l order.
    private void StridedVectors(CodeWriter w, ReduceKernel k, ReduceWidth width, string init, string result,
        System.Func<string, string, string> combine, System.Func<string, string> scaled)
    {
        int bits = width.Bits, lanes = width.Lanes;
        if (width.Chains > 1)
            using (w.Block($"for (; i <= inner - {width.Block}; i += {width.Block})"))
            {
                var rest = string.Concat(Enumerable.Range(1, width.Chains - 1).Select(c => $", acc{c} = acc0"));
                w.Line($"Vector{bits}<{T}> acc0 = Vector{bits}.Create({init}){rest};");
                using (w.Block("for (int l = 0; l < len; l++)"))
                {
                    w.Line("int at = (o * len + l) * inner + i;");
                    for (int c = 0; c < width.Chains; c++)
                        using (w.Block())
                        {
                            string at = c == 0 ? "at" : $"at + {c * lanes}";
                            foreach (var line in RenderBody(k.Body, k.Inputs, bits, at, at)) w.Line(line);
                            w.Line(combine($"acc{c}", result));
                        }
                }
                for (int c = 0; c < width.Chains; c++)
                    w.Line($"({scaled($"acc{c}")}).StoreUnsafe(ref out0, (nuint)(o * inner + i{(c == 0 ? "" : $" + {c * lanes}")}));");
            }
        using (w.Block($"if (inner >= {lanes})"))
        using (w.Block($"for (; i < inner; i += {lanes})"))
        {
            w.Line($"if (i > inner - {lanes}) i = inner - {lanes};");
            w.Line($"var acc = Vector{bits}.Create({init});");
            using (w.Block("for (int l = 0; l < len; l++)"))
            {
                w.Line("int at = (o * len + l) * inner + i;");
                foreach (var line in RenderBody(k.Body, k.Inputs, bits, "at", "at")) w.Line(line);
                w.Line(combine("acc", result));
            }
            w.Line($"({scaled("acc")}).StoreUnsafe(ref out0, (nuint)(o * inner + i));");
        }
    }
}
