using System.Collections.Generic;
using System.Linq;
using Nabla.Rewrites.Schedule;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// Pairs of GEMM kernels that are one dense layer's backward pass with its in-place update: an input gradient
    /// <c>dx = dy·W</c> (optionally masked) followed later by <c>W = alpha·dyᵀ·x + W</c> on the same dy and W. Such a pair
    /// becomes one <c>Gemm.SgemmDenseBackward</c> call at the first kernel's place, which at batch 1 reads W once instead of
    /// twice. Hoisting the update is allowed only when no kernel in between touches W or writes anything the update reads
    /// (arrays compared by the storage they are bound to, so slot sharing counts). Key: the first kernel's id.
    /// </summary>
    private Dictionary<int, GemmKernel> FindDenseBackwardPairs()
    {
        var pairs = new Dictionary<int, GemmKernel>();
        var used = new HashSet<int>();
        var ks = _s.Kernels;
        for (int a = 0; a < ks.Count; a++)
        {
            if (ks[a] is not GemmKernel g || !IsInputGradient(g)) continue;
            for (int b = a + 1; b < ks.Count; b++)
            {
                if (ks[b] is GemmKernel u && !used.Contains(b) && IsUpdateOf(g, u) && CanHoist(a, b, u))
                {
                    pairs[ks[a].Id] = u;
                    used.Add(b);
                    break;
                }
                // Past a kernel that writes W, a later update would see a different W.
                if (ks[b].Writes.Any(x => Arr(x) == Arr(g.B))) break;
            }
        }
        return pairs;
    }

    /// <summary>dx = 1·dy·W, no transposes, no bias or activation, one product.</summary>
    private static bool IsInputGradient(GemmKernel g) =>
        g.Batch == new Dim(1) && !g.TransA && !g.TransB && g.Alpha.IsConstant && g.Alpha.Constant == 1 && g.Beta == 0
        && g.Bias is null && g.Activation is null;

    /// <summary>W = alpha·dyᵀ·x + W with the dy and W of <paramref name="g"/>, shapes matching.</summary>
    private bool IsUpdateOf(GemmKernel g, GemmKernel u) =>
        u.Batch == new Dim(1) && u.TransA && !u.TransB && u.Beta == 1 && u.Bias is null && u.Activation is null && u.Mask is null
        && Arr(u.A) == Arr(g.A) && Arr(u.C) == Arr(g.B) && u.C.Kind == BufferKind.Param
        && u.M == g.K && u.K == g.M && u.N == g.N && u.Lda == g.Lda && u.Ldc == g.Ldb
        && Arr(u.B) != Arr(g.C) && (g.Mask is null || Arr(g.Mask) != Arr(u.C)) && Arr(g.A) != Arr(g.B);

    private bool CanHoist(int a, int b, GemmKernel u)
    {
        var reads = new HashSet<string>(u.Reads.Select(Arr));
        string w = Arr(u.C);
        for (int j = a + 1; j < b; j++)
        {
            var k = _s.Kernels[j];
            if (k.Writes.Any(x => reads.Contains(Arr(x)))) return false;
            if (k.Reads.Any(x => Arr(x) == w)) return false;
        }
        return true;
    }

    /// <summary>The fused call for the pair (<paramref name="g"/>, <paramref name="u"/>).</summary>
    private void DenseBackward(CodeWriter w, GemmKernel g, GemmKernel u)
    {
        string prefix = _type == Ir.DType.F32 ? "S" : "D";
        string alpha = u.Alpha.IsConstant ? Lit(u.Alpha.Constant) : Term(u.Alpha);
        string mask = g.Mask is null ? "null" : Arr(g.Mask);
        w.Line($"Gemm.{prefix}gemmDenseBackward({Names.Size(g.M)}, {Names.Size(g.K)}, {Names.Size(g.N)}, {Arr(g.A)}, 0, {Names.Size(g.Lda)}, "
            + $"{Arr(g.B)}, 0, {Names.Size(g.Ldb)}, {Arr(g.C)}, 0, {Names.Size(g.Ldc)}, {mask}, 0, {(g.Mask is null ? "0" : Names.Size(g.Ldc))}, "
            + $"{alpha}, {Arr(u.B)}, 0, {Names.Size(u.Ldb)});");
    }
}
