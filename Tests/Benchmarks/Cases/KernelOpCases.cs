using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Intrinsics;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;

namespace Nabla.Benchmarks.Cases;

/// <summary>
/// What a user's elementwise kernel (<c>Op.DefineElementwise</c>) costs in a loop: y = softsign(2x) over 2²⁰ floats
/// (f32) with the kernel vectorized, the same kernel scalar-only, and the same formula in built-in ops, on both
/// backends. The kernel is <see cref="BenchKernels.Softsign(float)"/>, the README's example.
/// </summary>
public static class KernelOpCases
{
    /// <summary>Elements per call.</summary>
    public const int Length = 1 << 20;

    /// <summary>The six cases: {vectorized, scalar, builtin} × {roslyn, expressions}.</summary>
    public static IEnumerable<IBenchCase> All()
    {
        foreach (var backend in new[] { "roslyn", "expressions" })
            foreach (var form in new[] { "vectorized", "scalar", "builtin" })
                yield return new KernelOpCase(form, backend);
    }
}

/// <summary>The benchmark's kernel: softsign x / (1 + |x|), scalar and vector forms.</summary>
public static class BenchKernels
{
    /// <summary>Softsign of a float.</summary>
    public static float Softsign(float x) => x / (1f + MathF.Abs(x));
    /// <summary>Softsign of a double.</summary>
    public static double Softsign(double x) => x / (1.0 + Math.Abs(x));
    /// <summary>Softsign of a 128-bit vector.</summary>
    public static Vector128<T> Softsign<T>(Vector128<T> x) => x / (Vector128<T>.One + Vector128.Abs(x));
    /// <summary>Softsign of a 256-bit vector.</summary>
    public static Vector256<T> Softsign<T>(Vector256<T> x) => x / (Vector256<T>.One + Vector256.Abs(x));
}

/// <summary>See <see cref="KernelOpCases"/>.</summary>
public sealed class KernelOpCase : IBenchCase
{
    private readonly string _form;
    private CompiledModel<float>? _model;
    private float[][] _inputs = Array.Empty<float[]>(), _outputs = Array.Empty<float[]>();

    /// <summary>A case for one form ("vectorized", "scalar", "builtin") on one backend ("roslyn", "expressions").</summary>
    public KernelOpCase(string form, string backend) { _form = form; Backend = backend; }

    /// <inheritdoc/>
    public string Name => "softsign-" + _form;
    /// <inheritdoc/>
    public string Op => "elementwise";
    /// <inheritdoc/>
    public string? Optimizer => null;
    /// <inheritdoc/>
    public int Batch => 1;
    /// <inheritdoc/>
    public string DType => "f32";
    /// <inheritdoc/>
    public int Threads => 1;
    /// <inheritdoc/>
    public string Backend { get; }
    /// <inheritdoc/>
    public double FlopsPerCall => 0;
    /// <inheritdoc/>
    public int SamplesPerCall => KernelOpCases.Length;
    /// <inheritdoc/>
    public double? CompileMs { get; private set; }

    /// <inheritdoc/>
    public void Setup()
    {
        Func<Node, Node, Node?[]> vjp = (y, g) => new[] { g / F.Square(1.0 + F.Abs(y.A)) };
        string kernel = typeof(BenchKernels).FullName + ".Softsign";
        Func<Node, Node> body = _form switch
        {
            "vectorized" => Ir.Op.DefineElementwise("softsign", x => x / (1 + Math.Abs(x)), kernel, vjp, vectorized: true).Call,
            "scalar" => Ir.Op.DefineElementwise("softsign", x => x / (1 + Math.Abs(x)), kernel, vjp, vectorized: false).Call,
            _ => x => x / (1.0 + F.Abs(x)),
        };
        var g = new Graph(Ir.DType.F32);
        var input = g.Input("x", Shape.Of(KernelOpCases.Length));
        var f = new Function(g, ("y", body(input * 2.0)));
        var clock = Stopwatch.StartNew();
        var plan = new ModelPlan("KernelOp", new[] { ("Softsign", Scheduler.Build(Pipeline.Optimize(f).Function)) });
        _model = Backend == "roslyn" ? RoslynBackend.Create<float>(plan) : ExpressionBackend.Compile<float>(plan);
        CompileMs = clock.Elapsed.TotalMilliseconds;
        var rng = new Random(1);
        _inputs = new[] { Enumerable.Range(0, KernelOpCases.Length).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray() };
        _outputs = new[] { new float[KernelOpCases.Length] };
    }

    /// <inheritdoc/>
    public void Run() => _model!.Run(0, 1, _inputs, _outputs);

    /// <inheritdoc/>
    public void Teardown() { _model = null; }
}
