using System.Collections.Generic;
using System.Linq;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A slice, concat or pad, printed from the kernel's <see cref="MovePlan"/>s: the fill of a pad (<c>Array.Fill</c> over
    /// the output), then for each region loops over all but its last two merged axes (each advancing the input and output
    /// positions <c>in0</c>, <c>out0</c>, … by its strides) around one call of the runtime's region copy
    /// <c>Emitted.Move</c>, which takes the last two.
    /// </summary>
    private void Move(CodeWriter w, MoveKernel k)
    {
        string dst = Arr(k.Output);
        if (k.Fill is double f) w.Line($"Array.Fill({dst}, {Lit(f)}, 0, {Names.Size(k.Output.Size)});");
        foreach (var m in k.Moves)
        {
            string src = Arr(m.Input);
            var p = m.Plan;
            int loops = p.Loops;
            string inAt = Offset(p.InOffset), outAt = Offset(p.OutOffset);
            var (outer, inOuter, outOuter, inner, inInner, outInner) = p.Call;
            string call = $"Emitted.Move({src}, {{0}}, {dst}, {{1}}, {Names.Size(outer)}, {Names.Size(inOuter)}, {Names.Size(outOuter)}, "
                + $"{Names.Size(inner)}, {Names.Size(inInner)}, {Names.Size(outInner)});";
            if (loops == 0) { w.Line(string.Format(call, inAt, outAt)); continue; }
            using (w.Block())
            {
                for (int j = 0; j < loops; j++)
                {
                    string pad = new string(' ', 4 * j);
                    string inFrom = j == 0 ? inAt : $"in{j - 1}", outFrom = j == 0 ? outAt : $"out{j - 1}";
                    w.Line(pad + $"for (int j{j} = 0; j{j} < {Names.Size(p.Extents[j])}; j{j}++)");
                    w.Line(pad + "{");
                    w.Line(pad + $"    int in{j} = {inFrom} + j{j} * {Names.Size(p.InStrides[j])}, out{j} = {outFrom} + j{j} * {Names.Size(p.OutStrides[j])};");
                }
                w.Line(new string(' ', 4 * loops) + string.Format(call, $"in{loops - 1}", $"out{loops - 1}"));
                for (int j = loops - 1; j >= 0; j--) w.Line(new string(' ', 4 * j) + "}");
            }
        }
    }

    // A sum of sizes as an int expression: 0, 6, 6 * batch + 2.
    private static string Offset(IReadOnlyList<Dim> terms) => terms.Count == 0 ? "0" : string.Join(" + ", terms.Select(Names.Size));
}
