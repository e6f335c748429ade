using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    private static readonly bool F32 = typeof(T) == typeof(float);

    /// <summary>
    /// A GEMM kernel as calls of the runtime GEMM: one <c>Gemm.Sgemm/Dgemm</c> with the epilogue (bias, ReLU, mask),
    /// or for a batch of products <c>SgemmBatched</c> when there is no epilogue, else one <c>SgemmBatchedWithEpilogue</c>;
    /// a batch summed into one C is one <c>SgemmBatchedSum</c>.
    /// Alpha is evaluated once per run from its constant, the batch size and scalar buffers.
    /// </summary>
    private E Gemm(GemmKernel g)
    {
        var alpha = E.Variable(typeof(T), "alpha");
        var block = new List<E> { E.Assign(alpha, Term(g.Alpha)) };
        E beta = _ops.Const(g.Beta);
        var a = Arr(g.A); var b = Arr(g.B); var c = Arr(g.C);
        E bias = g.Bias is null ? E.Constant(null, typeof(T[])) : Arr(g.Bias);
        E mask = g.Mask is null ? E.Constant(null, typeof(T[])) : Arr(g.Mask);
        var biasMode = E.Constant(g.Bias is null ? BiasMode.None : g.BiasPerRow ? BiasMode.PerRow : BiasMode.PerColumn);
        var activation = E.Constant(g.Activation is null ? Activation.None : Activation.Relu);
        E m = Size(g.M), n = Size(g.N), k = Size(g.K);

        E Call(E offA, E offB, E offC) => E.Call(typeof(Runtime.Gemm), F32 ? "Sgemm" : "Dgemm", null,
            m, n, k, alpha, a, offA, Size(g.Lda), E.Constant(g.TransA), b, offB, Size(g.Ldb), E.Constant(g.TransB),
            beta, c, offC, Size(g.Ldc), bias, E.Constant(0), biasMode, activation, mask, offC, Size(g.Ldc));

        if (g.Form == GemmForm.Single) block.Add(Call(E.Constant(0), E.Constant(0), E.Constant(0)));
        else if (g.Form == GemmForm.Summed)
            block.Add(E.Call(typeof(Runtime.Gemm), F32 ? "SgemmBatchedSum" : "DgemmBatchedSum", null,
                Size(g.Batch), m, n, k, alpha,
                a, E.Constant(0), Size(g.Lda), Size(g.StrideA), E.Constant(g.TransA),
                b, E.Constant(0), Size(g.Ldb), Size(g.StrideB), E.Constant(g.TransB),
                beta, c, E.Constant(0), Size(g.Ldc)));
        else if (g.Form == GemmForm.Batched)
            block.Add(E.Call(typeof(Runtime.Gemm), F32 ? "SgemmBatched" : "DgemmBatched", null,
                Size(g.Batch), m, n, k, alpha,
                a, E.Constant(0), Size(g.Lda), Size(g.StrideA), E.Constant(g.TransA),
                b, E.Constant(0), Size(g.Ldb), Size(g.StrideB), E.Constant(g.TransB),
                beta, c, E.Constant(0), Size(g.Ldc), Size(g.StrideC)));
        else
            block.Add(E.Call(typeof(Runtime.Gemm), F32 ? "SgemmBatchedWithEpilogue" : "DgemmBatchedWithEpilogue", null,
                Size(g.Batch), m, n, k, alpha,
                a, E.Constant(0), Size(g.Lda), Size(g.StrideA), E.Constant(g.TransA),
                b, E.Constant(0), Size(g.Ldb), Size(g.StrideB), E.Constant(g.TransB),
                beta, c, E.Constant(0), Size(g.Ldc), Size(g.StrideC), bias, E.Constant(0), biasMode, activation, mask, E.Constant(0), Size(g.Ldc)));
        return E.Block(new[] { alpha }, block);
    }

    /// <summary>
    /// A convolution's input gradient (a <see cref="ProductCol2ImKernel"/>, chosen by the scheduler) as one
    /// <c>Conv.ProductCol2Im</c> call, as emitted C# calls it.
    /// </summary>
    private E ProductCol2Im(ProductCol2ImKernel f)
    {
        GemmKernel g = f.Product;
        var p = f.Window.Window;
        var alpha = E.Variable(typeof(T), "alpha");
        var call = E.Call(typeof(Conv), nameof(Conv.ProductCol2Im), null,
            Size(g.Batch), Size(g.M), Size(g.N), Size(g.K), alpha,
            Arr(g.A), E.Constant(0), Size(g.Lda), Size(g.StrideA), E.Constant(g.TransA),
            Arr(g.B), E.Constant(0), Size(g.Ldb), Size(g.StrideB), E.Constant(g.TransB),
            Arr(f.Window.Output), E.Constant(0), E.Constant(f.Window.Image[1]), E.Constant(f.Window.Image[2]), E.Constant(f.Window.Image[3]),
            E.Constant(p.KernelH), E.Constant(p.KernelW), E.Constant(p.StrideH), E.Constant(p.StrideW), E.Constant(p.PadH), E.Constant(p.PadW),
            E.Constant(p.DilationH), E.Constant(p.DilationW));
        return E.Block(new[] { alpha }, E.Assign(alpha, Term(g.Alpha)), call);
    }

    /// <summary>
    /// A stride-1 convolution's forward product or weight gradient (a <see cref="WindowProductKernel"/>, chosen by the
    /// scheduler) as one <c>Conv.WindowProduct</c> or <c>Conv.WindowProductSum</c> call, as emitted C# calls it.
    /// </summary>
    private E WindowProduct(WindowProductKernel f)
    {
        GemmKernel g = f.Product;
        var p = f.Window.Window;
        var alpha = E.Variable(typeof(T), "alpha");
        E zero = E.Constant(0);
        E Image(int i) => Size(Dim.Of(f.Window.Image[i]));
        var image = new[] { Arr(f.Window.Input), zero, Image(1), Image(2), Image(3),
            E.Constant(p.KernelH), E.Constant(p.KernelW), E.Constant(p.PadH), E.Constant(p.PadW) };
        E[] args;
        if (g.Form == GemmForm.Summed)
            args = new[] { Size(g.Batch), Size(g.M), alpha, Arr(g.A), zero, Size(g.StrideA) }.Concat(image)
                .Concat(new[] { _ops.Const(g.Beta), Arr(g.C), zero, Size(g.Ldc) }).ToArray();
        else
        {
            E bias = g.Bias is null ? E.Constant(null, typeof(T[])) : Arr(g.Bias);
            var activation = E.Constant(g.Activation is null ? Activation.None : Activation.Relu);
            args = new[] { Size(g.Batch), Size(g.M), alpha, Arr(g.A), zero, Size(g.Lda) }.Concat(image)
                .Concat(new[] { bias, zero, activation, Arr(g.C), zero }).ToArray();
        }
        var call = E.Call(typeof(Conv), g.Form == GemmForm.Summed ? nameof(Conv.WindowProductSum) : nameof(Conv.WindowProduct), null, args);
        return E.Block(new[] { alpha }, E.Assign(alpha, Term(g.Alpha)), call);
    }

    /// <summary>
    /// A dense layer's input gradient and in-place update (a <see cref="DenseBackwardKernel"/>, chosen by the scheduler) as
    /// one <c>Gemm.SgemmDenseBackward</c>/<c>DgemmDenseBackward</c> call, which at batch 1 reads the weights once.
    /// </summary>
    private E DenseBackward(DenseBackwardKernel d)
    {
        GemmKernel g = d.Gradient, u = d.Update;
        var alpha = E.Variable(typeof(T), "alpha");
        E zero = E.Constant(0);
        E mask = g.Mask is null ? E.Constant(null, typeof(T[])) : Arr(g.Mask);
        var call = E.Call(typeof(Runtime.Gemm), F32 ? "SgemmDenseBackward" : "DgemmDenseBackward", null,
            Size(d.M), Size(d.N), Size(d.K),
            Arr(g.A), zero, Size(g.Lda), Arr(g.B), zero, Size(g.Ldb), Arr(g.C), zero, Size(g.Ldc),
            mask, zero, g.Mask is null ? zero : Size(g.Ldc),
            alpha, Arr(u.B), zero, Size(u.Ldb));
        return E.Block(new[] { alpha }, E.Assign(alpha, Term(u.Alpha)), call);
    }
}
