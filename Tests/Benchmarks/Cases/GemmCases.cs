using System;
using System.Collections.Generic;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>GEMM shape of one benchmarked call (C[m×n] = op(A)·op(B), row-major) and its epilogue.</summary>
public sealed record GemmShape(int M, int N, int K, bool TransA = false, bool TransB = false,
    BiasMode Bias = BiasMode.None, Activation Act = Activation.None, bool Mask = false, float Alpha = 1f, float Beta = 0f)
{
    /// <summary>2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;
}

/// <summary>The runtime GEMM cases: square and the MLP steps' shapes, and the calls of the 40-100-100-10 MLP training step.</summary>
public static class GemmCases
{
    /// <summary>All GEMM cases (each at 1 and 2 threads).</summary>
    public static IEnumerable<IBenchCase> All()
    {
        foreach (int t in new[] { 1, 2 })
        {
            yield return new GemmCase("sgemm-512", new GemmShape(512, 512, 512), false, t);
            yield return new GemmCase("sgemm-128x100x100", new GemmShape(128, 100, 100), false, t);
            yield return new GemmCase("sgemm-4000x40x298", new GemmShape(4000, 298, 40, TransB: true), false, t);
            yield return new GemmCase("sgemm-256x784x1024", new GemmShape(256, 1024, 784, TransB: true), false, t);
            yield return new GemmCase("sgemm-256x1024x1024", new GemmShape(256, 1024, 1024, TransB: true), false, t);
            yield return new GemmCase("dgemm-512", new GemmShape(512, 512, 512), true, t);
        }
        // The GEMMs of one SGD step of the 40-100-100-10 MLP (W stored [out, in]):
        // forward x·Wᵀ + b (ReLU on hidden layers), input gradient dY·W masked by the previous ReLU,
        // weight gradient with the SGD update fused: W = -lr/B·dYᵀ·X + W.
        foreach (int batch in new[] { 1, 32, 128 })
        {
            foreach (var (name, shape) in MlpCalls(batch))
                foreach (int t in new[] { 1, 2 })
                    yield return new GemmCase($"sgemm-mlp100-b{batch}-{name}", shape, false, t);
            foreach (int t in new[] { 1, 2 })
                yield return new GemmSequenceCase($"sgemm-mlp100-b{batch}-all", batch, MlpCalls(batch), t);
        }
    }

    /// <summary>The eight GEMM calls of one training step of 40-100-100-10 at the given batch.</summary>
    public static List<(string Name, GemmShape Shape)> MlpCalls(int b)
    {
        float lr = -0.01f / b;
        return new()
        {
            ("fwd1-nt", new GemmShape(b, 100, 40, TransB: true, Bias: BiasMode.PerColumn, Act: Activation.Relu)),
            ("fwd2-nt", new GemmShape(b, 100, 100, TransB: true, Bias: BiasMode.PerColumn, Act: Activation.Relu)),
            ("fwd3-nt", new GemmShape(b, 10, 100, TransB: true, Bias: BiasMode.PerColumn)),
            ("dx3-nn", new GemmShape(b, 100, 10, Mask: true)),
            ("dx2-nn", new GemmShape(b, 100, 100, Mask: true)),
            ("dw3-tn", new GemmShape(10, 100, b, TransA: true, Alpha: lr, Beta: 1f)),
            ("dw2-tn", new GemmShape(100, 100, b, TransA: true, Alpha: lr, Beta: 1f)),
            ("dw1-tn", new GemmShape(100, 40, b, TransA: true, Alpha: lr, Beta: 1f)),
        };
    }
}

/// <summary>Operands for one GEMM shape, filled with reproducible values.</summary>
internal sealed class GemmOperands
{
    public readonly GemmShape S;
    private readonly bool _f64;
    public float[] A = Array.Empty<float>(), B = Array.Empty<float>(), C = Array.Empty<float>(), Bias = Array.Empty<float>(), Mask = Array.Empty<float>();
    public double[] Ad = Array.Empty<double>(), Bd = Array.Empty<double>(), Cd = Array.Empty<double>();

    public GemmOperands(GemmShape s, bool f64, int seed)
    {
        S = s;
        _f64 = f64;
        var rng = new Random(seed);
        int na = s.M * s.K, nb = s.K * s.N, nc = s.M * s.N;
        if (f64) { Ad = Fill(new double[na], rng); Bd = Fill(new double[nb], rng); Cd = Fill(new double[nc], rng); }
        else
        {
            A = Fill(new float[na], rng); B = Fill(new float[nb], rng); C = Fill(new float[nc], rng);
            Bias = Fill(new float[s.Bias == BiasMode.PerRow ? s.M : s.N], rng);
            Mask = s.Mask ? Fill(new float[nc], rng) : Array.Empty<float>();
        }
    }

    private static float[] Fill(float[] x, Random rng) { for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1); return x; }
    private static double[] Fill(double[] x, Random rng) { for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1; return x; }

    public void Run()
    {
        var s = S;
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        if (_f64)
            Gemm.Dgemm(s.M, s.N, s.K, s.Alpha, Ad, 0, lda, s.TransA, Bd, 0, ldb, s.TransB, s.Beta, Cd, 0, s.N,
                null, 0, BiasMode.None, s.Act, null, 0, 0);
        else
            Gemm.Sgemm(s.M, s.N, s.K, s.Alpha, A, 0, lda, s.TransA, B, 0, ldb, s.TransB, s.Beta, C, 0, s.N,
                s.Bias == BiasMode.None ? null : Bias, 0, s.Bias, s.Act, s.Mask ? Mask : null, 0, s.N);
    }
}

/// <summary>One GEMM call as a benchmark case.</summary>
public sealed class GemmCase : IBenchCase
{
    private readonly GemmShape _shape;
    private readonly bool _f64;
    private GemmOperands? _ops;

    /// <summary>A case named <paramref name="name"/> timing one call of <paramref name="shape"/>.</summary>
    public GemmCase(string name, GemmShape shape, bool f64, int threads)
    {
        Name = name; _shape = shape; _f64 = f64; Threads = threads;
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op => "gemm";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch => _shape.M;
    /// <inheritdoc/>
    public string DType => _f64 ? "f64" : "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => "runtime";
    /// <inheritdoc/>
    public double FlopsPerCall => _shape.Flops;
    /// <inheritdoc/>
    public int SamplesPerCall => _shape.M;
    /// <inheritdoc/>
    public double? CompileMs => null;
    /// <inheritdoc/>
    public void Setup() => _ops = new GemmOperands(_shape, _f64, 42);
    /// <inheritdoc/>
    public void Run() => _ops!.Run();
    /// <inheritdoc/>
    public void Teardown() => _ops = null;
}

/// <summary>A sequence of GEMM calls timed together (e.g. all GEMMs of one MLP training step).</summary>
public sealed class GemmSequenceCase : IBenchCase
{
    private readonly List<(string Name, GemmShape Shape)> _calls;
    private GemmOperands[] _ops = Array.Empty<GemmOperands>();

    /// <summary>A case named <paramref name="name"/> timing all <paramref name="calls"/> back to back.</summary>
    public GemmSequenceCase(string name, int batch, List<(string Name, GemmShape Shape)> calls, int threads)
    {
        Name = name; Batch = batch; _calls = calls; Threads = threads;
        foreach (var c in calls) FlopsPerCall += c.Shape.Flops;
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public string Op => "gemm";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch { get; }
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads { get; }
    /// <inheritdoc/>
    public string Backend => "runtime";
    /// <inheritdoc/>
    public double FlopsPerCall { get; }
    /// <inheritdoc/>
    public int SamplesPerCall => Batch;
    /// <inheritdoc/>
    public double? CompileMs => null;

    /// <inheritdoc/>
    public void Setup()
    {
        _ops = new GemmOperands[_calls.Count];
        for (int i = 0; i < _ops.Length; i++) _ops[i] = new GemmOperands(_calls[i].Shape, false, 42 + i);
    }

    /// <inheritdoc/>
    public void Run()
    {
        foreach (var op in _ops) op.Run();
    }

    /// <inheritdoc/>
    public void Teardown() => _ops = Array.Empty<GemmOperands>();
}
