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
/// convolutions run as im2col + batched GEMM, pooling as window reductions.
/// </summary>
public static class LenetCases
{
    /// <summary>The SGD training step and the forward pass at batch 64, each on 1 and 2 threads.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        foreach (var op in new[] { "train_step", "forward" })
            foreach (int t in new[] { 1, 2 })
                yield return new LenetCase(op, 64, t);
    }

    /// <summary>The network written with the DSL and lowered for SGD training (seed 1).</summary>
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
    private static Runtime.CompiledModel<float>? s_model;
    private static double s_compileMs;
    private float[][] _inputs = Array.Empty<float[]>(), _outputs = Array.Empty<float[]>();
    private int _method;

    /// <summary>Creates the case.</summary>
    public LenetCase(string op, int batch, int threads) { Op = op; Batch = batch; Threads = threads; }

    /// <inheritdoc/>
    public string Name => "lenet-28";
    /// <inheritdoc/>
    public string Op { get; }
    /// <inheritdoc/>
    public string? Optimizer => Op == "forward" ? null : "sgd";
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => "roslyn";
    /// <inheritdoc/>
    public double FlopsPerCall => LenetCases.Flops(Batch, Op == "forward");
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs => s_compileMs;

    /// <inheritdoc/>
    public void Setup()
    {
        if (s_model is null)
        {
            var sw = Stopwatch.StartNew();
            var (model, lowered) = LenetCases.Lower();
            var compiled = RoslynBackend.Compile<float>(lowered.Plan, new EmitOptions { Namespace = "Nabla.Benchmarks.Lenet", ClassName = "LeNet28" });
            s_compileMs = sw.Elapsed.TotalMilliseconds;
            s_model = compiled.Create();
            LenetCases.CopyParameters(model, s_model);
        }
        var m = s_model;
        _method = Enumerable.Range(0, m.Spec.Methods.Count).First(i => m.Spec.Methods[i].Name == (Op == "forward" ? "Forward" : "TrainStep"));
        var spec = m.Spec.Methods[_method];
        var rnd = new Random(3);
        _inputs = spec.Inputs.Select(i => new float[i.Size(Batch)]).ToArray();
        _outputs = spec.Outputs.Select(o => new float[o.Size(Batch)]).ToArray();
        for (int i = 0; i < spec.Inputs.Count; i++)
        {
            var a = _inputs[i];
            switch (spec.Inputs[i].Name)
            {
                case "x": for (int j = 0; j < a.Length; j++) a[j] = (float)(rnd.NextDouble() * 2 - 1); break;
                case "t": for (int r = 0; r < Batch; r++) a[r * 10 + rnd.Next(10)] = 1; break;
                case "lr": a[0] = 0.01f; break;
                default: throw new InvalidOperationException($"Unexpected LeNet input \"{spec.Inputs[i].Name}\".");
            }
        }
    }

    /// <inheritdoc/>
    public void Run() => s_model!.Run(_method, Batch, _inputs, _outputs);

    /// <inheritdoc/>
    public void Teardown() { }
}
