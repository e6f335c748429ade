using System;
using System.Linq;
using Nabla.Ir;
using Nabla.Tests.Dsl;
using Xunit;

namespace Nabla.Tests.Losses;

/// <summary>
/// The new losses' gradients against central differences in float64 on seeded random data of several batch sizes and
/// widths (deterministic: the seeds are fixed), each differentiable argument, both reductions. Inputs of the hinged
/// losses are kept away from their kinks, so the differences are well defined.
/// </summary>
public class LossGradientTests
{
    private static readonly int B = Shape.Batch;

    public static TheoryData<int> Seeds() { var d = new TheoryData<int>(); for (int s = 0; s < 12; s++) d.Add(s); return d; }

    private static Shape Batched(Tensor t) => new(new[] { B }.Concat(t.Shape.Skip(1)).ToArray());

    private static void Check(string what, Func<Node[], Reduction, Node> build, Tensor[] values, int[] wrt, int seed)
    {
        var shapes = values.Select(Batched).ToArray();
        foreach (var r in new[] { Reduction.Mean, Reduction.Sum })
        {
            double err = Oracle.GradError(a => build(a, r), shapes, values, wrt, seed: seed);
            Assert.True(err < 1e-6, $"{what} ({r}, seed {seed}): relative gradient error {err:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Gradients_of_the_new_losses_agree_with_central_differences(int seed)
    {
        var rng = new Rng((ulong)seed * 7919 + 3);
        int b = 1 + seed % 4, w = 1 + (seed / 4) % 3, c = w + 1;
        Tensor R(double lo, double hi, params int[] shape) => Oracle.Random(rng, lo, hi, shape);

        var t = R(-2, 2, b, w);
        var d = Oracle.AwayFrom(rng, -2, 2, 0.01, new[] { 0.0, -0.6, 0.6 }, b, w);
        var y = new Tensor(t.Shape, t.Data.Zip(d.Data, (u, v) => u + v).ToArray());
        Check("L1", (a, r) => Loss.L1().Apply(a[0], a[1], r), new[] { y, t }, new[] { 0, 1 }, seed);
        Check("Huber", (a, r) => Loss.Huber(0.6).Apply(a[0], a[1], r), new[] { y, t }, new[] { 0, 1 }, seed);

        var z = R(-6, 6, b, w);
        var p = R(0, 1, b, w);
        Check("BCE posWeight", (a, r) => Loss.BinaryCrossEntropyWithLogits(3.0).Apply(a[0], a[1], r), new[] { z, p }, new[] { 0, 1 }, seed);
        var pw = Enumerable.Range(0, w).Select(i => 0.5 + i).ToArray();
        if (w > 1) Check("BCE posWeight[]", (a, r) => Loss.BinaryCrossEntropyWithLogits(pw).Apply(a[0], a[1], r), new[] { z, p }, new[] { 0, 1 }, seed);

        var logits = R(-5, 5, b, c);
        var weights = Enumerable.Range(0, c).Select(i => 0.25 + 0.5 * i).ToArray();
        var idx = new Tensor(new[] { b }, Enumerable.Range(0, b).Select(i => (double)((i * 5 + seed) % c)).ToArray());
        var probs = R(0.01, 1, b, c);
        for (int i = 0; i < b; i++) { double s = 0; for (int j = 0; j < c; j++) s += probs.Data[i * c + j]; for (int j = 0; j < c; j++) probs.Data[i * c + j] /= s; }
        Check("CE indices", (a, r) => Loss.SoftmaxCrossEntropy(ClassTargets.Indices, 0.1, weights).Apply(a[0], a[1], r), new[] { logits, idx }, new[] { 0 }, seed);
        Check("CE probabilities", (a, r) => Loss.SoftmaxCrossEntropy(ClassTargets.Probabilities, 0.2, weights).Apply(a[0], a[1], r), new[] { logits, probs }, new[] { 0, 1 }, seed);

        var q = R(-1, 1, b, 3);
        var k = R(-1, 1, b, 3);
        Check("InfoNCE in-batch", (a, r) => Loss.InfoNceInBatch(0.3).Apply(new[] { a[0], a[1] }, null, r), new[] { q, k }, new[] { 0, 1 }, seed);
        Check("InfoNCE in-batch symmetric", (a, r) => Loss.InfoNceInBatch(0.3, symmetric: true).Apply(new[] { a[0], a[1] }, null, r), new[] { q, k }, new[] { 0, 1 }, seed);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Gradients_of_the_margin_losses_agree_with_central_differences_away_from_the_hinge(int seed)
    {
        var rng = new Rng((ulong)seed * 104729 + 11);
        int b = 1 + seed % 4;
        Tensor R() => Oracle.Random(rng, -1, 1, b, 3);
        double Dist(Tensor x, Tensor y, int i) => Math.Sqrt(Enumerable.Range(0, 3).Sum(j => Math.Pow(x.Data[i * 3 + j] - y.Data[i * 3 + j] + 1e-6, 2)));
        Tensor a, p, n;
        do { a = R(); p = R(); n = R(); }
        while (Enumerable.Range(0, b).Any(i => Math.Abs(Dist(a, p, i) - Dist(a, n, i) + 0.5) < 1e-3));
        Check("TripletMargin", (x, r) => Loss.TripletMargin(0.5).Apply(new[] { x[0], x[1], x[2] }, null, r), new[] { a, p, n }, new[] { 0, 1, 2 }, seed);

        Tensor u, v;
        do { u = R(); v = R(); }
        while (Enumerable.Range(0, b).Any(i => Math.Abs(Dist(u, v, i) - 1.0) < 1e-3));
        var same = new Tensor(new[] { b }, Enumerable.Range(0, b).Select(i => (double)((i + seed) % 2)).ToArray());
        Check("ContrastiveMargin", (x, r) => Loss.ContrastiveMargin(1.0).Apply(new[] { x[0], x[1] }, x[2], r), new[] { u, v, same }, new[] { 0, 1 }, seed);
    }
}
