using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Ir;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>
/// Convolutions on random geometry (channels below 8 and odd, kernel, stride, padding, dilation, groups, odd sizes,
/// batch): outputs and the gradients of every input and parameter from the Roslyn C# and Expressions backends against
/// the interpreter, in float64 and float32; the weight gradient's batched product summed into one matrix by the
/// scheduler (<see cref="GemmKernel.SumsBatch"/>) and, at stride 1 without dilation, read from the image with the
/// forward product (<see cref="WindowProductKernel"/>, no im2col left); and the runtime's <see cref="Gemm.SgemmBatchedSum"/> against a plain
/// sum, bitwise identical on one and two threads.
/// </summary>
[Collection("Runtime.MaxThreads")]
public class ConvPropertyTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(20));

    private sealed record Geometry(bool TwoD, int In, int Out, int Groups, (int H, int W) Kernel, (int H, int W) Stride,
        (int H, int W) Pad, (int H, int W) Dilation, int H, int W, int Batch, bool Bias, bool Relu = false)
    {
        public override string ToString() =>
            $"{(TwoD ? "conv2d" : "conv1d")} {In}->{Out} g{Groups} k{Kernel} s{Stride} p{Pad} d{Dilation} in {H}x{W} batch {Batch}{(Bias ? "" : " no bias")}{(Relu ? " relu" : "")}";
    }

    private static Geometry Draw(int[] recipe)
    {
        var c = new Choices(recipe);
        bool twoD = !c.OneIn(4);
        int groups = c.OneIn(3) ? 1 + c.Next(3) : 1;
        int cin = groups * (1 + c.Next(4)), cout = groups * (1 + c.Next(7));
        (int, int) Pair(int lo, int range) => twoD ? (lo + c.Next(range), lo + c.Next(range)) : (1, lo + c.Next(range));
        var k = Pair(1, 4);
        var s = Pair(1, 3);
        var d = c.OneIn(3) ? Pair(1, 3) : (1, 1);
        var p = Pair(0, 3);
        int spanH = d.Item1 * (k.Item1 - 1) + 1, spanW = d.Item2 * (k.Item2 - 1) + 1;
        int h = twoD ? Math.Max(1, spanH - 2 * p.Item1) + c.Next(6) : 1;
        int w = Math.Max(1, spanW - 2 * p.Item2) + c.Next(9);
        return new Geometry(twoD, cin, cout, groups, k, s, p, d, h, w, 1 + c.Next(5), !c.OneIn(4), c.OneIn(2));
    }

    /// <summary>y = conv(x) (or relu(conv(x))) and the gradients of sum(u·y) with respect to x and the parameters.</summary>
    private static (Function F, Dictionary<string, Tensor> Bind, int Batch) Build(Geometry g, DType type, int seed)
    {
        Module layer = g.TwoD
            ? new Conv2d(g.In, g.Out, g.Kernel, g.Stride, g.Pad, g.Bias, dilation: g.Dilation, groups: g.Groups)
            : new Conv1d(g.In, g.Out, g.Kernel.W, g.Stride.W, g.Pad.W, g.Bias, dilation: g.Dilation.W, groups: g.Groups);
        var shape = g.TwoD ? Shape.Of(Shape.Batch, g.In, g.H, g.W) : Shape.Of(Shape.Batch, g.In, g.W);
        var t = Model.Build(layer, shape).Trace(type);
        var y = t.Outputs[0].Node;
        if (g.Relu) y = F.Relu(y);
        var u = t.Graph.Input("u", y.Shape);
        var wrt = new[] { t.Inputs[0] }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(F.Sum(y * u), wrt);
        var outputs = new List<Named> { new("y", y) };
        for (int i = 0; i < wrt.Length; i++) outputs.Add(new Named("grad_" + (i == 0 ? "x" : t.Parameters[i - 1].Name), grads[i]));
        var rng = new Random(seed);
        var bind = new Dictionary<string, Tensor>
        {
            [t.Inputs[0].Name!] = GradCheck.Random(shape.Concrete(g.Batch), rng),
            ["u"] = GradCheck.Random(y.Shape.Concrete(g.Batch), rng),
        };
        foreach (var p in t.Parameters) bind[p.Name] = GradCheck.Random(p.Node.Shape.Concrete(1), rng);
        return (new Function(t.Graph, outputs), bind, g.Batch);
    }

    private static void BackendsAgree(Geometry g, DType type, int seed)
    {
        var (f, bind, batch) = Build(g, type, seed);
        var want = Interpreter.Run(f, bind, batch: batch);
        var (optimized, _) = Pipeline.Optimize(f);
        var schedule = Scheduler.Build(optimized);
        // The products, those that read the image in place of stored window columns included.
        var gemms = schedule.Kernels.Select(k => k is WindowProductKernel f ? f.Product : k as GemmKernel).OfType<GemmKernel>().ToList();
        // groups = 1: the weight gradient's per-image products are summed by the GEMM, not stored and reduced.
        if (g.Groups == 1)
            Assert.True(gemms.Any(k => k.SumsBatch), $"{g}: no summed GEMM in\n{string.Join("\n", schedule.Kernels)}");
        // With one group, stride 1, no dilation and outputs of at least 4 rows of 8, the forward product and the weight
        // gradient read the windows from the image: no im2col is left. Otherwise the im2col stays.
        int oh = g.TwoD ? (g.H + 2 * g.Pad.H - g.Dilation.H * (g.Kernel.H - 1) - 1) / g.Stride.H + 1 : 1;
        int ow = (g.W + 2 * g.Pad.W - g.Dilation.W * (g.Kernel.W - 1) - 1) / g.Stride.W + 1;
        bool windows = g.Groups == 1 && g.Stride == (1, 1) && g.Dilation == (1, 1) && oh >= WindowFusion.MinRows && ow >= WindowFusion.MinWidth;
        Assert.Equal(windows ? 2 : 0, schedule.Kernels.OfType<WindowProductKernel>().Count());
        Assert.Equal(!windows, schedule.Kernels.Any(k => k is WindowKernel w && w.Op == Op.Im2Col));
        // With one group the input gradient's batch of products is folded into the images as it is made: one
        // ProductCol2Im kernel, no separate col2im.
        if (g.Groups == 1)
        {
            Assert.Contains(schedule.Kernels, k => k is ProductCol2ImKernel);
            Assert.DoesNotContain(schedule.Kernels, k => k is WindowKernel w && w.Op == Op.Col2Im);
        }
        // With one group the product is one batched GEMM, and the relu after its reshape to the image shape is its
        // epilogue: the GEMM writes the relu's buffer and no loop applies it.
        if (g.Relu && g.Groups == 1)
        {
            Assert.Contains(gemms, k => k.Activation == Op.Relu && k.C.Shape.Rank == (g.TwoD ? 4 : 3));
            Assert.DoesNotContain(schedule.Kernels.OfType<ElementwiseKernel>(), l => l.ToString().Contains("relu("));
        }
        var plan = new ModelPlan("ConvProp", new[] { ("Eval", schedule) });
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.ConvProp" });
        var type_ = RoslynCompiler.Compile(source).GetType("Nabla.Tests.ConvProp.ConvProp")!;
        double tol = type == DType.F64 ? 1e-11 : 2e-4;
        string? Diff<T>(CompiledModel<T> m) where T : unmanaged => CompiledRunner.Compare(want, CompiledRunner.Run(m, 0, bind, batch), tol);
        if (type == DType.F64)
        {
            Assert.Null(Diff((CompiledModel<double>)Activator.CreateInstance(type_)!)?.Insert(0, $"{g} Roslyn: "));
            Assert.Null(Diff(ExpressionBackend.Compile<double>(plan))?.Insert(0, $"{g} Expressions: "));
        }
        else
        {
            Assert.Null(Diff((CompiledModel<float>)Activator.CreateInstance(type_)!)?.Insert(0, $"{g} Roslyn: "));
            Assert.Null(Diff(ExpressionBackend.Compile<float>(plan))?.Insert(0, $"{g} Expressions: "));
        }
    }

    [Fact]
    public void Both_backends_agree_with_the_interpreter_on_random_conv_geometry_in_float64() =>
        Check.One(PropertyConfig.With(12), Prop.ForAll(Recipes, recipe => BackendsAgree(Draw(recipe), DType.F64, recipe.Sum())));

    [Fact]
    public void Both_backends_agree_with_the_interpreter_on_random_conv_geometry_in_float32() =>
        Check.One(PropertyConfig.With(8), Prop.ForAll(Recipes, recipe => BackendsAgree(Draw(recipe), DType.F32, recipe.Sum() + 1)));

    [Fact]
    public void LeNet_shaped_convolutions_agree_with_the_interpreter()
    {
        // conv1 1→6 k5 on 28×28 and conv2 6→16 k5 on 12×12: the shapes the benchmark runs (k = 576 is 36 full vectors).
        BackendsAgree(new Geometry(true, 1, 6, 1, (5, 5), (1, 1), (0, 0), (1, 1), 28, 28, 3, true, true), DType.F32, 1);
        BackendsAgree(new Geometry(true, 6, 16, 1, (5, 5), (1, 1), (0, 0), (1, 1), 12, 12, 3, true), DType.F64, 2);
    }

    // ---- the runtime's product folded into the images ----

    [Fact]
    public void ProductCol2Im_is_the_batched_product_then_Col2Im_bitwise_on_one_and_two_threads()
    {
        Check.One(PropertyConfig.With(40), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int batch = 1 + c.Next(c.OneIn(3) ? 40 : 4), ch = 1 + c.Next(5), h = 1 + c.Next(9), w = 1 + c.Next(12);
            int kh = 1 + c.Next(Math.Min(3, h + 1)), kw = 1 + c.Next(Math.Min(4, w + 1)), sh = 1 + c.Next(2), sw = 1 + c.Next(3);
            int dh = c.OneIn(3) ? 2 : 1, dw = c.OneIn(3) ? 2 : 1;
            int ph = c.Next(kh), pw = c.Next(kw);
            if (h + 2 * ph < dh * (kh - 1) + 1) ph = (dh * (kh - 1) + 1 - h + 1) / 2;
            if (w + 2 * pw < dw * (kw - 1) + 1) pw = (dw * (kw - 1) + 1 - w + 1) / 2;
            int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
            int m = ch * kh * kw, n = oh * ow, k = 1 + c.Next(c.OneIn(2) ? 40 : 8);
            bool ta = !c.OneIn(3), tb = c.OneIn(4), sharedA = !c.OneIn(4);
            float alpha = c.OneIn(4) ? -0.5f : 1f;
            int lda = (ta ? m : k) + c.Next(2), ldb = (tb ? k : n) + c.Next(2);
            int sa = sharedA ? 0 : (ta ? k : m) * lda, sb = (tb ? n : k) * ldb + c.Next(3);
            var rng = new Random(recipe.Sum());
            float[] a = Rand(rng, Math.Max(1, sa * batch + (ta ? k : m) * lda)), b = Rand(rng, sb * batch + (tb ? n : k) * ldb);
            int imageSize = ch * h * w;
            // The reference: the batch of products, then Col2Im, as the unfused schedule runs them.
            var cols = new float[batch * m * n];
            var want = Rand(rng, batch * imageSize);
            Gemm.SgemmBatched(batch, m, n, k, alpha, a, 0, lda, sa, ta, b, 0, ldb, sb, tb, 0f, cols, 0, n, m * n);
            Emitted.Col2Im(cols, want, batch, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
            float[] Run(int threads)
            {
                var x = Rand(new Random(threads), batch * imageSize); // overwritten, whatever it held
                using (ThreadCount.Set(threads))
                {
                    Conv.ProductCol2Im(batch, m, n, k, alpha, a, 0, lda, sa, ta, b, 0, ldb, sb, tb, x, 0, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                }
                return x;
            }
            var one = Run(1);
            Assert.Equal(want, one);
            Assert.Equal(one, Run(2));
        }));
    }

    [Fact]
    public void ProductCol2Im_of_one_large_image_and_with_alpha_zero_matches_the_unfused_kernels()
    {
        // One image whose product is large (m = 288, n = 1024, k = 64: parallelized inside the product, not by image),
        // and narrow products (gathered) with alpha = 0 and an infinite operand: zeros, as the unfused pair gives.
        var rng = new Random(13);
        using (ThreadCount.Set(2))
        {
            // conv 32 -> 64 channels, 3×3, on a 32×32 image: m = 32·9, n = 32·32, k = 64.
            float[] a = Rand(rng, 64 * 288), b = Rand(rng, 64 * 1024), cols = new float[288 * 1024];
            float[] want = new float[32 * 32 * 32], got = Rand(rng, 32 * 32 * 32);
            Gemm.SgemmBatched(1, 288, 1024, 64, 1f, a, 0, 288, 0, true, b, 0, 1024, 64 * 1024, false, 0f, cols, 0, 1024, 288 * 1024);
            Emitted.Col2Im(cols, want, 1, 32, 32, 32, 3, 3, 1, 1, 1, 1);
            Conv.ProductCol2Im(1, 288, 1024, 64, 1f, a, 0, 288, 0, true, b, 0, 1024, 64 * 1024, false, got, 0, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1);
            Assert.Equal(want, got);

            // 16 images of a 1-D conv: m = 2·3, n = 8, k = 4, alpha = 0, B holding +∞.
            float[] a2 = Rand(rng, 4 * 6), b2 = Rand(rng, 16 * 4 * 8), x = Rand(rng, 16 * 2 * 8);
            b2[5] = float.PositiveInfinity;
            Conv.ProductCol2Im(16, 6, 8, 4, 0f, a2, 0, 6, 0, true, b2, 0, 8, 32, false, x, 0, 2, 1, 8, 1, 3, 1, 1, 0, 1, 1, 1);
            Assert.All(x, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void ProductCol2Im_names_a_product_that_does_not_fit_the_window()
    {
        var a = new float[16 * 150]; var b = new float[2 * 16 * 64]; var x = new float[2 * 6 * 12 * 12];
        var e = Assert.Throws<ArgumentException>(() => Conv.ProductCol2Im(2, 149, 64, 16, 1f, a, 0, 149, 0, true, b, 0, 64, 16 * 64, false,
            x, 0, 6, 12, 12, 5, 5, 1, 1, 0, 0, 1, 1));
        Assert.Contains("m = 149", e.Message);
        Assert.Contains("6·5·5 = 150", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv.ProductCol2Im(2, 150, 64, 16, 1f, a, 0, 150, 0, true, b, 0, 64, 16 * 64, false,
            new float[100], 0, 6, 12, 12, 5, 5, 1, 1, 0, 0, 1, 1));
        Assert.Equal("x", e.ParamName);
    }

    // ---- the runtime's batch sum of products ----

    private static float[] Rand(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    [Fact]
    public void SgemmBatchedSum_is_the_sum_of_the_products_and_the_same_on_one_and_two_threads()
    {
        Check.One(PropertyConfig.With(60), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int batch = c.Next(6), m = 1 + c.Next(13), n = 1 + c.Next(31), k = 1 + c.Next(c.OneIn(3) ? 300 : 40);
            bool ta = c.OneIn(3), tb = !c.OneIn(3);
            float alpha = c.OneIn(4) ? 0.5f : 1f, beta = c.OneIn(3) ? 1f : 0f;
            int lda = (ta ? m : k) + c.Next(3), ldb = (tb ? k : n) + c.Next(3), ldc = n + c.Next(3);
            int sa = (ta ? k : m) * lda + c.Next(5), sb = c.OneIn(5) ? 0 : (tb ? n : k) * ldb + c.Next(5);
            var rng = new Random(recipe.Sum());
            float[] a = Rand(rng, Math.Max(1, batch) * sa + (ta ? k : m) * lda), b = Rand(rng, Math.Max(1, batch) * Math.Max(sb, 1) + (tb ? n : k) * ldb);
            float[] c0 = Rand(rng, m * ldc);
            double[] want = new double[m * ldc];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < ldc; j++)
                {
                    if (j >= n) { want[i * ldc + j] = c0[i * ldc + j]; continue; }
                    double acc = 0;
                    for (int t = 0; t < batch; t++)
                        for (int p = 0; p < k; p++)
                            acc += a[t * sa + (ta ? p * lda + i : i * lda + p)] * (double)b[t * sb + (tb ? j * ldb + p : p * ldb + j)];
                    want[i * ldc + j] = alpha * acc + beta * c0[i * ldc + j];
                }
            float[] Run(int threads)
            {
                var cc = (float[])c0.Clone();
                using (ThreadCount.Set(threads))
                {
                    Gemm.SgemmBatchedSum(batch, m, n, k, alpha, a, 0, lda, sa, ta, b, 0, ldb, sb, tb, beta, cc, 0, ldc);
                }
                return cc;
            }
            float[] one = Run(1), two = Run(2);
            Assert.Equal(one, two);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - one[i]) <= 1e-4 * (1 + Math.Sqrt(batch * k)),
                    $"batch {batch} m {m} n {n} k {k} ta {ta} tb {tb}: C[{i}] = {one[i]}, want {want[i]}");
        }));
    }

    [Fact]
    public void SgemmBatchedSum_of_a_large_batch_runs_on_two_threads_bitwise_like_one()
    {
        // Big enough to be spread over the threads (by image piece): 64 images of a 6×576 · (25×576)ᵀ product.
        var rng = new Random(3);
        float[] a = Rand(rng, 64 * 6 * 576), b = Rand(rng, 64 * 25 * 576);
        float[] c1 = new float[150], c2 = new float[150];
        using (ThreadCount.Set(1))
            Gemm.SgemmBatchedSum(64, 6, 25, 576, 1f, a, 0, 576, 6 * 576, false, b, 0, 576, 25 * 576, true, 0f, c1, 0, 25);
        using (ThreadCount.Set(2))
            Gemm.SgemmBatchedSum(64, 6, 25, 576, 1f, a, 0, 576, 6 * 576, false, b, 0, 576, 25 * 576, true, 0f, c2, 0, 25);
        Assert.Equal(c1, c2);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 25; j++)
            {
                double acc = 0;
                for (int t = 0; t < 64; t++)
                    for (int p = 0; p < 576; p++) acc += a[t * 3456 + i * 576 + p] * (double)b[t * 14400 + j * 576 + p];
                Assert.True(Math.Abs(acc - c1[i * 25 + j]) < 1e-3, $"C[{i},{j}] = {c1[i * 25 + j]}, want {acc}");
            }
    }

    [Fact]
    public void SgemmBatchedSum_of_many_short_products_splits_its_depth_the_same_way_on_one_and_two_threads()
    {
        // The MNIST-1D CNN's weight gradient: 100 images of 25×10 · (75×10)ᵀ, gathered into one product of depth 1,000
        // and cut into two halves (C = first + beta·C, then + second) whatever the thread count. beta = 1 and alpha ≠ 1
        // check that beta and alpha are applied once each.
        const int batch = 100, m = 25, n = 75, k = 10;
        var rng = new Random(11);
        float[] a = Rand(rng, batch * m * k), b = Rand(rng, batch * n * k), c0 = Rand(rng, m * n);
        float[] Run(int threads)
        {
            var c = (float[])c0.Clone();
            using (ThreadCount.Set(threads))
            {
                Gemm.SgemmBatchedSum(batch, m, n, k, -0.5f, a, 0, k, m * k, false, b, 0, k, n * k, true, 1f, c, 0, n);
            }
            return c;
        }
        float[] one = Run(1);
        Assert.Equal(one, Run(2));
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int t = 0; t < batch; t++)
                    for (int p = 0; p < k; p++) acc += a[t * m * k + i * k + p] * (double)b[t * n * k + j * k + p];
                double want = -0.5 * acc + c0[i * n + j];
                Assert.True(Math.Abs(want - one[i * n + j]) < 1e-3, $"C[{i},{j}] = {one[i * n + j]}, want {want}");
            }
    }

    [Fact]
    public void SgemmBatchedSum_of_a_wide_output_keeps_no_scratch_the_size_of_its_lane_accumulators()
    {
        // A late convolution layer's weight gradient: C is 256 × 2304, each image's k = 7·7. The dot-product path keeps
        // 16 lanes per C element (37.7 MB here, held by the thread for good) and ran 4–7× slower than the per-image GEMMs;
        // such a product must take the GEMM path, whose packing buffers are small.
        const int batch = 2, m = 256, n = 2304, k = 49;
        var rng = new Random(5);
        float[] a = Rand(rng, batch * m * k), b = Rand(rng, batch * n * k), c = new float[m * n];
        long allocated = 0;
        using (ThreadCount.Set(1))
        {
            var t = new System.Threading.Thread(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Gemm.SgemmBatchedSum(batch, m, n, k, 1f, a, 0, k, m * k, false, b, 0, k, n * k, true, 0f, c, 0, n);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            t.Start();
            t.Join();
        }
        Assert.True(allocated < 4 << 20, $"the call allocated {allocated / 1e6:F1} MB of scratch");
        for (int i = 0; i < m; i += 37)
            for (int j = 0; j < n; j += 101)
            {
                double want = 0;
                for (int s = 0; s < batch; s++)
                    for (int p = 0; p < k; p++) want += a[s * m * k + i * k + p] * (double)b[s * n * k + j * k + p];
                Assert.True(Math.Abs(want - c[i * n + j]) < 1e-4, $"C[{i},{j}] = {c[i * n + j]}, want {want}");
            }
    }

    [Fact]
    public void SgemmBatchedWithEpilogue_is_a_loop_of_Sgemm_calls_and_the_same_on_one_and_two_threads()
    {
        Check.One(PropertyConfig.With(60), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int batch = 1 + c.Next(c.OneIn(3) ? 40 : 5), m = 1 + c.Next(20), n = 1 + c.Next(c.OneIn(2) ? 140 : 40), k = 1 + c.Next(c.OneIn(3) ? 160 : 30);
            bool ta = c.OneIn(3), tb = c.OneIn(4), sharedA = !c.OneIn(3);
            float alpha = c.OneIn(4) ? 0.5f : 1f, beta = c.OneIn(4) ? 1f : 0f;
            var mode = (BiasMode)c.Next(3);
            var act = c.OneIn(2) ? Activation.Relu : Activation.None;
            bool masked = c.OneIn(3);
            int lda = (ta ? m : k) + c.Next(3), ldb = (tb ? k : n) + c.Next(3), ldc = n + c.Next(3);
            int sa = sharedA ? 0 : (ta ? k : m) * lda, sb = (tb ? n : k) * ldb, sc = m * ldc + c.Next(3);
            var rng = new Random(recipe.Sum());
            float[] a = Rand(rng, Math.Max(sa * batch, (ta ? k : m) * lda)), b = Rand(rng, sb * batch);
            float[] bias = Rand(rng, Math.Max(m, n)), mask = masked ? Rand(rng, sc * batch) : null!;
            float[] c0 = Rand(rng, sc * batch);
            var want = (float[])c0.Clone();
            for (int i = 0; i < batch; i++)
                Gemm.Sgemm(m, n, k, alpha, a, i * sa, lda, ta, b, i * sb, ldb, tb, beta, want, i * sc, ldc, bias, 0, mode, act, masked ? mask : null, i * sc, ldc);
            float[] Run(int threads)
            {
                var cc = (float[])c0.Clone();
                using (ThreadCount.Set(threads))
                {
                    Gemm.SgemmBatchedWithEpilogue(batch, m, n, k, alpha, a, 0, lda, sa, ta, b, 0, ldb, sb, tb, beta, cc, 0, ldc, sc, bias, 0, mode, act, masked ? mask : null, 0, ldc);
                }
                return cc;
            }
            float[] one = Run(1), two = Run(2);
            Assert.Equal(one, two);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - one[i]) <= 1e-5f * (1 + k), $"batch {batch} m {m} n {n} k {k} ta {ta} tb {tb} {mode} {act}: C[{i}] = {one[i]}, want {want[i]}");
        }));
    }

    [Fact]
    public void Batched_products_with_a_small_B_run_direct_with_the_bits_of_the_packed_GEMM()
    {
        // A plain B of at most 16 KiB and k within one packing block takes the direct kernel (Gemm.RunSmallB) inside a
        // batch; a single Sgemm of the same product takes the packed path. Both are one FMA chain in k order per C element.
        Check.One(PropertyConfig.With(40), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int batch = 2 + c.Next(6), m = 2 + c.Next(c.OneIn(2) ? 200 : 20), n = 16 + c.Next(c.OneIn(2) ? 100 : 30), k = 2 + c.Next(c.OneIn(3) ? 120 : 20);
            if ((long)k * n * 4 > 16 << 10) k = (16 << 10) / (4 * n);
            bool ta = c.OneIn(2), sharedA = !c.OneIn(3);
            float alpha = c.OneIn(4) ? 0.5f : 1f, beta = c.OneIn(4) ? 1f : 0f;
            int lda = (ta ? m : k) + c.Next(3), ldb = n + c.Next(3), ldc = n + c.Next(3);
            int sa = sharedA ? 0 : (ta ? k : m) * lda, sb = k * ldb, sc = m * ldc;
            var rng = new Random(recipe.Sum());
            float[] a = Rand(rng, Math.Max(sa * batch, (ta ? k : m) * lda)), b = Rand(rng, sb * batch), c0 = Rand(rng, sc * batch);
            var want = (float[])c0.Clone();
            for (int i = 0; i < batch; i++)
                Gemm.Sgemm(m, n, k, alpha, a, i * sa, lda, ta, b, i * sb, ldb, false, beta, want, i * sc, ldc, null, 0, BiasMode.None, Activation.None, null, 0, 0);
            foreach (int threads in new[] { 1, 2 })
            {
                var got = (float[])c0.Clone();
                using (ThreadCount.Set(threads))
                {
                    Gemm.SgemmBatched(batch, m, n, k, alpha, a, 0, lda, sa, ta, b, 0, ldb, sb, false, beta, got, 0, ldc, sc);
                }
                for (int i = 0; i < want.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                        $"batch {batch} m {m} n {n} k {k} ta {ta} threads {threads}: C[{i}] = {got[i]}, packed {want[i]}");
            }
        }));
    }

    [Fact]
    public void Narrow_products_sharing_A_run_as_one_gathered_GEMM_like_a_loop_of_Sgemm_calls()
    {
        // Shared A, plain B, n below one 48-column panel, no mask, at least 96 columns over the batch: the batch runs as
        // one GEMM over the gathered columns (the MNIST-1D CNN's convolutions: n = 5 to 19 positions an image).
        Check.One(PropertyConfig.With(60), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int n = 1 + c.Next(47), batch = (96 + n - 1) / n + c.Next(c.OneIn(3) ? 200 : 10), m = 1 + c.Next(c.OneIn(4) ? 70 : 30);
            int k = 1 + c.Next(c.OneIn(3) ? 300 : 80);
            bool ta = c.OneIn(2), epilogue = !c.OneIn(3);
            float alpha = c.OneIn(4) ? 0.5f : 1f, beta = c.OneIn(4) ? 1f : 0f;
            var mode = epilogue ? (BiasMode)c.Next(3) : BiasMode.None;
            var act = epilogue && c.OneIn(2) ? Activation.Relu : Activation.None;
            int lda = (ta ? m : k) + c.Next(3), ldb = n + c.Next(3), ldc = n + c.Next(3);
            int sb = k * ldb + c.Next(3), sc = m * ldc + c.Next(3);
            var rng = new Random(recipe.Sum());
            float[] a = Rand(rng, (ta ? k : m) * lda), b = Rand(rng, sb * batch), bias = Rand(rng, Math.Max(m, n)), c0 = Rand(rng, sc * batch);
            var want = (float[])c0.Clone();
            for (int i = 0; i < batch; i++)
                Gemm.Sgemm(m, n, k, alpha, a, 0, lda, ta, b, i * sb, ldb, false, beta, want, i * sc, ldc, bias, 0, mode, act, null, 0, 0);
            float[] Run(int threads)
            {
                var cc = (float[])c0.Clone();
                using (ThreadCount.Set(threads))
                {
                    if (epilogue)
                        Gemm.SgemmBatchedWithEpilogue(batch, m, n, k, alpha, a, 0, lda, 0, ta, b, 0, ldb, sb, false, beta, cc, 0, ldc, sc, bias, 0, mode, act, null, 0, 0);
                    else Gemm.SgemmBatched(batch, m, n, k, alpha, a, 0, lda, 0, ta, b, 0, ldb, sb, false, beta, cc, 0, ldc, sc);
                }
                return cc;
            }
            float[] one = Run(1), two = Run(2);
            Assert.Equal(one, two);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - one[i]) <= 1e-5f * (1 + k), $"batch {batch} m {m} n {n} k {k} ta {ta} {mode} {act}: C[{i}] = {one[i]}, want {want[i]}");
        }));
    }

    [Fact]
    public void Narrow_double_products_sharing_A_run_gathered_like_a_loop_of_Dgemm_calls()
    {
        // float64 panels are 24 columns: n = 10 and 23 positions (both under a panel), a relu epilogue, 2 threads.
        foreach (int n in new[] { 10, 23 })
        {
            const int batch = 37, m = 25, k = 75;
            var rng = new Random(n);
            double[] D(int len) => Enumerable.Range(0, len).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            double[] a = D(m * k), b = D(batch * k * n), bias = D(m), want = new double[batch * m * n], got = new double[batch * m * n];
            for (int i = 0; i < batch; i++)
                Gemm.Dgemm(m, n, k, 1.0, a, 0, k, false, b, i * k * n, n, false, 0.0, want, i * m * n, n, bias, 0, BiasMode.PerRow, Activation.Relu, null, 0, 0);
            using (ThreadCount.Set(2))
            {
                Gemm.DgemmBatchedWithEpilogue(batch, m, n, k, 1.0, a, 0, k, 0, false, b, 0, n, k * n, false, 0.0, got, 0, n, m * n, bias, 0, BiasMode.PerRow, Activation.Relu, null, 0, 0);
            }
            for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) <= 1e-12, $"n {n}: C[{i}] = {got[i]}, want {want[i]}");
        }
    }

    [Fact]
    public void Im2col_and_col2im_of_1d_and_strided_images_match_their_definitions_bitwise_on_one_and_two_threads()
    {
        // 1-D images (one row, one kernel row: the permute path, which stores whole vectors past each channel's windows),
        // taller images of short rows (LeNet's second layer is 6×12×12) and any others, any column stride; the arrays are exactly as long as the images and their columns, and the
        // columns start as NaN, so a value read or left from outside its window shows.
        Check.One(PropertyConfig.With(80), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Choices(recipe);
            int kind = c.Next(3);
            bool oneD = kind == 0, rowPairs = kind == 1; // rowPairs: up to 13 rows of 8 to 16, unit column stride
            int n = 1 + c.Next(c.OneIn(3) ? 12 : 3), ch = 1 + c.Next(oneD ? 30 : 4);
            int h = oneD ? 1 : rowPairs ? 2 + c.Next(12) : 1 + c.Next(4), w = rowPairs ? 8 + c.Next(9) : 1 + c.Next(c.OneIn(2) ? 70 : 24);
            int kh = oneD ? 1 : 1 + c.Next(Math.Min(rowPairs ? 5 : 3, h)), kw = 1 + c.Next(Math.Min(5, w)), sh = 1 + c.Next(2), sw = rowPairs ? 1 : 1 + c.Next(3);
            int dh = c.OneIn(4) && h >= 2 * kh - 1 ? 2 : 1, dw = c.OneIn(4) && w >= 2 * kw - 1 ? 2 : 1;
            int ph = oneD ? 0 : c.Next(kh / 2 + 1), pw = c.Next(kw / 2 + 1);
            int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
            if (oh < 1 || ow < 1) return;
            var rng = new Random(recipe.Sum());
            double[] x = Enumerable.Range(0, n * ch * h * w).Select(_ => rng.NextDouble() - 0.5).ToArray();
            float[] xf = x.Select(v => (float)v).ToArray();
            int size = n * ch * kh * kw * oh * ow;
            // Col2Im's reference: every window value added into the input it names, in window order, from zero.
            double[] u = Enumerable.Range(0, size).Select(_ => rng.NextDouble() - 0.5).ToArray();
            float[] uf = u.Select(v => (float)v).ToArray();
            // Every window value in window order: its index in the columns and the input it names (−1 in the padding).
            IEnumerable<(int At, int To)> Windows()
            {
                for (int b = 0; b < n; b++)
                    for (int cc = 0; cc < ch; cc++)
                        for (int ki = 0; ki < kh; ki++)
                            for (int kj = 0; kj < kw; kj++)
                                for (int oy = 0; oy < oh; oy++)
                                    for (int ox = 0; ox < ow; ox++)
                                    {
                                        int iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
                                        int at = (((b * ch + cc) * kh + ki) * kw + kj) * oh * ow + oy * ow + ox;
                                        yield return (at, iy >= 0 && iy < h && ix >= 0 && ix < w ? ((b * ch + cc) * h + iy) * w + ix : -1);
                                    }
            }
            var back = new double[x.Length];
            var backf = new float[x.Length];
            foreach (var (at, to) in Windows())
                if (to >= 0)
                {
                    back[to] += u[at];
                    backf[to] += uf[at];
                }
            foreach (int threads in new[] { 1, 2 })
            {
                var col = Enumerable.Repeat(double.NaN, size).ToArray();
                var colf = Enumerable.Repeat(float.NaN, size).ToArray();
                var img = Enumerable.Repeat(double.NaN, x.Length).ToArray();
                var imgf = Enumerable.Repeat(float.NaN, x.Length).ToArray();
                using (ThreadCount.Set(threads))
                {
                    Emitted.Im2Col(x, col, n, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                    Emitted.Im2Col(xf, colf, n, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                    Emitted.Col2Im(u, img, n, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                    Emitted.Col2Im(uf, imgf, n, ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                }
                for (int i = 0; i < x.Length; i++)
                    Assert.True(back[i].Equals(img[i]) && backf[i].Equals(imgf[i]),
                        $"n {n} c {ch} h {h} w {w} k {kh}x{kw} s {sh},{sw} p {ph},{pw} d {dh},{dw} threads {threads}: col2im[{i}] = {img[i]} / {imgf[i]}, want {back[i]} / {backf[i]}");
                foreach (var (at, to) in Windows())
                {
                    double want = to >= 0 ? x[to] : 0;
                    Assert.True(want.Equals(col[at]) && ((float)want).Equals(colf[at]),
                        $"n {n} c {ch} h {h} w {w} k {kh}x{kw} s {sh},{sw} p {ph},{pw} d {dh},{dw} threads {threads}: col[{at}] = {col[at]} / {colf[at]}, want {want}");
                }
            }
        }));
    }

    [Fact]
    public void Im2col_and_col2im_spread_over_threads_are_bitwise_those_of_one_thread_and_adjoint()
    {
        // 9 images, enough work to be spread by image; padding, stride and dilation so every edge path runs.
        const int n = 9, c = 3, h = 17, w = 19, kh = 3, kw = 4, sh = 2, sw = 1, ph = 2, pw = 1, dh = 2, dw = 1;
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        var rng = new Random(7);
        double[] x = Enumerable.Range(0, n * c * h * w).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] u = Enumerable.Range(0, n * c * kh * kw * oh * ow).Select(_ => rng.NextDouble() - 0.5).ToArray();
        (double[] Col, double[] Back) Run(int threads)
        {
            using (ThreadCount.Set(threads))
            {
                var col = new double[u.Length];
                var back = new double[x.Length];
                Emitted.Im2Col(x, col, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                Emitted.Col2Im(u, back, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
                return (col, back);
            }
        }
        var (col1, back1) = Run(1);
        var (col2, back2) = Run(2);
        Assert.Equal(col1, col2);
        Assert.Equal(back1, back2);
        Assert.True(col1.Length >= 48 * 1024, "too small to be spread over the threads");
        // <im2col(x), u> = <x, col2im(u)>, and every window entry is the input it names (or a zero of the padding).
        Assert.Equal(col1.Zip(u, (a, b) => a * b).Sum(), x.Zip(back1, (a, b) => a * b).Sum(), 9);
        for (int b = 0; b < n; b += 4)
            for (int ch = 0; ch < c; ch++)
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
                                double want = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((b * c + ch) * h + iy) * w + ix] : 0;
                                Assert.Equal(want, col1[(((b * c + ch) * kh + ki) * kw + kj) * oh * ow + oy * ow + ox]);
                            }
    }
}
