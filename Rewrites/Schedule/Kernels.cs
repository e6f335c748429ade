using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// One step of a <see cref="Schedule"/>: a loop nest or a runtime-kernel call that reads and writes buffers.
/// Kernels run in list order; each records the IR nodes it computes (for listings and drawings).
/// </summary>
public abstract class Kernel
{
    /// <summary>Position in <see cref="Schedule.Kernels"/>.</summary>
    public int Id { get; internal set; }
    /// <summary>The IR nodes whose values this kernel computes (fused nodes included).</summary>
    public IReadOnlyList<Node> Nodes { get; internal set; } = Array.Empty<Node>();
    /// <summary>The buffers read.</summary>
    public abstract IEnumerable<Buffer> Reads { get; }
    /// <summary>The buffers written.</summary>
    public abstract IEnumerable<Buffer> Writes { get; }
    /// <summary>A short kind name: <c>loop</c>, <c>reduce</c>, <c>gemm</c>, <c>normalize</c>, <c>copy</c>, <c>window</c>.</summary>
    public abstract string Kind { get; }
    /// <summary>One line describing the kernel.</summary>
    public abstract override string ToString();
}

/// <summary>How a fused loop reads an input over its [rows, cols] iteration space.</summary>
public enum Access
{
    /// <summary>Element (r, c) at r·cols + c.</summary>
    Full,
    /// <summary>A row vector broadcast down the rows: element c.</summary>
    Row,
    /// <summary>A column vector broadcast across the columns: element r.</summary>
    Col,
    /// <summary>One value broadcast everywhere.</summary>
    Scalar,
}

/// <summary>An input of a fused loop: a buffer and how it is indexed.</summary>
public sealed class KernelInput
{
    /// <summary>Creates an input.</summary>
    public KernelInput(Buffer buffer, Access access) { Buffer = buffer; Access = access; }
    /// <summary>The buffer read.</summary>
    public Buffer Buffer { get; }
    /// <summary>How it is indexed.</summary>
    public Access Access { get; }
    /// <summary><c>b3:row</c>.</summary>
    public override string ToString() => $"{Buffer.Ref}:{Access.ToString().ToLowerInvariant()}";
}

/// <summary>
/// A fused elementwise loop over a [rows, cols] space (row-major): for every element, runs
/// <see cref="Body"/> on the loaded inputs and stores one value into each output (all <see cref="Access.Full"/>).
/// An output may share storage with a <see cref="Access.Full"/> input (in place): each element is read before it is written.
/// </summary>
public sealed class ElementwiseKernel : Kernel
{
    internal ElementwiseKernel(Dim rows, Dim cols, KernelInput[] inputs, Buffer[] outputs, FusedBody body)
    {
        Rows = rows; Cols = cols; Inputs = inputs; Outputs = outputs; Body = body;
        Plan = Planner.Loop(cols, outputs.Length > 0 ? outputs[0].DType : DType.F64, PlanOptions.Default, body);
    }
    /// <summary>Number of rows (1 when the loop is flat).</summary>
    public Dim Rows { get; }
    /// <summary>Number of columns (the contiguous, vectorized extent).</summary>
    public Dim Cols { get; }
    /// <summary>The inputs in the order the body's loads name them.</summary>
    public IReadOnlyList<KernelInput> Inputs { get; }
    /// <summary>The outputs in the order of the body's stores.</summary>
    public IReadOnlyList<Buffer> Outputs { get; }
    /// <summary>The scalar program.</summary>
    public FusedBody Body { get; }
    /// <summary>The vector widths each row runs at, then the scalar tail (decided by <see cref="Planner"/>).</summary>
    public LoopPlan Plan { get; internal set; }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Inputs.Select(i => i.Buffer);
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => Outputs;
    /// <inheritdoc/>
    public override string Kind => "loop";
    /// <inheritdoc/>
    public override string ToString() =>
        $"loop[{Rows} x {Cols}] ({string.Join(", ", Inputs)}) -> ({string.Join(", ", Outputs.Select(o => o.Ref))}) {{ {Body} }} {Plan}";
}

/// <summary>The combining operation of a <see cref="ReduceKernel"/>.</summary>
public enum ReduceOp
{
    /// <summary>Sum (a mean is a sum with a scale).</summary>
    Sum,
    /// <summary>Maximum.</summary>
    Max,
}

/// <summary>
/// A reduction of a fused elementwise value over the middle axis of an [outer, length, inner] space:
/// <c>out[o, i] = Scale · ⊕_l Body(o, l, i)</c>, in a fixed order (deterministic). Inputs are
/// <see cref="Access.Full"/> over that space or <see cref="Access.Scalar"/>.
/// </summary>
public sealed class ReduceKernel : Kernel
{
    internal ReduceKernel(ReduceOp op, Dim outer, Dim length, Dim inner, KernelInput[] inputs, FusedBody body, Buffer output, ScalarTerm scale)
    {
        Op = op; Outer = outer; Length = length; Inner = inner; Inputs = inputs; Body = body; Output = output; Scale = scale;
        Plan = Planner.Reduce(this, output.DType, PlanOptions.Default);
    }
    /// <summary>Sum or max.</summary>
    public ReduceOp Op { get; }
    /// <summary>Extent before the reduced axes.</summary>
    public Dim Outer { get; }
    /// <summary>Extent of the reduced axes.</summary>
    public Dim Length { get; }
    /// <summary>Extent after the reduced axes.</summary>
    public Dim Inner { get; }
    /// <summary>The inputs the body loads.</summary>
    public IReadOnlyList<KernelInput> Inputs { get; }
    /// <summary>The value reduced (one store).</summary>
    public FusedBody Body { get; }
    /// <summary>The [outer, inner] result.</summary>
    public Buffer Output { get; }
    /// <summary>Multiplies the result (1/count for a mean; 1 otherwise).</summary>
    public ScalarTerm Scale { get; }
    /// <summary>The layout, vector widths, accumulator chains and combine order (decided by <see cref="Planner"/>).</summary>
    public ReducePlan Plan { get; internal set; }
    /// <summary>
    /// A plain column sum (strided layout, sum, scale 1, the body one full input loaded and stored): both printers emit
    /// one call of the runtime's <c>Emitted.SumColumns</c>, which sums every output strictly in l order as the strided
    /// plan does (the same bits as the loops), on wider vectors and spread over the worker threads. Only for rows of at
    /// least one 512-bit vector (16 floats): narrower columns are one chain of dependent adds either way, and the loops
    /// measured faster there.
    /// </summary>
    public bool IsColumnSum => Plan.Layout == ReduceLayout.Strided && Op == ReduceOp.Sum && Scale.IsConstant && Scale.Constant == 1
        && Inner.IsStatic && ((Output.DType == DType.F32 && Inner.Factor >= 16) || (Output.DType == DType.F64 && Inner.Factor >= 8))
        && Inputs.Count == 1 && Inputs[0].Access == Access.Full && Body.Instrs.Count == 1 && Body.Instrs[0].Kind == InstrKind.Load
        && Body.Instrs[0].Input == 0 && Body.Stores.Count == 1 && Body.Stores[0] == 0;
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => Inputs.Select(i => i.Buffer).Concat(Scale.Factors);
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "reduce";
    /// <inheritdoc/>
    public override string ToString() =>
        $"reduce_{Op.ToString().ToLowerInvariant()}[{Outer} x ({Length}) x {Inner}] ({string.Join(", ", Inputs)}) -> {Output.Ref} scale {Scale} {{ {Body} }} {Plan}";
}

/// <summary>How a <see cref="GemmKernel"/> is run (<see cref="GemmKernel.Form"/>).</summary>
public enum GemmForm
{
    /// <summary>One product: one call of the runtime GEMM with the epilogue.</summary>
    Single,
    /// <summary>A batch of products without an epilogue: one call of the runtime's batched GEMM.</summary>
    Batched,
    /// <summary>A batch of products with an epilogue: one call of the runtime's batched GEMM with the epilogue
    /// (<c>Gemm.SgemmBatchedWithEpilogue</c>).</summary>
    PerProduct,
    /// <summary>A batch of products summed into one C (<see cref="GemmKernel.SumsBatch"/>): one call of the runtime's
    /// batched sum (<c>Gemm.SgemmBatchedSum</c>).</summary>
    Summed,
}

/// <summary>
/// A (batched) matrix product with a fused epilogue, run by the runtime GEMM:
/// <c>C = Alpha·op(A)·op(B) + Beta·C</c>, then + bias, then the activation, then the mask
/// (<c>C = mask &gt; 0 ? C : 0</c>). Matrices are row-major with leading dimensions <c>Ld*</c>; the i-th of
/// <see cref="Batch"/> products starts <c>i·Stride*</c> elements in (stride 0 = shared operand).
/// </summary>
public sealed class GemmKernel : Kernel
{
    /// <summary>
    /// How the product is run, which both emitters print: one call (<see cref="GemmForm.Single"/>), one batched call of
    /// the runtime (<see cref="GemmForm.Batched"/>, for a batch of products without an epilogue), one call of the batched
    /// entry point with the epilogue (<see cref="GemmForm.PerProduct"/>), or one call of the batched sum
    /// (<see cref="GemmForm.Summed"/>).
    /// </summary>
    public GemmForm Form =>
        SumsBatch ? GemmForm.Summed : Batch == new Dim(1) ? GemmForm.Single : Bias is null && Activation is null && Mask is null ? GemmForm.Batched : GemmForm.PerProduct;

    /// <summary>Operand A.</summary>
    public Buffer A { get; internal set; } = null!;
    /// <summary>A is stored transposed (k×m).</summary>
    public bool TransA { get; internal set; }
    /// <summary>Operand B.</summary>
    public Buffer B { get; internal set; } = null!;
    /// <summary>B is stored transposed (n×k).</summary>
    public bool TransB { get; internal set; }
    /// <summary>The result (and the accumulated input when <see cref="Beta"/> is 1).</summary>
    public Buffer C { get; internal set; } = null!;
    /// <summary>Rows of op(A) and C.</summary>
    public Dim M { get; internal set; }
    /// <summary>Columns of op(B) and C.</summary>
    public Dim N { get; internal set; }
    /// <summary>The contracted extent.</summary>
    public Dim K { get; internal set; }
    /// <summary>Row stride of A as stored.</summary>
    public Dim Lda { get; internal set; }
    /// <summary>Row stride of B as stored.</summary>
    public Dim Ldb { get; internal set; }
    /// <summary>Row stride of C.</summary>
    public Dim Ldc { get; internal set; }
    /// <summary>Number of products (1 for a plain GEMM).</summary>
    public Dim Batch { get; internal set; } = new(1);
    /// <summary>Element offset between consecutive A matrices (0 = shared).</summary>
    public Dim StrideA { get; internal set; }
    /// <summary>Element offset between consecutive B matrices (0 = shared).</summary>
    public Dim StrideB { get; internal set; }
    /// <summary>Element offset between consecutive C matrices (0 when <see cref="SumsBatch"/>).</summary>
    public Dim StrideC { get; internal set; }
    /// <summary>
    /// The products of the batch are summed into one C, in batch order: <c>C = Alpha·Σᵢ op(A_i)·op(B_i) + Beta·C</c> (a
    /// batched product followed by a sum over its batch axes, e.g. a convolution's weight gradient). No epilogue.
    /// </summary>
    public bool SumsBatch { get; internal set; }
    /// <summary>The scale of the product.</summary>
    public ScalarTerm Alpha { get; internal set; } = ScalarTerm.One;
    /// <summary>0 (overwrite C) or 1 (accumulate into C, e.g. an SGD update fused in place).</summary>
    public double Beta { get; internal set; }
    /// <summary>The bias added after the product, or null.</summary>
    public Buffer? Bias { get; internal set; }
    /// <summary>Whether the bias is per column (length N) or per row (length M).</summary>
    public bool BiasPerRow { get; internal set; }
    /// <summary>The activation applied after the bias: null or <see cref="Op.Relu"/>.</summary>
    public Op? Activation { get; internal set; }
    /// <summary>A tensor shaped like C: where it is not &gt; 0 the result is zeroed (a ReLU derivative mask), or null.</summary>
    public Buffer? Mask { get; internal set; }

    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads
    {
        get
        {
            var r = new List<Buffer> { A, B };
            if (Beta != 0) r.Add(C);
            if (Bias is not null) r.Add(Bias);
            if (Mask is not null) r.Add(Mask);
            r.AddRange(Alpha.Factors);
            return r;
        }
    }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { C };
    /// <inheritdoc/>
    public override string Kind => "gemm";
    /// <inheritdoc/>
    public override string ToString()
    {
        var s = $"gemm{(Batch == new Dim(1) ? "" : $"[{Batch}]")} {C.Ref} = {Alpha} * {(SumsBatch ? "sum " : "")}{A.Ref}{(TransA ? "^T" : "")}[{M}x{K}] . {B.Ref}{(TransB ? "^T" : "")}[{K}x{N}]";
        if (Beta != 0) s += $" + {Attrs.Format(Beta)} * {C.Ref}";
        if (Bias is not null) s += $" + {Bias.Ref}{(BiasPerRow ? "(per row)" : "")}";
        if (Activation is not null) s = s.Replace($"{C.Ref} = ", $"{C.Ref} = {Activation.Name}(") + ")";
        if (Mask is not null) s += $" masked by {Mask.Ref} > 0";
        return s;
    }
}

/// <summary>
/// Softmax, log-softmax and/or log-sum-exp of one input along the middle axis of [outer, length, inner],
/// computed together from one shifted pass (the max shift is never recomputed on two paths).
/// </summary>
public sealed class NormalizeKernel : Kernel
{
    internal NormalizeKernel(Buffer input, Dim outer, Dim length, Dim inner) { Input = input; Outer = outer; Length = length; Inner = inner; }
    /// <summary>The logits.</summary>
    public Buffer Input { get; }
    /// <summary>Extent before the axis.</summary>
    public Dim Outer { get; }
    /// <summary>Extent of the axis.</summary>
    public Dim Length { get; }
    /// <summary>Extent after the axis (1 when the axis is last).</summary>
    public Dim Inner { get; }
    /// <summary>softmax output, or null.</summary>
    public Buffer? Softmax { get; internal set; }
    /// <summary>log_softmax output, or null.</summary>
    public Buffer? LogSoftmax { get; internal set; }
    /// <summary>logsumexp output ([outer, inner]), or null.</summary>
    public Buffer? LogSumExp { get; internal set; }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => new[] { Input };
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Softmax, LogSoftmax, LogSumExp }.Where(b => b is not null)!;
    /// <inheritdoc/>
    public override string Kind => "normalize";
    /// <inheritdoc/>
    public override string ToString() =>
        $"normalize[{Outer} x ({Length}) x {Inner}] {Input.Ref} -> softmax {Softmax?.Ref ?? "-"}, log_softmax {LogSoftmax?.Ref ?? "-"}, logsumexp {LogSumExp?.Ref ?? "-"}";
}

/// <summary>A data-movement kernel: a general transpose or broadcast into a new buffer (shapes from the buffers).</summary>
public sealed class CopyKernel : Kernel
{
    internal CopyKernel(Op op, Buffer input, Buffer output, int[] perm)
    {
        Op = op; Input = input; Output = output; Perm = perm;
        Plan = Planner.Copy(this, PlanOptions.Default);
    }
    /// <summary><see cref="Op.Transpose"/>, <see cref="Op.Broadcast"/> or <see cref="Op.Reshape"/> (a plain copy).</summary>
    public Op Op { get; }
    /// <summary>The source.</summary>
    public Buffer Input { get; }
    /// <summary>The destination.</summary>
    public Buffer Output { get; }
    /// <summary>The permutation of a transpose (output axis i is input axis Perm[i]).</summary>
    public IReadOnlyList<int> Perm { get; }
    /// <summary>The merged loop nest and its innermost action (decided by <see cref="Planner"/>).</summary>
    public CopyPlan Plan { get; internal set; }
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => new[] { Input };
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "copy";
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Op.Name}{(Op == Op.Transpose ? $"[{string.Join(",", Perm)}]" : "")} {Input.Ref}{Input.Shape} -> {Output.Ref}{Output.Shape}{(Op == Op.Reshape ? "" : " " + Plan)}";
}

/// <summary>
/// Sliding-window data movement for convolution and pooling: im2col or col2im, run by the runtime's window kernel the
/// op's registry entry names (<see cref="Op.RuntimeFunction"/>), over the image [N, C, H, W] with the op's window.
/// </summary>
public sealed class WindowKernel : Kernel
{
    internal WindowKernel(Op op, Buffer input, Buffer output, WindowAttrs window) { Op = op; Input = input; Output = output; Window = window.WithoutImage(); }
    /// <summary><see cref="Op.Im2Col"/> or <see cref="Op.Col2Im"/>.</summary>
    public Op Op { get; }
    /// <summary>The source.</summary>
    public Buffer Input { get; }
    /// <summary>The destination.</summary>
    public Buffer Output { get; }
    /// <summary>The window: kernel size, stride and padding.</summary>
    public WindowAttrs Window { get; }
    /// <summary>The image side's shape [N, C, H, W]: the input of im2col, the output of col2im.</summary>
    public Shape Image => Op == Op.Im2Col ? Input.Shape : Output.Shape;
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Reads => new[] { Input };
    /// <inheritdoc/>
    public override IEnumerable<Buffer> Writes => new[] { Output };
    /// <inheritdoc/>
    public override string Kind => "window";
    /// <inheritdoc/>
    public override string ToString() => $"{Op.Name}[{Window}] {Input.Ref}{Input.Shape} -> {Output.Ref}{Output.Shape}";
}
