using System.Linq;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A reduction of a fused body over the middle axis of [outer, length, inner], scaled. With inner = 1 each output
    /// reduces one contiguous run: vector accumulators over the run, combined across lanes, then a scalar tail. Otherwise
    /// the inner axis is vectorized: each vector of outputs accumulates over the length, stepping by inner. The order of
    /// operations is fixed by the code, so results are reproducible run to run.
    /// </summary>
    private void Reduce(CodeWriter w, ReduceKernel k)
    {
        bool max = k.Op == ReduceOp.Max;
        string init = max ? $"{T}.NegativeInfinity" : Lit(0);
        string Combine(string acc, string v) => max ? $"{acc} = Emitted.Max({acc}, {v});" : $"{acc} += {v};";
        string result = k.Body.Stores[0] is var st ? "t" + st : "";
        string scaled = k.Scale.IsConstant && k.Scale.Constant == 1 ? "acc" : "acc * scale";
        using (w.Block())
        {
            DeclareRefs(w, k.Inputs, new[] { k.Output });
            if (!(k.Scale.IsConstant && k.Scale.Constant == 1)) w.Line($"{T} scale = {Term(k.Scale)};");
            // inner is declared only where it is read (an unused local is a warning in the generator's output).
            w.Line($"int outer = {Names.Size(k.Outer)}, len = {Names.Size(k.Length)}{(k.Inner == new Dim(1) ? "" : ", inner = " + Names.Size(k.Inner))};");
            if (k.Inner == new Dim(1))
            {
                using (w.Block("for (int o = 0; o < outer; o++)"))
                {
                    w.Line($"int row = o * len, l = 0;");
                    w.Line($"{T} acc = {init};");
                    foreach (int bits in new[] { 256, 128 })
                    {
                        int lanes = Lanes(bits);
                        if (k.Length.IsStatic && k.Length.Factor < lanes) continue;
                        using (w.Block($"if (vec && Vector{bits}.IsHardwareAccelerated && len - l >= {lanes})"))
                        {
                            w.Line($"var acc{bits} = Vector{bits}.Create({init});");
                            using (w.Block($"for (; l <= len - {lanes}; l += {lanes})"))
                            {
                                foreach (var line in RenderBody(k.Body, k.Inputs, bits, "row + l", "l")) w.Line(line);
                                w.Line(Combine($"acc{bits}", result));
                            }
                            w.Line(Combine("acc", max ? $"Emitted.MaxLane(acc{bits})" : $"Emitted.Sum(acc{bits})"));
                        }
                    }
                    using (w.Block("for (; l < len; l++)"))
                    {
                        foreach (var line in RenderBody(k.Body, k.Inputs, 0, "row + l", "l")) w.Line(line);
                        w.Line(Combine("acc", result));
                    }
                    w.Line($"Unsafe.Add(ref out0, o) = {scaled};");
                }
                return;
            }
            using (w.Block("for (int o = 0; o < outer; o++)"))
            {
                w.Line("int i = 0;");
                // Four 256-bit accumulators per pass over the length (32 outputs), so a [B, 100] column sum walks its rows
                // 4 times instead of 13 (at batch 4000 the one-vector passes made this backend 1.6x slower than the
                // expression backend). Each output still adds its values in order l = 0, 1, ...
                if (!(k.Inner.IsStatic && k.Inner.Factor < 4 * Lanes(256)))
                {
                    int lanes = Lanes(256);
                    using (w.Block("if (vec && Vector256.IsHardwareAccelerated)"))
                    using (w.Block($"for (; i <= inner - {4 * lanes}; i += {4 * lanes})"))
                    {
                        w.Line($"Vector256<{T}> acc0 = Vector256.Create({init}), acc1 = acc0, acc2 = acc0, acc3 = acc0;");
                        using (w.Block("for (int l = 0; l < len; l++)"))
                        {
                            w.Line("int at = (o * len + l) * inner + i;");
                            for (int c = 0; c < 4; c++)
                                using (w.Block())
                                {
                                    string at = c == 0 ? "at" : $"at + {c * lanes}";
                                    foreach (var line in RenderBody(k.Body, k.Inputs, 256, at, at)) w.Line(line);
                                    w.Line(Combine($"acc{c}", result));
                                }
                        }
                        for (int c = 0; c < 4; c++)
                        {
                            string v = scaled == "acc" ? $"acc{c}" : $"acc{c} * scale";
                            w.Line($"({v}).StoreUnsafe(ref out0, (nuint)(o * inner + i + {c * lanes}));");
                        }
                    }
                }
                foreach (int bits in new[] { 256, 128 })
                {
                    int lanes = Lanes(bits);
                    if (k.Inner.IsStatic && k.Inner.Factor < lanes) continue;
                    using (w.Block($"if (vec && Vector{bits}.IsHardwareAccelerated)"))
                    using (w.Block($"for (; i <= inner - {lanes}; i += {lanes})"))
                    {
                        w.Line($"var acc = Vector{bits}.Create({init});");
                        using (w.Block("for (int l = 0; l < len; l++)"))
                        {
                            w.Line("int at = (o * len + l) * inner + i;");
                            foreach (var line in RenderBody(k.Body, k.Inputs, bits, "at", "at")) w.Line(line);
                            w.Line(Combine("acc", result));
                        }
                        w.Line($"({scaled}).StoreUnsafe(ref out0, (nuint)(o * inner + i));");
                    }
                }
                using (w.Block("for (; i < inner; i++)"))
                {
                    w.Line($"{T} acc = {init};");
                    using (w.Block("for (int l = 0; l < len; l++)"))
                    {
                        w.Line("int at = (o * len + l) * inner + i;");
                        foreach (var line in RenderBody(k.Body, k.Inputs, 0, "at", "at")) w.Line(line);
                        w.Line(Combine("acc", result));
                    }
                    w.Line($"Unsafe.Add(ref out0, o * inner + i) = {scaled};");
                }
            }
        }
    }
}
