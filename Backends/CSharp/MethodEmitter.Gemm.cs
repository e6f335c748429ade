using System.Collections.Generic;
using Nabla.Ir;
using Nabla.Rewrites.Schedule;

namespace Nabla.Backends.CSharp;

internal sealed partial class MethodEmitter
{
    /// <summary>
    /// A matrix product with its epilogue, as one call of the runtime GEMM (<c>Gemm.Sgemm</c>/<c>Dgemm</c>); a batch of
    /// products becomes one <c>SgemmBatched</c> call when there is no epilogue, else one <c>SgemmBatchedWithEpilogue</c>
    /// call; a batch summed into one C one <c>SgemmBatchedSum</c> call.
    /// </summary>
    private void Gemm(CodeWriter w, GemmKernel k)
    {
        string prefix = _type == DType.F32 ? "S" : "D";
        string alpha = k.Alpha.IsConstant ? Lit(k.Alpha.Constant) : "alpha";
        string beta = Lit(k.Beta);
        string m = Names.Size(k.M), n = Names.Size(k.N), kk = Names.Size(k.K);
        string lda = Names.Size(k.Lda), ldb = Names.Size(k.Ldb), ldc = Names.Size(k.Ldc);
        string a = Arr(k.A), b = Arr(k.B), c = Arr(k.C);
        string Bool(bool x) => x ? "true" : "false";
        bool single = k.Form == GemmForm.Single;
        var lines = new List<string>();
        if (!k.Alpha.IsConstant) lines.Add($"{T} alpha = {Term(k.Alpha)};");
        if (k.Form == GemmForm.Summed)
        {
            lines.Add($"Gemm.{prefix}gemmBatchedSum({Names.Size(k.Batch)}, {m}, {n}, {kk}, {alpha}, {a}, 0, {lda}, {Names.Size(k.StrideA)}, {Bool(k.TransA)}, "
                + $"{b}, 0, {ldb}, {Names.Size(k.StrideB)}, {Bool(k.TransB)}, {beta}, {c}, 0, {ldc});");
        }
        else if (k.Form == GemmForm.Batched)
        {
            lines.Add($"Gemm.{prefix}gemmBatched({Names.Size(k.Batch)}, {m}, {n}, {kk}, {alpha}, {a}, 0, {lda}, {Names.Size(k.StrideA)}, {Bool(k.TransA)}, "
                + $"{b}, 0, {ldb}, {Names.Size(k.StrideB)}, {Bool(k.TransB)}, {beta}, {c}, 0, {ldc}, {Names.Size(k.StrideC)});");
        }
        else
        {
            string bias = k.Bias is null ? "null" : Arr(k.Bias);
            string mode = k.Bias is null ? "BiasMode.None" : k.BiasPerRow ? "BiasMode.PerRow" : "BiasMode.PerColumn";
            string act = k.Activation == Op.Relu ? "Activation.Relu" : "Activation.None";
            string mask = k.Mask is null ? "null" : Arr(k.Mask);
            if (single)
                lines.Add($"Gemm.{prefix}gemm({m}, {n}, {kk}, {alpha}, {a}, 0, {lda}, {Bool(k.TransA)}, {b}, 0, {ldb}, {Bool(k.TransB)}, "
                    + $"{beta}, {c}, 0, {ldc}, {bias}, 0, {mode}, {act}, {mask}, 0, {(k.Mask is null ? "0" : ldc)});");
            else
                lines.Add($"Gemm.{prefix}gemmBatchedWithEpilogue({Names.Size(k.Batch)}, {m}, {n}, {kk}, {alpha}, {a}, 0, {lda}, {Names.Size(k.StrideA)}, {Bool(k.TransA)}, "
                    + $"{b}, 0, {ldb}, {Names.Size(k.StrideB)}, {Bool(k.TransB)}, {beta}, {c}, 0, {ldc}, {Names.Size(k.StrideC)}, "
                    + $"{bias}, 0, {mode}, {act}, {mask}, 0, {(k.Mask is null ? "0" : ldc)});");
        }
        if (lines.Count == 1) { w.Line(lines[0]); return; }
        using (w.Block()) foreach (var l in lines) w.Line(l);
    }

    /// <summary>
    /// A convolution's input gradient (a <see cref="ProductCol2ImKernel"/>, chosen by the scheduler) as one
    /// <c>Conv.ProductCol2Im</c> call: each image's product is folded into the image while it is in cache.
    /// </summary>
    private void ProductCol2Im(CodeWriter w, ProductCol2ImKernel f)
    {
        GemmKernel k = f.Product;
        var p = f.Window.Window;
        string Bool(bool x) => x ? "true" : "false";
        string Dim(int i) => Names.Size(Rewrites.Schedule.Dim.Of(f.Window.Image[i]));
        string alpha = k.Alpha.IsConstant ? Lit(k.Alpha.Constant) : "alpha";
        string call = $"Conv.ProductCol2Im({Names.Size(k.Batch)}, {Names.Size(k.M)}, {Names.Size(k.N)}, {Names.Size(k.K)}, {alpha}, "
            + $"{Arr(k.A)}, 0, {Names.Size(k.Lda)}, {Names.Size(k.StrideA)}, {Bool(k.TransA)}, "
            + $"{Arr(k.B)}, 0, {Names.Size(k.Ldb)}, {Names.Size(k.StrideB)}, {Bool(k.TransB)}, "
            + $"{Arr(f.Window.Output)}, 0, {Dim(1)}, {Dim(2)}, {Dim(3)}, {p.KernelH}, {p.KernelW}, {p.StrideH}, {p.StrideW}, "
            + $"{p.PadH}, {p.PadW}, {p.DilationH}, {p.DilationW});";
        if (k.Alpha.IsConstant) { w.Line(call); return; }
        using (w.Block())
        {
            w.Line($"{T} alpha = {Term(k.Alpha)};");
            w.Line(call);
        }
    }

    /// <summary>
    /// A stride-1 convolution's forward product or weight gradient (a <see cref="WindowProductKernel"/>, chosen by the
    /// scheduler) as one <c>Conv.WindowProduct</c> call (with the bias and ReLU the GEMM would apply) or one
    /// <c>Conv.WindowProductSum</c> call (the summed form): the window values are read from the image, not from columns.
    /// </summary>
    private void WindowProduct(CodeWriter w, WindowProductKernel f)
    {
        GemmKernel k = f.Product;
        var p = f.Window.Window;
        string Dim(int i) => Names.Size(Rewrites.Schedule.Dim.Of(f.Window.Image[i]));
        string alpha = k.Alpha.IsConstant ? Lit(k.Alpha.Constant) : "alpha";
        string image = $"{Arr(f.Window.Input)}, 0, {Dim(1)}, {Dim(2)}, {Dim(3)}, {p.KernelH}, {p.KernelW}, {p.PadH}, {p.PadW}";
        string call;
        if (k.Form == GemmForm.Summed)
            call = $"Conv.WindowProductSum({Names.Size(k.Batch)}, {Names.Size(k.M)}, {alpha}, {Arr(k.A)}, 0, {Names.Size(k.StrideA)}, {image}, "
                + $"{Lit(k.Beta)}, {Arr(k.C)}, 0, {Names.Size(k.Ldc)});";
        else
        {
            string bias = k.Bias is null ? "null" : Arr(k.Bias);
            string act = k.Activation == Op.Relu ? "Activation.Relu" : "Activation.None";
            call = $"Conv.WindowProduct({Names.Size(k.Batch)}, {Names.Size(k.M)}, {alpha}, {Arr(k.A)}, 0, {Names.Size(k.Lda)}, {image}, "
                + $"{bias}, 0, {act}, {Arr(k.C)}, 0);";
        }
        if (k.Alpha.IsConstant) { w.Line(call); return; }
        using (w.Block())
        {
            w.Line($"{T} alpha = {Term(k.Alpha)};");
            w.Line(call);
        }
    }
}
