using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A dense layer's input gradient and in-place update (a <see cref="DenseBackwardKernel"/>, chosen by the scheduler) as
    /// one <c>Gemm.SgemmDenseBackward</c>/<c>DgemmDenseBackward</c> call, which at batch 1 reads the weights once.
    /// </summary>
    private void DenseBackward(CodeWriter w, DenseBackwardKernel d)
    {
        GemmKernel g = d.Gradient, u = d.Update;
        string prefix = _type == Ir.DType.F32 ? "S" : "D";
        string alpha = u.Alpha.IsConstant ? Lit(u.Alpha.Constant) : Term(u.Alpha);
        string mask = g.Mask is null ? "null" : Arr(g.Mask);
        w.Line($"Gemm.{prefix}gemmDenseBackward({Names.Size(d.M)}, {Names.Size(d.N)}, {Names.Size(d.K)}, {Arr(g.A)}, 0, {Names.Size(g.Lda)}, "
            + $"{Arr(g.B)}, 0, {Names.Size(g.Ldb)}, {Arr(g.C)}, 0, {Names.Size(g.Ldc)}, {mask}, 0, {(g.Mask is null ? "0" : Names.Size(g.Ldc))}, "
            + $"{alpha}, {Arr(u.B)}, 0, {Names.Size(u.Ldb)});");
    }
}
