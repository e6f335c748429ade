using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// Compile time of the rewrite pipeline (<see cref="Pipeline.Optimize"/>) against graph size: the training step (forward,
/// reverse mode, SGD update) of a deep MLP of width 16 whose hidden activations cycle through ReLU, tanh and sigmoid and
/// whose loss is written as <c>mean(−Σ t·log(softmax(z)))</c>, so that stabilization and scalar floating have work in
/// every layer. Cases <c>pipeline-N</c> use the shallowest such network with at least N IR nodes, N = 100, 1,000, 5,000
/// and 20,000. Each call optimizes the same unoptimized function. In the JSON, <c>batch</c> holds the node count and
/// <c>samples_per_s</c> the nodes optimized per second; the growth of <c>median_us</c> with N must be roughly linear.
/// </summary>
public static class PipelineCases
{
    /// <summary>The graph sizes measured.</summary>
    public static readonly int[] Sizes = { 100, 1000, 5000, 20000 };

    /// <summary>One case per size.</summary>
    public static IEnumerable<IBenchCase> All() => Sizes.Select(n => (IBenchCase)new PipelineCase(n));

    /// <summary>The training step of an MLP with <paramref name="hidden"/> hidden layers of <paramref name="width"/> units.</summary>
    public static Function TrainStep(int hidden, int width)
    {
        var g = new Graph(DType.F32);
        var x = g.Input("x", Shape.Of(Shape.Batch, width));
        var t = g.Input("t", Shape.Of(Shape.Batch, 10));
        var parameters = new List<Node>();
        Node h = x;
        for (int l = 0; l <= hidden; l++)
        {
            int outputs = l == hidden ? 10 : width;
            var w = g.Param($"{2 * l}.weight", Shape.Of(outputs, width));
            var b = g.Param($"{2 * l}.bias", Shape.Of(outputs));
            parameters.Add(w); parameters.Add(b);
            var z = F.MatMul(h, F.T(w)) + b;
            h = l == hidden ? z : (l % 3) switch { 0 => F.Relu(z), 1 => F.Tanh(z), _ => F.Sigmoid(z) };
        }
        var loss = F.Mean(-F.Sum(t * F.Log(F.Softmax(h)), 1));
        var grads = Autodiff.Grad(loss, parameters);
        return new Function(g, new[] { new Named("loss", loss) }, parameters.Select((p, i) => new Named(p.Name!, p - grads[i] * 0.01)));
    }

    /// <summary>The shallowest <see cref="TrainStep"/> of width 16 with at least <paramref name="nodes"/> reachable nodes.</summary>
    public static Function WithAtLeast(int nodes)
    {
        // About 19 nodes per hidden layer plus 36: start from the estimate and step up.
        int hidden = Math.Max(1, (nodes - 36) / 19);
        var f = TrainStep(hidden, 16);
        while (f.Nodes().Count < nodes) f = TrainStep(++hidden, 16);
        return f;
    }
}

/// <summary>See <see cref="PipelineCases"/>.</summary>
public sealed class PipelineCase : IBenchCase
{
    private readonly int _target;
    private Function? _f;
    private int _nodes;

    /// <summary>The case for graphs of at least <paramref name="nodes"/> nodes.</summary>
    public PipelineCase(int nodes) { _target = nodes; Name = $"pipeline-{nodes}"; }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op => "optimize";
    /// <inheritdoc/>
    public string? Optimizer => "sgd";
    /// <summary>The node count of the unoptimized function (the JSON contract has no field for it).</summary>
    public int Batch => _nodes > 0 ? _nodes : _target;
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => 1;
    /// <inheritdoc/>
    public string Backend => "rewrites";
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <summary>Nodes per call, so that <c>samples_per_s</c> reads as nodes optimized per second.</summary>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        _f = PipelineCases.WithAtLeast(_target);
        _nodes = _f.Nodes().Count;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Pipeline.Optimize(_f);
        CompileMs = clock.Elapsed.TotalMilliseconds;
    }

    /// <inheritdoc/>
    public void Run() => Pipeline.Optimize(_f!);

    /// <inheritdoc/>
    public void Teardown() { _f = null; }
}
