using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Runs a <see cref="Schedule"/> with naive float64 loops over real slot storage, exactly as a backend must:
/// kernels in order, temporaries sharing slots, updates written in place. Comparing it with the IR
/// interpreter checks fusion, ordering and memory planning independently of any code generator.
/// </summary>
public static class ScheduleInterpreter
{
    /// <summary>Runs the schedule; inputs and parameters are copied, so the caller's tensors are not modified.</summary>
    public static RunResult Run(Schedule s, IReadOnlyDictionary<string, Tensor> bindings, int? batch = null)
    {
        int b = batch ?? InferBatch(s, bindings);
        var store = new Dictionary<Buffer, double[]>();
        var slotArrays = Enumerable.Range(0, s.Slots.Count).Select(i => new double[s.SlotCapacity(i, b)]).ToArray();
        double[] Arr(Buffer x)
        {
            var st = x.Storage;
            if (st.Kind == BufferKind.Temp && !st.IsOutput) return slotArrays[st.Slot];
            if (st.Kind == BufferKind.Temp) return store.TryGetValue(st, out var o) ? o : store[st] = new double[st.Size.Eval(b)];
            if (store.TryGetValue(st, out var a)) return a;
            if (st.Kind == BufferKind.Const) return store[st] = (double[])st.Data!.Clone();
            if (!bindings.TryGetValue(st.Name!, out var t)) throw new ArgumentException($"No value bound for \"{st.Name}\".");
            if (t.Size != st.Size.Eval(b)) throw new ArgumentException($"\"{st.Name}\" expects {st.Shape} ({st.Size.Eval(b)} values at batch {b}), got [{string.Join(",", t.Shape)}].");
            return store[st] = (double[])t.Data.Clone();
        }
        foreach (var k in s.Kernels) Execute(k, Arr, b);
        Tensor Read(Buffer x) => new(x.Shape.Concrete(b), Arr(x).Take((int)x.Size.Eval(b)).ToArray());
        return Make(s.Outputs.ToDictionary(o => o.Name, o => Read(o.Buffer)), s.Updates.ToDictionary(u => u.Name, u => Read(u.Buffer)));
    }

    private static RunResult Make(Dictionary<string, Tensor> outputs, Dictionary<string, Tensor> updates) =>
        new(outputs, updates);

    private static int InferBatch(Schedule s, IReadOnlyDictionary<string, Tensor> bindings)
    {
        foreach (var x in s.Buffers.Where(x => x.ViewOf is null && (x.Kind == BufferKind.Input || x.Kind == BufferKind.Param) && x.Shape.HasBatch))
            if (bindings.TryGetValue(x.Name!, out var t))
                for (int i = 0; i < x.Shape.Rank; i++) if (x.Shape[i] == Shape.Batch) return t.Shape[i];
        return 1;
    }

    private static void Execute(Kernel k, Func<Buffer, double[]> arr, int b)
    {
        switch (k)
        {
            case ElementwiseKernel e: Loop(e, arr, b); break;
            case ReduceKernel r: Reduce(r, arr, b); break;
            case GemmKernel g: Gemm(g, arr, b); break;
            case DenseBackwardKernel d: Gemm(d.Gradient, arr, b); Gemm(d.Update, arr, b); break; // its meaning: the two products in order
            case ProductCol2ImKernel pc: Execute(pc.Product, arr, b); Execute(pc.Window, arr, b); break; // the product, then its col2im
            case WindowProductKernel wp: Execute(wp.Window, arr, b); Execute(wp.Product, arr, b); break; // the im2col, then the product
            case NormalizeKernel n: Normalize(n, arr, b); break;
            case CopyKernel c: Copy(c, arr, b); break;
            case MoveKernel m: Move(m, arr, b); break;
            case WindowKernel w:
                {
                    var node = w.Nodes[0];
                    var input = new Tensor(w.Input.Shape.Concrete(b), arr(w.Input).Take((int)w.Input.Size.Eval(b)).ToArray());
                    var result = Interpreter.EvalNode(node, new[] { input }, b);
                    Array.Copy(result.Data, arr(w.Output), result.Size);
                    break;
                }
            case PoolKernel pk:
                {
                    var node = pk.Nodes.First(n => PoolKernel.Handles(n.Op));
                    var inputs = pk.Reads.Select(r => new Tensor(r.Shape.Concrete(b), arr(r).Take((int)r.Size.Eval(b)).ToArray())).ToArray();
                    var result = Interpreter.EvalNode(node, inputs, b);
                    if (pk.ReluMask) // mul(step(x), grad), as the IR's step and mul compute it
                        for (int i = 0; i < result.Size; i++) result.Data[i] = (inputs[0].Data[i] > 0 ? 1.0 : 0.0) * result.Data[i];
                    Array.Copy(result.Data, arr(pk.Output), result.Size);
                    break;
                }
            case IndexKernel x:
                {
                    var node = x.Nodes[0];
                    var inputs = node.Inputs.Select(i => new Tensor(i.Shape.Concrete(b), arr(ReferenceEquals(i, node.A) && x.Input is not null ? x.Input : x.Indices)
                        .Take((int)Dim.SizeOf(i.Shape).Eval(b)).ToArray())).ToArray();
                    var result = Interpreter.EvalNode(node, inputs, b);
                    Array.Copy(result.Data, arr(x.Output), result.Size);
                    break;
                }
            default: throw new InvalidOperationException($"Unknown kernel {k.GetType().Name}.");
        }
    }

    private static void Loop(ElementwiseKernel e, Func<Buffer, double[]> arr, int b)
    {
        long rows = e.Rows.Eval(b), cols = e.Cols.Eval(b);
        var ins = e.Inputs.Select(i => arr(i.Buffer)).ToArray();
        var outs = e.Outputs.Select(arr).ToArray();
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
            {
                var v = e.Body.Eval(i => ins[i][Index(e.Inputs[i].Access, r, c, cols)], b);
                for (int o = 0; o < outs.Length; o++) outs[o][r * cols + c] = v[o];
            }
    }

    private static long Index(Access a, long r, long c, long cols) =>
        a switch { Access.Full => r * cols + c, Access.Row => c, Access.Col => r, _ => 0 };

    private static void Reduce(ReduceKernel k, Func<Buffer, double[]> arr, int b)
    {
        long outer = k.Outer.Eval(b), len = k.Length.Eval(b), inner = k.Inner.Eval(b);
        var ins = k.Inputs.Select(i => arr(i.Buffer)).ToArray();
        var output = arr(k.Output);
        double scale = k.Scale.Eval(b, f => arr(f)[0]);
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                double acc = k.Op == ReduceOp.Max ? double.NegativeInfinity : 0;
                for (long l = 0; l < len; l++)
                {
                    long at = (o * len + l) * inner + i;
                    double v = k.Body.Eval(x => ins[x][k.Inputs[x].Access == Access.Full ? at : 0], b)[0];
                    acc = k.Op == ReduceOp.Max ? (v > acc || double.IsNaN(v) ? v : acc) : acc + v;
                }
                output[o * inner + i] = acc * scale;
            }
    }

    private static void Gemm(GemmKernel g, Func<Buffer, double[]> arr, int b)
    {
        long m = g.M.Eval(b), n = g.N.Eval(b), kk = g.K.Eval(b), lda = g.Lda.Eval(b), ldb = g.Ldb.Eval(b), ldc = g.Ldc.Eval(b);
        double[] A = arr(g.A), B = arr(g.B), C = arr(g.C);
        double alpha = g.Alpha.Eval(b, f => arr(f)[0]);
        long count = g.Batch.Eval(b);
        if (g.SumsBatch && count == 0)
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++) C[i * ldc + j] = g.Beta != 0 ? g.Beta * C[i * ldc + j] : 0;
        for (long t = 0; t < count; t++)
        {
            long oa = t * g.StrideA.Eval(b), ob = t * g.StrideB.Eval(b), oc = t * g.StrideC.Eval(b);
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (long p = 0; p < kk; p++)
                        acc += A[oa + (g.TransA ? p * lda + i : i * lda + p)] * B[ob + (g.TransB ? j * ldb + p : p * ldb + j)];
                    long at = oc + i * ldc + j;
                    double v = alpha * acc + (g.SumsBatch && t > 0 ? C[at] : g.Beta != 0 ? g.Beta * C[at] : 0);
                    if (g.Bias is not null) v += arr(g.Bias)[g.BiasPerRow ? i : j];
                    if (g.Activation == Op.Relu) v = v > 0 ? v : (v <= 0 ? 0 : v);
                    if (g.Mask is not null && !(arr(g.Mask)[at] > 0)) v = 0;
                    C[at] = v;
                }
        }
    }

    private static void Normalize(NormalizeKernel k, Func<Buffer, double[]> arr, int b)
    {
        long outer = k.Outer.Eval(b), len = k.Length.Eval(b), inner = k.Inner.Eval(b);
        var x = arr(k.Input);
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                double max = double.NegativeInfinity;
                for (long l = 0; l < len; l++) max = Math.Max(max, x[(o * len + l) * inner + i]);
                if (double.IsNegativeInfinity(max)) max = 0;
                double sum = 0;
                for (long l = 0; l < len; l++) sum += Math.Exp(x[(o * len + l) * inner + i] - max);
                double lse = Math.Log(sum) + max;
                if (k.LogSumExp is not null) arr(k.LogSumExp)[o * inner + i] = lse;
                for (long l = 0; l < len; l++)
                {
                    long at = (o * len + l) * inner + i;
                    double xv = x[at];
                    if (k.Softmax is not null) arr(k.Softmax)[at] = Math.Exp(xv - max) / sum;
                    if (k.LogSoftmax is not null) arr(k.LogSoftmax)[at] = xv - lse;
                }
            }
    }

    private static void Copy(CopyKernel c, Func<Buffer, double[]> arr, int b)
    {
        var src = arr(c.Input); var dst = arr(c.Output);
        int[] inShape = c.Input.Shape.Concrete(b), outShape = c.Output.Shape.Concrete(b);
        long size = c.Output.Size.Eval(b);
        if (c.Op == Op.Reshape) { Array.Copy(src, dst, size); return; }
        var inStrides = Strides(inShape);
        var outStrides = Strides(outShape);
        int off = outShape.Length - inShape.Length;
        for (long o = 0; o < size; o++)
        {
            long rem = o, at = 0;
            for (int j = 0; j < outShape.Length; j++)
            {
                long ij = rem / outStrides[j]; rem -= ij * outStrides[j];
                if (c.Op == Op.Transpose) at += ij * inStrides[c.Perm[j]];
                else if (j >= off && inShape[j - off] != 1) at += ij * inStrides[j - off];
            }
            dst[o] = src[at];
        }
    }

    // The regions of a slice, concat or pad, index by index as the plan says (after the fill).
    private static void Move(MoveKernel m, Func<Buffer, double[]> arr, int b)
    {
        var dst = arr(m.Output);
        if (m.Fill is double f) for (long i = 0, n = m.Output.Size.Eval(b); i < n; i++) dst[i] = f;
        foreach (var mv in m.Moves)
        {
            var src = arr(mv.Input);
            var p = mv.Plan;
            long inOff = p.InOffset.Sum(t => t.Eval(b)), outOff = p.OutOffset.Sum(t => t.Eval(b));
            var ext = p.Extents.Select(e => e.Eval(b)).ToArray();
            long total = ext.Aggregate(1L, (x, y) => x * y);
            for (long k = 0; k < total; k++)
            {
                long rem = k, si = inOff, di = outOff;
                for (int j = ext.Length - 1; j >= 0; j--)
                {
                    long ij = rem % ext[j]; rem /= ext[j];
                    si += ij * p.InStrides[j].Eval(b); di += ij * p.OutStrides[j].Eval(b);
                }
                dst[di] = src[si];
            }
        }
    }

    private static long[] Strides(int[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }
}
