using System.Collections.Generic;
using System.Linq;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A slice, concat or pad, printed from the kernel's <see cref="MovePlan"/>s: the fill of a pad (<c>Array.Fill</c> over
    /// the output), then for each region the plan's loop nest, each loop advancing the input and output positions by its
    /// strides (<c>in0</c>, <c>out0</c>, …); the innermost axis is copied element by element or as one <c>Array.Copy</c>.
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
                string inner = new string(' ', 4 * loops);
                string si = loops == 0 ? inAt : $"in{loops - 1}", di = loops == 0 ? outAt : $"out{loops - 1}";
                if (p.Inner == CopyAction.CopyRow) w.Line(inner + $"Array.Copy({src}, {si}, {dst}, {di}, {Names.Size(p.Extents[p.Extents.Count - 1])});");
                else w.Line(inner + $"{dst}[{di}] = {src}[{si}];");
                for (int j = loops - 1; j >= 0; j--) w.Line(new string(' ', 4 * j) + "}");
            }
        }
    }

    // A sum of sizes as an int expression: 0, 6, 6 * batch + 2.
    private static string Offset(IReadOnlyList<Dim> terms) => terms.Count == 0 ? "0" : string.Join(" + ", terms.Select(Names.Size));
}
