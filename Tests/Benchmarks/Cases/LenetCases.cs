using System;
using System.Diagnostics;
using System.Linq;
using System.Collections.Generic;
using Nabla.Backends.CSharp;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Runtime;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// <c>lenet-28</c>: the LeNet-style CNN of the PyTorch peer (<c>Tests/Benchmarks/torch_bench.py</c>, case
/// <c>lenet-28/train_step/sgd/b64</c>): 28×28×1 → Conv2d(1, 6, 5) → ReLU → max-pool 2 → Conv2d(6, 16, 5) → ReLU → max-pool 2 → 256 →
/// 120 → 84 → 10, ReLU between the dense layers, softmax cross-entropy, SGD, float32, batch 64. Written with the DSL
/// (<see cref="Nabla.Sequential"/>), lowered by <see cref="Nabla.Lowering"/> and compiled by the Roslyn backend; the
/// convolutions run as im2col + batched GEMM, max pooling as the <c>max_pool</c> op. Also <c>mnist1d-cnn</c>, the MNIST-1D
/// paper's CNN, built and run the same way (<see cref="Mnist1dCnn"/>).
/// </summary>
public static class LenetCases
{
    /// <summary>The SGD training step and the forward pass at batch 64, each on 1 and 2 threads.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        foreach (var spec in new[] { Lenet, Mnist1dCnn })
            foreach (var op in new[] { "train_step", "forward" })
                foreach (int t in new[] { 1, 2 })
                    yield return new LenetCase(spec, op, t);
    }

    /// <summary><c>lenet-28</c>: SGD (lr 0.01) at batch 64.</summary>
    public static readonly CnnSpec Lenet = new("lenet-28", "sgd", 64, "LeNet28", Lower, Flops);

    /// <summary>
    /// <c>mnist1d-cnn</c>: the MNIST-1D paper's CNN (<see cref="Networks.Mnist1dCnn"/>: three Conv1d of 25 channels, kernels
    /// 5, 3, 3, stride 2, padding 1, ReLU, Linear(125, 10)) with its recipe's Adam (lr 0.01) at batch 100; the PyTorch peer
    /// runs the example's <c>ConvBase</c> (<c>examples/Mnist1D/pytorch/cnn.py</c>).
    /// </summary>
    public static readonly CnnSpec Mnist1dCnn = new("mnist1d-cnn", "adam", 100, "Mnist1dCnn", () =>
    {
        var model = Model.Build(Networks.Mnist1dCnn(), Shape.Of(Shape.Batch, 40), seed: 1);
        return (model, Lowerer.Lower(model, TrainingSetup.Classification(Nabla.Optimizer.Adam(0.01))));
    }, Mnist1dCnnFlops);

    /// <summary>FLOPs of the MNIST-1D CNN counted as <see cref="Flops"/> counts LeNet's.</summary>
    public static double Mnist1dCnnFlops(int b, bool forwardOnly)
    {
        double c1 = 2.0 * b * 19 * 25 * 1 * 5, c2 = 2.0 * b * 10 * 25 * 25 * 3, c3 = 2.0 * b * 5 * 25 * 25 * 3, fc = 2.0 * b * 125 * 10;
        double fwd = c1 + c2 + c3 + fc;
        return forwardOnly ? fwd : fwd + fwd + (c2 + c3 + fc);
    }

    /// <summary>LeNet written with the DSL and lowered for SGD training (seed 1).</summary>
    public static (Model Model, LoweredModel Lowered) Lower()
    {
        var net = new Sequential(new Conv2d(1, 6, 5), new ReLU(), Pool.Max2d(2), new Conv2d(6, 16, 5), new ReLU(), Pool.Max2d(2),
            new Flatten(), new Dense(256, 120), new ReLU(), new Dense(120, 84), new ReLU(), new Dense(84, 10));
        var model = Model.Build(net, Shape.Of(Shape.Batch, 1, 28, 28), seed: 1);
        return (model, Lowerer.Lower(model, TrainingSetup.Classification(Nabla.Optimizer.Sgd(0.01))));
    }

    /// <summary>Copies the DSL model's initial parameters into the compiled model, by name.</summary>
    public static void CopyParameters(Model model, Runtime.CompiledModel<float> compiled)
    {
        for (int i = 0; i < compiled.Parameters.Length; i++)
        {
            var src = model.Parameters.Entries.FirstOrDefault(e => e.Name == compiled.Spec.Parameters[i].Name);
            if (src is not null) Array.Copy(src.Parameter.Data, compiled.Parameters[i], src.Parameter.Data.Length);
        }
    }

    /// <summary>FLOPs of one step as the PyTorch benchmark counts them (forward, weight gradients, input gradients except conv1).</summary>
    public static double Flops(int b, bool forwardOnly)
    {
        double c1 = 2.0 * b * 24 * 24 * 6 * 1 * 25, c2 = 2.0 * b * 8 * 8 * 16 * 6 * 25, fc = 2.0 * b * (256 * 120 + 120 * 84 + 84 * 10);
        double fwd = c1 + c2 + fc;
        return forwardOnly ? fwd : fwd + fwd + (c2 + fc);
    }
}

/// <summary>One LeNet method at one batch size.</summary>
public sealed class LenetCase : IBenchCase
{
    private static readonly Dictionary<string, (Runtime.CompiledModel<float> Model, double CompileMs)> s_models = new();
    private readonly CnnSpec _spec;
    private const int Sets = 8;
    private float[][][] _sets = Array.Empty<float[][]>();
    private float[][] _outputs = Array.Empty<float[]>();
    private int _next;
    private int _method;
    private Runtime.CompiledModel<float>? _model;

    /// <summary>Creates the case.</summary>
    public LenetCase(CnnSpec spec, string op, int threads) { _spec = spec; Op = op; Batch = spec.Batch; Threads = threads; }

    /// <inheritdoc/>
    public string Name => _spec.Name;
    /// <inheritdoc/>
    public string Op { get; }
    /// <inheritdoc/>
    public string? Optimizer => Op == "forward" ? null : _spec.Optimizer;
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => "roslyn";
    /// <inheritdoc/>
    public double FlopsPerCall => _spec.Flops(Batch, Op == "forward");
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs => s_models.TryGetValue(_spec.Name, out var m) ? m.CompileMs : null;

    /// <inheritdoc/>
    public void Setup()
    {
        if (!s_models.ContainsKey(_spec.Name))
        {
            var sw = Stopwatch.StartNew();
            var (model, lowered) = _spec.Lower();
            var compiled = RoslynBackend.Compile<float>(lowered.Plan, new EmitOptions { Namespace = "Nabla.Benchmarks.Cnn", ClassName = _spec.ClassName });
            double ms = sw.Elapsed.TotalMilliseconds;
            var created = compiled.Create();
            LenetCases.CopyParameters(model, created);
            s_models[_spec.Name] = (created, ms);
        }
        var m = _model = s_models[_spec.Name].Model;
        _method = Enumerable.Range(0, m.Spec.Methods.Count).First(i => m.Spec.Methods[i].Name == (Op == "forward" ? "Forward" : "TrainStep"));
        var spec = m.Spec.Methods[_method];
        var rnd = new Random(3);
        _outputs = spec.Outputs.Select(o => new float[o.Size(Batch)]).ToArray();
        // Distinct input batches, cycled, as the PyTorch peer does (SAMPLES = 8 in torch_bench.py).
        _sets = new float[Sets][][];
        for (int k = 0; k < Sets; k++)
        {
            var inputs = _sets[k] = spec.Inputs.Select(i => new float[i.Size(Batch)]).ToArray();
            for (int i = 0; i < spec.Inputs.Count; i++)
            {
                var a = inputs[i];
                switch (spec.Inputs[i].Name)
                {
                    case "x": for (int j = 0; j < a.Length; j++) a[j] = (float)(rnd.NextDouble() * 2 - 1); break;
                    case "t": for (int r = 0; r < Batch; r++) a[r * 10 + rnd.Next(10)] = 1; break;
                    case "lr": a[0] = 0.01f; break;
                    default: throw new InvalidOperationException($"Unexpected {_spec.Name} input \"{spec.Inputs[i].Name}\".");
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Run() => _model!.Run(_method, Batch, _sets[_next = (_next + 1) % Sets], _outputs);

    /// <inheritdoc/>
    public void Teardown() { }
}

/// <summary>A CNN benchmark model: case name, optimizer, batch, emitted class name, how it is built and lowered, FLOPs per call.</summary>
public sealed record CnnSpec(string Name, string Optimizer, int Batch, string ClassName,
    Func<(Model Model, LoweredModel Lowered)> Lower, Func<int, bool, double> Flops);
