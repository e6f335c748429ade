using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Backends.Expressions;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nabla.Tests.Backends;

/// <summary>
/// The ReLU mask fused into the pooling backward: <c>mul(step(x), max_pool_grad(x, dy))</c> — the derivative of
/// relu → max_pool — is one <see cref="PoolKernel"/> with <see cref="PoolKernel.ReluMask"/>. On random geometry
/// ([Conv2d →] ReLU → max_pool with kernel 1–3, stride 1–3, padding up to half the kernel, dilation 1–2, or the tiled
/// k = s = 2; rows long enough for the vector paths) the optimized schedule holds the fused kernel, and the gradients
/// of both backends and of the schedule interpreter agree with the interpreter in float64 and float32, and have the same
/// bits as the schedule without the fusion (adjoints with −0, ±∞, NaN) in both backends. The runtime
/// kernel with the mask gives the same bits as the kernel without it followed by the elementwise loop's step(x)·g,
/// on inputs with −0, NaN, ties, and adjoints with −0, ±∞ and NaN; and the scheduler fuses only the pattern.
/// </summary>
[Collection("CSharpBackend")] // ThreeWay switches CompiledModel<T>.VectorsEnabled, which is process-wide
public class PoolReluMaskTests
{
    private readonly ITestOutputHelper _out;
    public PoolReluMaskTests(ITestOutputHelper o) { _out = o; }

    private static Arbitrary<int> Seeds => Gen.Choose(0, 1_000_000).ToArbitrary();

    private static double Tolerance(DType type) => type == DType.F64 ? 1e-10 : 2e-4;

    private sealed record Case(string Geometry, Function Function, Dictionary<string, Tensor> Bindings, int Batch)
    {
        public override string ToString() => Geometry;
    }

    /// <summary>
    /// [Conv2d(c0 → c1, k, padding) →] ReLU → max_pool(random window) → y; outputs y and the gradients of sum(u·y).
    /// <paramref name="bare"/>: no convolution (grad_x is the masked gradient itself), rows of 16 or more, and the tiled
    /// 2×2 window two times in three.
    /// </summary>
    private static Case Build(int seed, DType type, bool bare = false)
    {
        var rng = new Random(seed);
        int R(int lo, int hi) => rng.Next(lo, hi + 1);
        bool conv = !bare && rng.Next(3) > 0; // else the ReLU reads the input: grad_x is the masked pooling gradient itself
        int c0 = R(1, 3), c1 = R(1, 3), ck = R(1, 3), cp = R(0, 1);
        if (!conv) { c1 = c0; ck = 1; cp = 0; }
        int h = R(2, 9) + ck - 1 - 2 * cp, w = R(bare ? 16 : 2, 40) + ck - 1 - 2 * cp;
        h = Math.Max(h, ck); w = Math.Max(w, ck);
        int oh = h + 2 * cp - ck + 1, ow = w + 2 * cp - ck + 1, batch = R(1, 3);
        int kh = R(1, 3), kw = R(1, 3), sh = R(1, 3), sw = R(1, 3);
        if (rng.Next(3) < (bare ? 2 : 1)) { kh = kw = sh = sw = 2; } // the tiled 2×2 kernel (LeNet's)
        int ph = R(0, kh / 2), pw = R(0, kw / 2), dh = R(1, 2), dw = R(1, 2);
        kh = Math.Min(kh, oh + 2 * ph); kw = Math.Min(kw, ow + 2 * pw);
        if (kh * kw == 1) { kw = Math.Min(2, ow + 2 * pw); kh = kw == 1 ? Math.Min(2, oh + 2 * ph) : 1; } // not the identity
        if (dh * (kh - 1) + 1 > oh + 2 * ph || !EveryWindowHasATap(oh, kh, sh, ph, dh)) dh = 1;
        if (dw * (kw - 1) + 1 > ow + 2 * pw || !EveryWindowHasATap(ow, kw, sw, pw, dw)) dw = 1;
        string geometry = $"[{batch},{c0},{h},{w}] {(conv ? $"conv {c1}x{ck}x{ck} p{cp} -> " : "")}relu [{batch},{c1},{oh},{ow}] -> max_pool k{kh}x{kw} s{sh},{sw} p{ph},{pw} d{dh},{dw}";

        var layers = conv ? new Module[] { new Conv2d(c0, c1, ck, 1, cp), new ReLU() } : new Module[] { new ReLU() };
        var t = Model.Build(new Sequential(layers), Shape.Of(Shape.Batch, c0, h, w)).Trace(type);
        var g = t.Graph;
        var x = t.Inputs[0];
        var y = F.MaxPool(t.Outputs[0].Node, kh, kw, sh, sw, ph, pw, dh, dw);
        var u = g.Input("u", y.Shape);
        var wrt = new[] { x }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(F.Sum(y * u), wrt);
        var outputs = new List<Named> { new("y", y), new("grad_x", grads[0]) };
        for (int i = 0; i < t.Parameters.Count; i++) outputs.Add(new Named("grad_" + t.Parameters[i].Name, grads[i + 1]));
        var bind = new Dictionary<string, Tensor>
        {
            [x.Name!] = GradCheck.Random(x.Shape.Concrete(batch), rng),
            ["u"] = GradCheck.Random(y.Shape.Concrete(batch), rng),
        };
        foreach (var p in t.Parameters) bind[p.Name] = GradCheck.Random(p.Node.Shape.Concrete(batch), rng);
        return new Case(geometry, new Function(g, outputs), bind, batch);
    }

    private static bool EveryWindowHasATap(int size, int k, int s, int p, int d)
    {
        int outs = (size + 2 * p - d * (k - 1) - 1) / s + 1;
        for (int o = 0; o < outs; o++)
            if (!Enumerable.Range(0, k).Any(i => o * s - p + i * d >= 0 && o * s - p + i * d < size)) return false;
        return true;
    }

    /// <summary>The optimized schedule of the case, which must hold the fused kernel (else the test would pass vacuously).</summary>
    private static Nabla.Rewrites.Schedule.Schedule Fused(Case c, int seed)
    {
        var s = Scheduler.Build(Pipeline.Optimize(c.Function).Function);
        if (!s.Kernels.OfType<PoolKernel>().Any(k => k.ReluMask))
            throw new XunitException($"seed {seed}: no max_pool_grad with the ReLU mask in the optimized schedule of {c}:\n{string.Join("\n", s.Kernels)}");
        return s;
    }

    [Theory]
    [InlineData(DType.F64)]
    [InlineData(DType.F32)]
    public void The_fused_kernel_agrees_with_the_interpreter_in_the_expression_backend_and_the_schedule_interpreter(DType type)
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 10), Prop.ForAll(Seeds, seed =>
        {
            var c = Build(seed, type);
            var schedule = Fused(c, seed);
            var want = Interpreter.Run(c.Function, c.Bindings, type, c.Batch);
            var scheduled = CompiledRunner.Compare(want, ScheduleInterpreter.Run(schedule, c.Bindings, c.Batch), Tolerance(type));
            if (scheduled is not null) throw new XunitException($"seed {seed}, schedule interpreter: {scheduled}\n{c}");
            var diff = ThreeWay.Check(want, type, ThreeWay.Plan(c.Function, "PoolMask"), null, c.Bindings, c.Batch, Tolerance(type));
            if (diff is not null) throw new XunitException($"seed {seed}: {diff}\n{c}");
        }));
    }

    [Fact]
    public void The_fused_kernel_agrees_with_the_interpreter_in_both_backends()
    {
        // Roslyn compiles cost seconds: each property case compiles four random cases (two per type) in one compilation.
        Check.One(Ir.PropertyConfig.With(3), Prop.ForAll(Seeds, seed =>
        {
            var cases = Enumerable.Range(0, 4).Select(i => Build(seed + i, i % 2 == 0 ? DType.F64 : DType.F32)).ToArray();
            for (int i = 0; i < cases.Length; i++) Fused(cases[i], seed + i);
            var plans = cases.Select((c, i) => ThreeWay.Plan(c.Function, $"PoolMask{seed}_{i}")).ToArray();
            var types = ThreeWay.CompileAll(plans, out double ms);
            _out.WriteLine($"seed {seed}: {cases.Length} cases compiled in {ms:F0} ms");
            for (int i = 0; i < cases.Length; i++)
            {
                var type = cases[i].Function.Outputs[0].Node.DType;
                var diff = ThreeWay.Check(cases[i].Function, plans[i], types(plans[i].Name), cases[i].Bindings, cases[i].Batch, Tolerance(type));
                if (diff is not null) throw new XunitException($"seed {seed + i}: {diff}\n{cases[i]}");
            }
        }));
    }

    // ---- the same bits as the unfused schedule ----

    /// <summary>
    /// The optimized function of a case, scheduled twice: as is (the fused kernel) and with every max_pool_grad also a
    /// result (then nothing may fuse it: a loop multiplies by step(x) after the pooling). The adjoint u has −0, ±∞ and
    /// NaN here and there, so the gradients hold signed zeros, infinities and NaN.
    /// </summary>
    private static (ModelPlan Plan, Function Function, Dictionary<string, Tensor> Bindings, int Batch) Twice(int seed, DType type, string name)
    {
        var c = Build(seed, type, bare: seed % 2 == 0);
        var opt = Pipeline.Optimize(c.Function).Function;
        var fused = Fused(c, seed);
        var grads = opt.Nodes().Where(n => n.Op == Op.MaxPoolGrad).ToArray();
        var unfused = Scheduler.Build(new Function(opt.Graph, opt.Outputs.Concat(grads.Select((g, i) => new Named("pool_grad" + i, g)))));
        Assert.DoesNotContain(unfused.Kernels, k => k is PoolKernel { ReluMask: true });
        var rng = new Random(seed);
        // Many −0 (a masked tap of an all-zero window gives 0·(−0) = −0), and one ±∞ or NaN at most (else NaN would
        // fill every gradient whatever the mask does).
        var bind = new Dictionary<string, Tensor>(c.Bindings);
        var u = (double[])bind["u"].Data.Clone();
        for (int i = 0; i < u.Length; i++) if (rng.Next(4) == 0) u[i] = -0.0;
        if (rng.Next(2) == 0) u[rng.Next(u.Length)] = new[] { double.PositiveInfinity, double.NegativeInfinity, double.NaN }[rng.Next(3)];
        bind["u"] = new Tensor(bind["u"].Shape, u);
        return (new ModelPlan(name, new[] { ("Fused", fused), ("Unfused", unfused) }), opt, bind, c.Batch);
    }

    // The first output element whose bits differ between the fused method (0) and the unfused one (1), or null.
    private static string? SameBits<T>(CompiledModel<T> model, Function f, Dictionary<string, Tensor> bind, int batch) where T : unmanaged
    {
        var fused = CompiledRunner.Run(model, 0, bind, batch);
        var unfused = CompiledRunner.Run(model, 1, bind, batch);
        foreach (var o in f.Outputs)
        {
            double[] a = fused[o.Name].Data, b = unfused[o.Name].Data;
            for (int i = 0; i < a.Length; i++)
                if (BitConverter.DoubleToInt64Bits(a[i]) != BitConverter.DoubleToInt64Bits(b[i]))
                    return $"{o.Name}[{i}]: fused {a[i]:R} ({BitConverter.DoubleToInt64Bits(a[i]):X}), unfused {b[i]:R} ({BitConverter.DoubleToInt64Bits(b[i]):X})";
        }
        return null;
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F64)]
    public void The_fused_kernel_gives_the_bits_of_the_unfused_schedule(DType type)
    {
        Check.One(Ir.PropertyConfig.With(Ir.PropertyConfig.Cases / 20), Prop.ForAll(Seeds, seed =>
        {
            var (plan, f, bind, batch) = Twice(seed, type, "PoolMaskBits");
            string? diff = type == DType.F32 ? SameBits(ExpressionBackend.Compile<float>(plan), f, bind, batch) : SameBits(ExpressionBackend.Compile<double>(plan), f, bind, batch);
            if (diff is not null) throw new XunitException($"seed {seed}, expressions: {diff}\n{Build(seed, type, bare: seed % 2 == 0)}");
        }));
        // Roslyn: four cases in one compilation, bare ones on the tiled 2×2 path with vector rows.
        var seeds = Enumerable.Range(500, 200).Where(s => s % 2 == 0 && Build(s, type, bare: true).Geometry.Contains("k2x2 s2,2 p0,0")).Take(4).ToArray();
        var cases = seeds.Select(s => Twice(s, type, $"PoolMaskBits{type}{s}")).ToArray();
        var types = ThreeWay.CompileAll(cases.Select(c => c.Plan).ToArray(), out _);
        for (int i = 0; i < cases.Length; i++)
        {
            var (plan, f, bind, batch) = cases[i];
            var model = Activator.CreateInstance(types(plan.Name))!;
            string? diff = type == DType.F32 ? SameBits((CompiledModel<float>)model, f, bind, batch) : SameBits((CompiledModel<double>)model, f, bind, batch);
            Assert.True(diff is null, $"seed {seeds[i]}, roslyn: {diff}\n{Build(seeds[i], type, bare: seeds[i] % 2 == 0)}");
        }
    }

    // ---- the scheduler fuses exactly the pattern ----

    private static Nabla.Rewrites.Schedule.Schedule Scheduled(Func<Graph, Node, Node, Node> body, out Node x)
    {
        var g = new Graph(DType.F32);
        x = g.Input("x", Shape.Of(Shape.Batch, 2, 4, 4));
        var dy = g.Input("dy", Shape.Of(Shape.Batch, 2, 2, 2));
        var pg = F.MaxPoolGrad(x, dy, 2, 2, 2, 2);
        return Scheduler.Build(new Function(g, new[] { new Named("dx", body(g, x, pg)) }));
    }

    [Fact]
    public void The_scheduler_fuses_the_mask_in_either_order_and_only_on_the_pooling_input()
    {
        foreach (var order in new Func<Graph, Node, Node, Node>[] { (g, x, pg) => F.Step(x) * pg, (g, x, pg) => pg * F.Step(x) })
        {
            var s = Scheduled(order, out _);
            var k = Assert.Single(s.Kernels);
            var pool = Assert.IsType<PoolKernel>(k);
            Assert.True(pool.ReluMask);
            Assert.EndsWith($"times step({pool.Input.Ref})", pool.ToString());
        }
        // Another x in the step, a pooling gradient read twice, or a different op: a pooling kernel and a loop.
        var others = new Func<Graph, Node, Node, Node>[]
        {
            (g, x, pg) => F.Step(g.Input("z", x.Shape)) * pg,
            (g, x, pg) => F.Step(x) * pg + pg,
            (g, x, pg) => F.Sign(x) * pg,
            (g, x, pg) => F.Step(x) + pg,
        };
        foreach (var other in others)
        {
            var s = Scheduled(other, out _);
            Assert.Contains(s.Kernels, k => k is PoolKernel { ReluMask: false });
            Assert.DoesNotContain(s.Kernels, k => k is PoolKernel { ReluMask: true });
            Assert.Contains(s.Kernels, k => k is ElementwiseKernel);
        }
    }

    // ---- the runtime kernel ----

    public static IEnumerable<object[]> Geometries => new[]
    {
        new object[] { 3, 6, 24, 24, 2, 2, 2, 2, 0, 0, 1, 1 },  // LeNet's first pooling (the tiled 2×2 path, vector rows)
        new object[] { 2, 3, 9, 37, 2, 2, 2, 2, 0, 0, 1, 1 },  // uncovered last row and column, vector and scalar tails
        new object[] { 2, 2, 1, 35, 1, 2, 1, 2, 0, 0, 1, 1 },  // 1-D tiles
        new object[] { 2, 2, 10, 11, 3, 3, 3, 3, 0, 0, 1, 1 }, // other tiles
        new object[] { 2, 3, 9, 19, 3, 3, 1, 2, 1, 1, 1, 1 },  // overlapping, padded
        new object[] { 1, 2, 11, 13, 2, 3, 2, 1, 1, 1, 2, 2 }, // dilated
    };

    /// <summary>
    /// The runtime's backward with the mask against the backward without it followed by the plain loop
    /// <c>dx = Emitted.Step(x) · g</c> (the elementwise loop's own step and product): the same bits, in float and double,
    /// with x drawn from {−1, −0, +0, 0.5, 1, NaN} (ties, signed zeros, NaN windows) and adjoints that include −0, ±∞ and
    /// NaN; also against a plain-loop max_pool_grad times step(x) computed in double, by value.
    /// </summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_masked_runtime_kernel_gives_the_bits_of_the_mask_after_the_pooling(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        var rng = new Random(n * 7919 + c * 131 + h * 17 + w);
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        var xs = new[] { -1.0, -0.0, 0.0, 0.5, 1.0, double.NaN };
        var gs = new[] { -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN };
        var x = Enumerable.Range(0, n * c * h * w).Select(_ => rng.Next(4) == 0 ? xs[rng.Next(xs.Length)] : Math.Round(rng.NextDouble() * 4 - 2, 1)).ToArray();
        var dy = Enumerable.Range(0, n * c * oh * ow).Select(_ => rng.Next(6) == 0 ? gs[rng.Next(gs.Length)] : rng.NextDouble() * 2 - 1).ToArray();
        var reference = Reference(x, dy, n * c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw);

        Check(x, dy, v => v);
        Check(x.Select(v => (float)v).ToArray(), dy.Select(v => (float)v).ToArray(), v => v);

        void Check<T>(T[] xt, T[] gt, Func<T, double> toDouble) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var plain = new T[xt.Length]; var fused = Enumerable.Repeat(T.NaN, xt.Length).ToArray();
            Emitted.MaxPoolBackward(xt, gt, plain, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
            for (int i = 0; i < plain.Length; i++) plain[i] = Step(xt[i]) * plain[i];
            Emitted.MaxPoolBackward(xt, gt, fused, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, reluMask: true);
            for (int i = 0; i < plain.Length; i++)
            {
                Assert.True(Bits(plain[i]) == Bits(fused[i]), $"{typeof(T).Name} dx[{i}]: fused {fused[i]} ({Bits(fused[i]):X}), mask after the pooling {plain[i]} ({Bits(plain[i]):X}); x = {xt[i]}");
                double want = reference[i], got = toDouble(fused[i]);
                Assert.True(double.IsNaN(want) ? double.IsNaN(got) : Math.Abs(got - want) <= 1e-5 * (1 + Math.Abs(want)) || got == want,
                    $"{typeof(T).Name} dx[{i}]: {got}, the plain loop gives {want}; x = {xt[i]}");
            }
        }
    }

    private static T Step<T>(T x) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)Emitted.Step((float)(object)x) : (T)(object)Emitted.Step((double)(object)x);

    private static long Bits<T>(T v) where T : unmanaged =>
        typeof(T) == typeof(float) ? BitConverter.SingleToInt32Bits((float)(object)v) : BitConverter.DoubleToInt64Bits((double)(object)v);

    // max_pool_grad as the IR defines it (each window's adjoint over its ties at the maximum, added window by window in
    // order; a NaN window adds nothing), then times step(x), in double.
    private static double[] Reference(double[] x, double[] dy, int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        var dx = new double[x.Length];
        var taps = new List<int>();
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    taps.Clear();
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                        {
                            int iy = oy * sh - ph + i * dh, ix = ox * sw - pw + j * dw;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) taps.Add((p * h + iy) * w + ix);
                        }
                    double m = double.NegativeInfinity;
                    foreach (var t in taps) m = Math.Max(m, x[t]);
                    int ties = taps.Count(t => x[t] == m);
                    foreach (var t in taps) if (x[t] == m) dx[t] += dy[(p * oh + oy) * ow + ox] / ties;
                }
        for (int i = 0; i < dx.Length; i++) dx[i] = (x[i] > 0 ? 1.0 : 0.0) * dx[i];
        return dx;
    }

    [Fact]
    public void The_masked_runtime_kernel_checks_its_arguments_by_name()
    {
        var x = new float[16]; var dy = new float[4];
        var a = Assert.Throws<ArgumentException>(() => Emitted.MaxPoolBackward(x, dy, x, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, reluMask: true));
        Assert.Equal("dx", a.ParamName);
        Assert.Contains("Emitted.MaxPoolBackward", a.Message);
        a = Assert.Throws<ArgumentException>(() => Emitted.MaxPoolBackward(x, new float[3], new float[16], 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, reluMask: true));
        Assert.Equal("dy", a.ParamName);
    }
}
